-- the operator's tenant list (GET /api/admin/tenants) pages by (created_at, id)
CREATE INDEX tenants_created_idx ON tenants (created_at, id);
