-- What the assistant does when it cannot help a visitor (tenant config "handoff": {"mode"}):
-- offer a person (or a follow-up when no agent is online), hand over at once, or never hand over.
ALTER TABLE tenants ADD COLUMN handoff_mode text NOT NULL DEFAULT 'offer'
  CHECK (handoff_mode IN ('offer', 'auto', 'never'));
