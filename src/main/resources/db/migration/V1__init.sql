-- Tenants, accounts and widget credentials ------------------------------------------------

CREATE TABLE tenants (
  id              text PRIMARY KEY,
  name            text NOT NULL,
  plan            text NOT NULL DEFAULT 'free',
  widget_config   jsonb NOT NULL,
  allowed_origins text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
-- emails are stored lower-cased; one account per email across the service (login takes no tenant)
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_tenant_idx ON users (tenant_id, created_at);

-- only a SHA-256 of each widget token is stored; expires_at is set when a token is rotated out
CREATE TABLE widget_tokens (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz
);
CREATE INDEX widget_tokens_tenant_idx ON widget_tokens (tenant_id);

-- Assistants ------------------------------------------------------------------------------

CREATE TABLE assistants (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name          text NOT NULL,
  instructions  text NOT NULL DEFAULT '',
  model         text NOT NULL DEFAULT '',
  greeting      text NOT NULL DEFAULT '',
  temperature   double precision NOT NULL DEFAULT 0.7,
  max_tokens    integer NOT NULL DEFAULT 512,
  phone_numbers text[] NOT NULL DEFAULT '{}',
  qualification jsonb NOT NULL DEFAULT '{"requiredFields": []}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assistants_tenant_idx ON assistants (tenant_id, created_at);

-- Conversations and messages --------------------------------------------------------------

CREATE TABLE conversations (
  id              text PRIMARY KEY,
  tenant_id       text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  assistant_id    text REFERENCES assistants(id) ON DELETE SET NULL,
  session_id      text NOT NULL,
  channel         text NOT NULL CHECK (channel IN ('chat', 'voice')),
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  ai_enabled      boolean NOT NULL DEFAULT true,
  contact_data    jsonb NOT NULL DEFAULT '{}',
  qualified       boolean NOT NULL DEFAULT false,
  assignee_id     text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz
);
-- dashboard list: newest first per tenant, cursor on (created_at, id)
CREATE INDEX conversations_tenant_created_idx ON conversations (tenant_id, created_at DESC, id DESC);
-- widget chat: a visitor's conversation is looked up by tenant and session
CREATE INDEX conversations_tenant_session_idx ON conversations (tenant_id, session_id);

CREATE TABLE messages (
  id              text PRIMARY KEY,
  seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant_id       text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  conversation_id text NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('visitor', 'assistant', 'agent', 'system')),
  content         text NOT NULL,
  metadata        jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now()
);
-- history and paging within a conversation, oldest first
CREATE INDEX messages_conversation_seq_idx ON messages (conversation_id, seq);
CREATE INDEX messages_tenant_created_idx ON messages (tenant_id, created_at);

-- Tracked widget events -------------------------------------------------------------------

CREATE TABLE tracked_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  session_id  text NOT NULL,
  event       text NOT NULL,
  occurred_at timestamptz NOT NULL,
  metadata    jsonb,
  received_at timestamptz NOT NULL DEFAULT now()
);
-- analytics windows per tenant
CREATE INDEX tracked_events_tenant_time_idx ON tracked_events (tenant_id, occurred_at);

-- Usage per tenant per calendar month ('YYYY-MM', UTC) -------------------------------------

CREATE TABLE usage (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  period      text NOT NULL,
  messages    bigint NOT NULL DEFAULT 0,
  tokens      bigint NOT NULL DEFAULT 0,
  voice_calls bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, period)
);
