-- Outbound webhooks (shared/API.md Part 6, docs/WEBHOOKS.md) ------------------------------------

CREATE TABLE webhook_endpoints (
  id                 text PRIMARY KEY,
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  url                text NOT NULL,
  -- NULL: every event type
  events             text[],
  description        text,
  enabled            boolean NOT NULL DEFAULT true,
  disabled_reason    text CHECK (disabled_reason IN ('gone', 'failing', 'manual')),
  -- store.SecretBox: a database dump alone does not reveal them
  secret_enc         bytea NOT NULL,
  previous_secret_enc bytea,
  previous_secret_until timestamptz,
  -- the tenant's event log up to here has its deliveries (the fan-out's cursor; the log's seq)
  cursor_seq         bigint NOT NULL,
  -- the first failure since the last success (5 days of them disable the endpoint)
  failing_since      timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, created_at DESC, id DESC);

CREATE TABLE webhook_deliveries (
  id                 text PRIMARY KEY,
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  endpoint_id        text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  -- the log entry it carries; NULL for a test ping
  event_seq          bigint,
  event_id           text NOT NULL,
  event_type         text NOT NULL,
  -- the POST body, as built once from the log entry (the same on every attempt)
  body               text NOT NULL,
  status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts           integer NOT NULL DEFAULT 0,
  last_response_code integer,
  last_error         text,
  next_attempt_at    timestamptz,
  delivered_at       timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
-- one delivery per endpoint and log entry, whatever the fan-out's retries
CREATE UNIQUE INDEX webhook_deliveries_event_idx ON webhook_deliveries (endpoint_id, event_seq)
  WHERE event_seq IS NOT NULL;
-- an endpoint's deliveries, newest first (the dashboard's list), and its pending ones (re-enabling)
CREATE INDEX webhook_deliveries_list_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id) WHERE status = 'pending';
-- a first attempt is sent by the node that made the delivery, without a job; one whose outcome was
-- not recorded by its next_attempt_at (that node died) gets a job then (the sweep)
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
