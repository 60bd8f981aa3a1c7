-- The visitor session an event concerns ------------------------------------------------------
-- A visitor socket (GET /ws/chat) receives only its own session's events and resumes from the
-- same event ids as the tenant socket, so the log records whose session each conversation and
-- message event is about (NULL for events no visitor sees). The partial index serves the
-- visitor's replay: one session's events after a seq, in order.
ALTER TABLE tenant_events ADD COLUMN session_id text;
CREATE INDEX tenant_events_session_idx ON tenant_events (tenant_id, session_id, seq)
  WHERE session_id IS NOT NULL;
