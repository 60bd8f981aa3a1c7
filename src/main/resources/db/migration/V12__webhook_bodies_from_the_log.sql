-- A delivery of a log entry no longer keeps its own copy of the POST body: each attempt builds it
-- from the entry (tenant_events, kept as long as the tenant), byte for byte as the first attempt
-- did. Only a test ping, which has no entry, stores its body. Each delivery then writes about half
-- the WAL it did (its row is inserted, then rewritten with its outcome), and the chat path's
-- commits, which flush that WAL with theirs, wait less (docs/BENCHMARKS.md, issue 14).
ALTER TABLE webhook_deliveries ALTER COLUMN body DROP NOT NULL;
COMMENT ON COLUMN webhook_deliveries.body IS 'the POST body of a ping; NULL for a log entry''s delivery (built from tenant_events on each attempt)';
