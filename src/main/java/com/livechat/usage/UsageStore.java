package com.livechat.usage;

import com.livechat.error.AppError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Monthly usage per tenant and its limits. Counting and checking are one statement, so the limit
 * holds exactly under any concurrency and across nodes: the row lock of the tenant's usage row
 * orders concurrent requests, and each one re-checks the limit against the committed count.
 */
public final class UsageStore {

  // $1 tenant, $2 period, $3 messages, $4 voice calls, $5 whether AI tokens must be left, $6 plans, $7 default plan.
  // A request that would go over is neither inserted (the SELECT's WHERE) nor applied (the DO UPDATE's
  // WHERE): no row comes back. A limit of NULL is unlimited.
  private static final String CONSUME =
      "INSERT INTO usage AS u (tenant_id, period, messages, tokens, voice_calls) "
          + "SELECT $1::text, $2::text, $3::int, 0, $4::int WHERE "
          + "($3::int = 0 OR $3::int <= coalesce(usage_limit($1::text, 'messagesPerMonth', $6::jsonb, $7::text), $3::int)) "
          + "AND ($4::int = 0 OR $4::int <= coalesce(usage_limit($1::text, 'voiceCallsPerMonth', $6::jsonb, $7::text), $4::int)) "
          + "AND (NOT $5::boolean OR 0 < coalesce(usage_limit($1::text, 'tokensPerMonth', $6::jsonb, $7::text), 1)) "
          + "ON CONFLICT (tenant_id, period) DO UPDATE SET messages = u.messages + $3::int, voice_calls = u.voice_calls + $4::int "
          + "WHERE ($3::int = 0 OR u.messages + $3::int <= coalesce(usage_limit($1::text, 'messagesPerMonth', $6::jsonb, $7::text), u.messages + $3::int)) "
          + "AND ($4::int = 0 OR u.voice_calls + $4::int <= coalesce(usage_limit($1::text, 'voiceCallsPerMonth', $6::jsonb, $7::text), u.voice_calls + $4::int)) "
          + "AND (NOT $5::boolean OR u.tokens < coalesce(usage_limit($1::text, 'tokensPerMonth', $6::jsonb, $7::text), u.tokens + 1)) "
          + "RETURNING u.messages";
  private static final String ADD_TOKENS =
      "INSERT INTO usage AS u (tenant_id, period, tokens) VALUES ($1, $2, $3) "
          + "ON CONFLICT (tenant_id, period) DO UPDATE SET tokens = u.tokens + $3";
  private static final String USAGE =
      "SELECT messages, tokens, voice_calls FROM usage WHERE tenant_id = $1 AND period = $2";
  private static final String[] KEYS = Plans.KEYS.toArray(String[]::new);
  // $4 the keys (Plans.KEYS): the limits in effect come back in their order
  private static final String LIMITS =
      "SELECT plan, limits, ARRAY(SELECT usage_limit(id, k, $2::jsonb, $3::text) "
          + "FROM unnest($4::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n) AS effective FROM tenants WHERE id = $1";
  private static final String LIMIT = "SELECT usage_limit($1::text, $2::text, $3::jsonb, $4::text)";
  private static final String SET_PLAN =
      "UPDATE tenants SET plan = coalesce($2::text, plan), limits = coalesce($3::jsonb, limits), updated_at = now() WHERE id = $1";

  /** A tenant's plan, its operator override, and the limits in effect (null = unlimited). */
  public record Limits(String plan, JsonObject overrides, JsonObject effective) {}

  private final Pool pool;
  private final Plans plans;
  private final JsonObject plansJson;

  public UsageStore(Pool pool, Plans plans) {
    this.pool = pool;
    this.plans = plans;
    this.plansJson = plans.plans();
  }

  public Plans plans() {
    return plans;
  }

