-- A durable job queue (queue/JobQueue): jobs of any kind (campaign dial attempts, webhook
-- deliveries), each due at a time, claimed with FOR UPDATE SKIP LOCKED under a lease that names its
-- owner; a job whose lease expired (its node died) is claimed again. A finished job is deleted.
CREATE TABLE jobs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue            text NOT NULL,
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- at most one job per key and queue is waiting (e.g. one dial attempt per contact)
  job_key          text,
  payload          jsonb NOT NULL DEFAULT '{}',
  due_at           timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  lease_owner      text,
  lease_expires_at timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
-- claiming: the due jobs of a queue, oldest due first
CREATE INDEX jobs_due_idx ON jobs (queue, due_at);
CREATE UNIQUE INDEX jobs_key_idx ON jobs (queue, job_key) WHERE job_key IS NOT NULL;
-- a tenant's jobs (deleting a tenant, cancelling a campaign)
CREATE INDEX jobs_tenant_idx ON jobs (tenant_id, queue);

-- Outbound campaigns (shared/API.md Part 5) ---------------------------------------------------

CREATE TABLE campaigns (
  id                text PRIMARY KEY,
  tenant_id         text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name              text NOT NULL,
  assistant_id      text NOT NULL REFERENCES assistants(id) ON DELETE CASCADE,
  from_number       text NOT NULL,
  timezone          text NOT NULL,
  calling_hours     jsonb NOT NULL,
  pacing            jsonb NOT NULL,
  retry             jsonb NOT NULL,
  voicemail         text NOT NULL DEFAULT 'hangup' CHECK (voicemail IN ('hangup', 'leave_message')),
  voicemail_message text,
  start_at          timestamptz,
  status            text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  -- campaign:progress goes out at most once a second per campaign, from whichever node: the node
  -- that flips progress_sent_at sends it
  progress_dirty    boolean NOT NULL DEFAULT false,
  progress_sent_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_tenant_idx ON campaigns (tenant_id, created_at DESC, id DESC);
CREATE INDEX campaigns_dirty_idx ON campaigns (progress_sent_at) WHERE progress_dirty;

CREATE TABLE campaign_contacts (
  id              text PRIMARY KEY,
  tenant_id       text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  campaign_id     text NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  phone           text NOT NULL,
  name            text,
  timezone        text,
  variables       jsonb NOT NULL DEFAULT '{}',
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_progress', 'completed',
                    'voicemail', 'no_answer', 'busy', 'failed', 'skipped', 'cancelled')),
  qualified       boolean NOT NULL DEFAULT false,
  attempts        integer NOT NULL DEFAULT 0,
  last_result     text,
  next_attempt_at timestamptz,
  conversation_id text REFERENCES conversations(id) ON DELETE SET NULL,
  call_sid        text,
  seq             bigint GENERATED ALWAYS AS IDENTITY,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, phone)
);
-- counts by status, and the contact list paged in import order
CREATE INDEX campaign_contacts_status_idx ON campaign_contacts (campaign_id, status);
CREATE INDEX campaign_contacts_seq_idx ON campaign_contacts (campaign_id, seq);
CREATE INDEX campaign_contacts_call_idx ON campaign_contacts (call_sid) WHERE call_sid IS NOT NULL;

-- every dial request sent for a campaign: callsPerMinute holds over any 60 s, cluster-wide
CREATE TABLE campaign_dials (
  campaign_id text NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  dialled_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX campaign_dials_idx ON campaign_dials (campaign_id, dialled_at);

-- the tenant's do-not-call list, checked at dial time
CREATE TABLE dnc (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  phone      text NOT NULL,
  source     text NOT NULL DEFAULT 'api',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, phone)
);
-- the list, newest first
CREATE INDEX dnc_tenant_created_idx ON dnc (tenant_id, created_at DESC, phone DESC);
