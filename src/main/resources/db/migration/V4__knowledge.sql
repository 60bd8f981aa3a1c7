-- Knowledge base: entries an assistant grounds its answers in, found by full-text search ------

-- The text-search configuration (the language) with which the tenant's entries are indexed and
-- its visitors' questions are read: the name of one of pg_catalog's configurations (english,
-- german, simple, ...), checked by the server against pg_ts_config. Stored as a name, not as
-- regconfig: pg_upgrade refuses databases with reg* columns (their OIDs are not preserved).
ALTER TABLE tenants ADD COLUMN search_config text NOT NULL DEFAULT 'english';

-- The document vector of an entry: title words weigh A, content words B (ts_rank counts an A
-- match 1.0, a B match 0.4). Declared IMMUTABLE so that a stored generated column can call it:
-- to_tsvector(regconfig, text) is immutable, only the name lookup is not, and pg_catalog's
-- configurations do not change under a running database. The name is looked up in pg_catalog
-- alone, whatever the search_path.
CREATE FUNCTION knowledge_document(config text, title text, content text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN setweight(to_tsvector(('pg_catalog.' || quote_ident(config))::regconfig, title), 'A')
      || setweight(to_tsvector(('pg_catalog.' || quote_ident(config))::regconfig, content), 'B');

CREATE TABLE knowledge_entries (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  assistant_id  text NOT NULL REFERENCES assistants(id) ON DELETE CASCADE,
  title         text NOT NULL,
  content       text NOT NULL,
  -- the tenant's search_config when the vector was computed; changing the tenant's language
  -- updates this column in the same transaction, which recomputes the vector
  search_config text NOT NULL,
  search_vector tsvector NOT NULL GENERATED ALWAYS AS (knowledge_document(search_config, title, content)) STORED,
  created_at    timestamptz NOT NULL DEFAULT now()
);
-- the search: entries whose vector shares a lexeme with the visitor's question
CREATE INDEX knowledge_entries_search_idx ON knowledge_entries USING gin (search_vector);
-- the dashboard list (oldest first, cursor on (created_at, id)) and the per-assistant entry count
CREATE INDEX knowledge_entries_assistant_idx ON knowledge_entries (tenant_id, assistant_id, created_at, id);
-- an assistant belongs to one tenant: without this the planner multiplies the two columns'
-- selectivities and expects about one entry per assistant
CREATE STATISTICS knowledge_entries_owner_stats (dependencies) ON tenant_id, assistant_id FROM knowledge_entries;
