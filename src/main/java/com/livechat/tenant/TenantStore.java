package com.livechat.tenant;

import com.livechat.assistant.KnowledgeStore;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A tenant's settings as the dashboard reads and changes them: widget config, origins, tokens. */
public final class TenantStore {

  /**
   * The tenant as GET /api/tenant shows it.
   *
   * @param requireVisitorToken secure mode: browsers must present a visitor token, not the widget token
   * @param searchLanguage the text-search configuration of its knowledge base (english, german, ...)
   */
  public record Settings(String id, String name, String plan, JsonObject widgetConfig, List<String> allowedOrigins,
      boolean requireVisitorToken, String searchLanguage, String handoffMode) {

    /** The widget config with the allowed origins and secure mode, the shape PUT /api/tenant/config takes. */
    public JsonObject configJson() {
      return widgetConfig.copy().put("allowedOrigins", new JsonArray(allowedOrigins))
          .put("requireVisitorToken", requireVisitorToken)
          .put("handoff", new JsonObject().put("mode", handoffMode));
    }

    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("plan", plan).put("config", configJson())
          .put("searchLanguage", searchLanguage);
    }

    static Settings from(Row r) {
      String[] origins = r.getArrayOfStrings("allowed_origins");
      return new Settings(r.getString("id"), r.getString("name"), r.getString("plan"),
          r.getJsonObject("widget_config"), origins == null ? List.of() : Arrays.asList(origins),
          r.getBoolean("require_visitor_token"), r.getString("search_config"), r.getString("handoff_mode"));
    }
  }

  public enum ConfigUpdate { UPDATED, NO_SUCH_TENANT, NO_SUCH_ASSISTANT, NO_SUCH_SEARCH_LANGUAGE }

  private static final String COLUMNS =
      "id, name, plan, widget_config, allowed_origins, require_visitor_token, search_config, handoff_mode";
  private static final String FIND = "SELECT " + COLUMNS + " FROM tenants WHERE id = $1";
  // FOR SHARE: the assistant cannot be deleted before this transaction commits (its delete then
  // clears the config again), so a stored config never names a deleted assistant
  private static final String LOCK_ASSISTANT =
      "SELECT id FROM assistants WHERE tenant_id = $1 AND id = $2 FOR SHARE";
  private static final String UPDATE_CONFIG =
      "UPDATE tenants SET name = $2, widget_config = $3, allowed_origins = $4, require_visitor_token = $5, "
          + "handoff_mode = $6, updated_at = now() WHERE id = $1";
  // the languages a tenant may choose: pg_catalog's text-search configurations
  private static final String SEARCH_CONFIG_EXISTS =
      "SELECT 1 FROM pg_ts_config WHERE cfgname = $1 AND cfgnamespace = 'pg_catalog'::regnamespace";
  private static final String SEARCH_CONFIGS =
      "SELECT cfgname::text FROM pg_ts_config WHERE cfgnamespace = 'pg_catalog'::regnamespace ORDER BY cfgname";
  // Before a re-index: an assistant's delete locks the assistant, then its entries (cascade), then
  // the tenant (to unset it in the widget config); a re-index locks the tenant, then every entry.
  // Holding all the tenant's assistants first makes a concurrent delete wait (or be waited for)
  // instead of deadlocking. FOR SHARE does not block conversations or knowledge creates.
  private static final String LOCK_ASSISTANTS = "SELECT id FROM assistants WHERE tenant_id = $1 ORDER BY id FOR SHARE";
  private static final String UPDATE_SEARCH_CONFIG =
      "UPDATE tenants SET search_config = $2 WHERE id = $1 AND search_config <> $2";
  private static final String LOCK_TENANT = "SELECT id FROM tenants WHERE id = $1 FOR UPDATE";
  // LEAST: a rotation never extends an expiry set by an earlier one
  private static final String EXPIRE_LIVE_TOKENS =
      "UPDATE widget_tokens SET expires_at = LEAST(COALESCE(expires_at, 'infinity'::timestamptz), "
          + "now() + $2::integer * interval '1 second') "
          + "WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > now())";
  private static final String INSERT_TOKEN = "INSERT INTO widget_tokens (tenant_id, token_hash) VALUES ($1, $2)";

  private final Pool pool;

  public TenantStore(Pool pool) {
    this.pool = pool;
  }

  /** @return the tenant, or null when no tenant has this id */
  public Future<Settings> find(String tenantId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId))
        .map(rows -> rows.size() == 0 ? null : Settings.from(rows.iterator().next()));
  }

  /**
   * Replaces the widget config, allowed origins, secure mode and handoff mode, and renames the tenant to the
   * config's name. {@code assistantId} (null for none) must be an assistant of this tenant. When
   * {@code searchLanguage} is not null (null keeps the current one), sets the tenant's text-search
   * configuration and re-indexes its knowledge entries with it, all in one transaction. It must name one of pg_catalog's configurations ({@link #searchLanguages()}).
   */
  public Future<ConfigUpdate> updateConfig(String tenantId, String name, JsonObject widgetConfig,
      List<String> allowedOrigins, String assistantId, boolean requireVisitorToken, String searchLanguage,
      String handoffMode) {
    return pool.withTransaction(tx -> {
      Future<Boolean> assistantFound = assistantId == null ? Future.succeededFuture(true)
          : tx.preparedQuery(LOCK_ASSISTANT).execute(Tuple.of(tenantId, assistantId)).map(rows -> rows.size() > 0);
      Future<ConfigUpdate> checked = assistantFound.compose(found -> !found
          ? Future.succeededFuture(ConfigUpdate.NO_SUCH_ASSISTANT)
          : searchLanguage == null ? Future.succeededFuture(ConfigUpdate.UPDATED)
              : tx.preparedQuery(SEARCH_CONFIG_EXISTS).execute(Tuple.of(searchLanguage))
                  .compose(rows -> rows.size() == 0 ? Future.succeededFuture(ConfigUpdate.NO_SUCH_SEARCH_LANGUAGE)
                      : tx.preparedQuery(LOCK_ASSISTANTS).execute(Tuple.of(tenantId)).map(x -> ConfigUpdate.UPDATED)));
      return checked.compose(ok -> ok != ConfigUpdate.UPDATED ? Future.succeededFuture(ok)
          : tx.preparedQuery(UPDATE_CONFIG)
              .execute(Tuple.of(tenantId, name, widgetConfig, allowedOrigins.toArray(String[]::new), requireVisitorToken,
                  handoffMode))
              .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(ConfigUpdate.NO_SUCH_TENANT)
                  : searchLanguage == null ? Future.succeededFuture(ConfigUpdate.UPDATED)
                      : tx.preparedQuery(UPDATE_SEARCH_CONFIG).execute(Tuple.of(tenantId, searchLanguage))
                          .compose(x -> KnowledgeStore.reindex(tx, tenantId, searchLanguage))
                          .map(x -> ConfigUpdate.UPDATED)));
    });
  }

  /** The names a tenant's search language may take, sorted (english, french, german, simple, ...). */
  public Future<List<String>> searchLanguages() {
    return pool.query(SEARCH_CONFIGS).execute().map(rows -> {
      List<String> names = new ArrayList<>(rows.size());
      rows.forEach(row -> names.add(row.getString(0)));
      return names;
    });
  }

  /**
   * In one transaction: every live token of the tenant expires after {@code graceSeconds} (or
   * keeps its earlier expiry), and the new token becomes current. Rotations of one tenant are
   * serialized, so the newest token is always the one without an expiry.
   *
   * @return false when no tenant has this id
   */
  public Future<Boolean> rotateWidgetToken(String tenantId, byte[] newTokenHash, int graceSeconds) {
    return pool.withTransaction(tx -> tx.preparedQuery(LOCK_TENANT).execute(Tuple.of(tenantId))
        .compose(locked -> locked.size() == 0 ? Future.succeededFuture(false)
            : tx.preparedQuery(EXPIRE_LIVE_TOKENS).execute(Tuple.of(tenantId, graceSeconds))
                .compose(x -> tx.preparedQuery(INSERT_TOKEN).execute(Tuple.of(tenantId, Buffer.buffer(newTokenHash))))
                .map(x -> true)));
  }
}