  /**
   * Counts {@code messages} and {@code voiceCalls} against the period's limits, within the caller's
   * transaction when {@code client} is one (a rollback uncounts them). With {@code needsTokens}, also
   * requires that the period's AI tokens are not spent yet (tokens are counted after each reply, by
   * {@link #addTokens}, since nobody knows a reply's cost before it is written).
   *
   * @return false, having counted nothing, when this would go over a limit
   */
  public Future<Boolean> consume(SqlClient client, String tenantId, String period, int messages, int voiceCalls,
      boolean needsTokens) {
    return client.preparedQuery(CONSUME)
        .execute(Tuple.of(tenantId, period, messages, voiceCalls, needsTokens, plansJson, plans.defaultPlan()))
        .map(rows -> rows.size() > 0);
  }

  /**
   * {@link #consume} in the caller's transaction, in the current period; when it would go over a
   * limit, fails with 429 usage_limit_exceeded (Retry-After: the start of next month), counting nothing.
   */
  public Future<Void> charge(SqlClient tx, String tenantId, int messages, int voiceCalls, boolean needsTokens) {
    String period = UsagePeriod.current();
    return consume(tx, tenantId, period, messages, voiceCalls, needsTokens).compose(allowed -> {
      if (allowed) {
        return Future.succeededFuture();
      }
      String spent = voiceCalls > 0 ? "voice calls" : needsTokens ? "messages or AI tokens" : "messages";
      return Future.failedFuture(AppError.tooMany("usage_limit_exceeded", "This workspace has used its monthly "
          + spent + " for " + period + "; the allowance renews at the start of next month.",
          UsagePeriod.secondsToNextPeriod(OffsetDateTime.now(ZoneOffset.UTC))));
    });
  }

  public Future<Void> addTokens(SqlClient client, String tenantId, String period, long tokens) {
    if (tokens <= 0) {
      return Future.succeededFuture();
    }
    return client.preparedQuery(ADD_TOKENS).execute(Tuple.of(tenantId, period, tokens)).mapEmpty();
  }

  /** {"messages", "tokens", "voiceCalls"} of one period ("YYYY-MM"), zeros when nothing was used. */
  public Future<JsonObject> usage(String tenantId, String period) {
    return pool.preparedQuery(USAGE).execute(Tuple.of(tenantId, period)).map(rows -> {
      if (rows.size() == 0) {
        return new JsonObject().put("messages", 0L).put("tokens", 0L).put("voiceCalls", 0L);
      }
      Row r = rows.iterator().next();
      return new JsonObject().put("messages", r.getLong("messages")).put("tokens", r.getLong("tokens"))
          .put("voiceCalls", r.getLong("voice_calls"));
    });
  }

  /** Null when there is no such tenant. */
  public Future<Limits> limits(String tenantId) {
    return pool.preparedQuery(LIMITS).execute(Tuple.of(tenantId, plansJson, plans.defaultPlan(), KEYS)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      Long[] values = r.getArrayOfLongs("effective");
      JsonObject effective = new JsonObject();
      for (int i = 0; i < KEYS.length; i++) {
        effective.put(KEYS[i], values[i]);
      }
      return new Limits(r.getString("plan"), r.getJsonObject("limits"), effective);
    });
  }

  /**
   * The value of one limit in effect for the tenant (its override, else its plan's), read in
   * {@code client}'s transaction when it is one; null = unlimited, and for a tenant that does not exist.
   *
   * @param key one of {@link Plans#KEYS}, e.g. {@link Plans#CONCURRENT_CALLS}
   */
  public Future<Long> limit(SqlClient client, String tenantId, String key) {
    if (!Plans.KEYS.contains(key)) {
      return Future.failedFuture(new IllegalArgumentException("unknown limit " + key + "; known: " + Plans.KEYS));
    }
    return client.preparedQuery(LIMIT).execute(Tuple.of(tenantId, key, plansJson, plans.defaultPlan()))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /**
   * Sets a tenant's plan (null keeps it) and its override (null keeps it; an empty object clears it).
   *
   * @return the limits now in effect, or null when there is no such tenant
   */
  public Future<Limits> setLimits(String tenantId, String plan, JsonObject overrides) {
    return pool.preparedQuery(SET_PLAN).execute(Tuple.of(tenantId, plan, overrides))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(null) : limits(tenantId));
  }
}
