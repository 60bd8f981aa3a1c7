-- Per-tenant ordered event log -------------------------------------------------------------
-- Every domain event (conversation:new, message:new, conversation:updated, ...) is written here
-- in the same transaction as the change it describes. seq is per tenant and gapless: it comes
-- from the tenant's counter row, whose lock is held until commit, so events of one tenant
-- commit in seq order and a missing seq always means "not received yet", never "rolled back".

CREATE TABLE tenant_event_counters (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  last_seq  bigint NOT NULL
);

CREATE TABLE tenant_events (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  seq        bigint NOT NULL,
  type       text NOT NULL,
  data       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, seq)
);

-- when a conversation became qualified (analytics windows; set by the assistant engine)
ALTER TABLE conversations ADD COLUMN qualified_at timestamptz;
CREATE INDEX conversations_tenant_qualified_idx ON conversations (tenant_id, qualified_at)
  WHERE qualified_at IS NOT NULL;

-- a phone number routes calls to one assistant: looked up across all tenants
CREATE INDEX assistants_phone_numbers_idx ON assistants USING gin (phone_numbers);

-- dashboard filters by status, channel and qualification, newest first
CREATE INDEX conversations_tenant_status_idx ON conversations (tenant_id, status, created_at DESC, id DESC);
