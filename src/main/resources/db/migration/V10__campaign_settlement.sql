-- Campaign settlement off the campaign's row (issue 13, after the first benchmark).

-- The terminal status callback finds its attempt by conversation: without this it scanned every
-- tenant's contacts, once per settlement.
CREATE INDEX campaign_contacts_conversation_idx ON campaign_contacts (tenant_id, conversation_id)
  WHERE conversation_id IS NOT NULL;

-- campaign:progress: contacts changed since the campaign's last progress (the progress ticker's
-- probe), in place of a flag on the campaign's row that every attempt and settlement set, taking
-- the row's lock each time.
CREATE INDEX campaign_contacts_updated_idx ON campaign_contacts (campaign_id, updated_at);
DROP INDEX campaigns_dirty_idx;
ALTER TABLE campaigns DROP COLUMN progress_dirty;
-- the data of the campaign's last campaign:progress: the ticker sends one only when counts differ
ALTER TABLE campaigns ADD COLUMN progress_data jsonb;

-- the campaigns whose progress the ticker looks at
CREATE INDEX campaigns_live_idx ON campaigns (status)
  WHERE status IN ('scheduled', 'running', 'paused', 'cancelled');

-- attempts whose end never came (the terminal callback lost or rolled back): the dialer's sweep
CREATE INDEX campaign_contacts_in_call_idx ON campaign_contacts (updated_at) WHERE status = 'in_progress';
