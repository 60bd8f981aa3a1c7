-- Plan limits -------------------------------------------------------------------------------
-- A tenant's monthly limits come from its plan (plans live in the server's config, the same on
-- every node), overridden key by key by tenants.limits, which the operator endpoint sets
-- (PUT /api/admin/tenants/:tenantId/limits). A key present in the override replaces the plan's
-- value; a JSON null means "unlimited".
ALTER TABLE tenants ADD COLUMN limits jsonb NOT NULL DEFAULT '{}';

-- The effective limit of one key ('messagesPerMonth', 'tokensPerMonth', 'voiceCallsPerMonth'),
-- or NULL for unlimited. p_plans is the config's plans object ({"free": {...}, ...}); a tenant on a
-- plan the config no longer has falls back to p_default_plan. Evaluated inside the statement that
-- counts usage, so a change of plan or override holds from the next request on, on every node.
-- PL/pgSQL rather than SQL: a SQL function that reads a table is not inlined, and PostgreSQL 17
-- parses and plans it again at each call site of each statement; PL/pgSQL keeps the plan of its
-- query for the session.
CREATE FUNCTION usage_limit(p_tenant text, p_key text, p_plans jsonb, p_default_plan text)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT CASE WHEN t.limits ? p_key THEN (t.limits ->> p_key)::bigint
                      ELSE (COALESCE(p_plans -> t.plan, p_plans -> p_default_plan) ->> p_key)::bigint END
          FROM tenants t WHERE t.id = p_tenant);
END
$$;
