-- Secure mode -------------------------------------------------------------------------------
-- A tenant may require that browsers present a visitor token (minted by its own server with
-- POST /api/widgets/:widgetId/visitor-tokens) rather than the raw widget token: with it on, a
-- widget request that carries an Origin header and the widget token is refused (401). Not part
-- of widget_config, whose JSON GET /api/widgets/:widgetId/config serves as it is stored.
ALTER TABLE tenants ADD COLUMN require_visitor_token boolean NOT NULL DEFAULT false;
