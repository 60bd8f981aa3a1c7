-- Voice: calls through a Twilio-compatible carrier (shared/API.md Part 4) -------------------

-- Assistant fields for voice: where a handoff is dialled (E.164), and what the carrier speaks with
-- ({"language": "en-US", "ttsVoice": "..."}, passed through).
ALTER TABLE assistants ADD COLUMN transfer_number text;
ALTER TABLE assistants ADD COLUMN voice jsonb NOT NULL DEFAULT '{}';

-- A voice conversation started from a chat (voice/start) links to that chat, and a call's
-- outcome is recorded in metadata.call {callSid, status, durationSeconds, answeredBy, direction}.
ALTER TABLE conversations ADD COLUMN linked_conversation_id text REFERENCES conversations(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}';

-- A tenant's own carrier account, overriding the server-wide one. The auth token is stored
-- encrypted (store.SecretBox, AES-256-GCM with the server's secrets key): a dump alone does not
-- reveal it.
CREATE TABLE tenant_telephony (
  tenant_id      text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  account_sid    text NOT NULL,
  auth_token_enc bytea NOT NULL,
  api_base_url   text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- voice/start leases one of an assistant's numbers to a widget session: a call to the number
-- within the lease joins the lease's conversation. One row per number (a number belongs to one
-- assistant of one tenant); the first call that arrives within the lease claims it (call_sid).
CREATE TABLE voice_leases (
  phone_number    text PRIMARY KEY,
  tenant_id       text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  assistant_id    text NOT NULL REFERENCES assistants(id) ON DELETE CASCADE,
  session_id      text NOT NULL,
  conversation_id text NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  leased_at       timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  call_sid        text
);
-- the same session asking again within its lease gets the same number
CREATE INDEX voice_leases_session_idx ON voice_leases (tenant_id, session_id);

-- One row per call the carrier told us about. status and sequence_number follow the carrier's
-- status callbacks, which may come late, twice or out of order: a callback applies only when its
-- SequenceNumber is above the last one applied and the call has not ended.
CREATE TABLE voice_calls (
  call_sid         text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  conversation_id  text NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  assistant_id     text REFERENCES assistants(id) ON DELETE SET NULL,
  direction        text NOT NULL,
  from_number      text NOT NULL,
  to_number        text NOT NULL,
  status           text NOT NULL,
  sequence_number  integer NOT NULL DEFAULT -1,
  answered_by      text,
  duration_seconds integer,
  handoff          boolean NOT NULL DEFAULT false,
  started_at       timestamptz NOT NULL DEFAULT now(),
  ended_at         timestamptz
);
-- the concurrent-calls cap counts a tenant's calls that have not ended
CREATE INDEX voice_calls_live_idx ON voice_calls (tenant_id, started_at) WHERE ended_at IS NULL;
CREATE INDEX voice_calls_conversation_idx ON voice_calls (conversation_id);
