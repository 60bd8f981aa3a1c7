package com.livechat.dashboard;

import com.livechat.Services;
import com.livechat.auth.DashboardAuth;
import com.livechat.http.ApiError;
import com.livechat.http.Responses;
import com.livechat.store.Timestamps;
import com.livechat.usage.UsagePeriod;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** GET /api/analytics/summary and GET /api/usage (any role). */
public final class AnalyticsRoutes {

  static final Duration DEFAULT_WINDOW = Duration.ofDays(30);
  static final Duration MAX_WINDOW = Duration.ofDays(366);

  private final Services services;

  public AnalyticsRoutes(Services services) {
    this.services = services;
  }

  public void mount(Router router, DashboardAuth auth) {
    router.get("/api/analytics/summary").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::summary));
    router.get("/api/usage").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::usage));
  }

  private Future<JsonObject> summary(RoutingContext ctx) {
    String tenantId = DashboardAuth.principal(ctx).tenantId();
    OffsetDateTime to = instant(ctx, "to");
    to = to != null ? to : OffsetDateTime.now(ZoneOffset.UTC);
    OffsetDateTime from = instant(ctx, "from");
    from = from != null ? from : to.minus(DEFAULT_WINDOW);
    if (!from.isBefore(to)) {
      throw ApiError.invalid("invalid_window", "from must be before to.");
    }
    if (Duration.between(from, to).compareTo(MAX_WINDOW) > 0) {
      throw ApiError.invalid("invalid_window", "The window may span at most 366 days.");
    }
    String fromText = Timestamps.format(from);
    String toText = Timestamps.format(to);
    return services.analytics().summary(tenantId, from, to)
        .map(summary -> new JsonObject().put("from", fromText).put("to", toText).mergeIn(summary));
  }

  private Future<JsonObject> usage(RoutingContext ctx) {
    String tenantId = DashboardAuth.principal(ctx).tenantId();
    String period = UsagePeriod.current();
    // limits: the ones in effect now (plan, then the operator's override); null = unlimited
    return services.usage().usage(tenantId, period)
        .compose(usage -> services.usage().limits(tenantId).compose(limits -> limits == null
            // the token outlived its tenant
            ? Future.failedFuture(ApiError.notFound("tenant_not_found", "This tenant no longer exists."))
            : Future.succeededFuture(new JsonObject().put("period", period).put("plan", limits.plan())
                .put("usage", usage).put("limits", limits.effective()))));
  }

  private static OffsetDateTime instant(RoutingContext ctx, String param) {
    String value = ctx.request().getParam(param);
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeParseException e) {
      throw ApiError.invalid("invalid_" + param, param + " must be an ISO-8601 date-time such as 2024-01-15T10:00:00Z.");
    }
  }
}
