-- Tracked events are the highest-volume insert of all (every widget open, every page view), and a
-- foreign key costs each row a lookup of its tenant plus a FOR KEY SHARE lock on that one tenants
-- row, which every concurrent batch of the tenant then contends for. A row is only written after
-- the widget request was admitted against an existing tenant, no API deletes tenants, and every
-- analytics read is scoped by tenant_id; so the key is dropped. Whoever removes a tenant by hand
-- must also run DELETE FROM tracked_events WHERE tenant_id = ... (no cascade does it).
ALTER TABLE tracked_events DROP CONSTRAINT tracked_events_tenant_id_fkey;
