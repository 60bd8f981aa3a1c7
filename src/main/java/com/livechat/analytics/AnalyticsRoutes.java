package com.livechat.analytics;

import com.livechat.auth.DashboardAuth;
import com.livechat.error.AppError;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.store.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** GET /api/analytics/summary (any role). */
public final class AnalyticsRoutes implements RouteGroup {

  static final Duration DEFAULT_WINDOW = Duration.ofDays(30);
  static final Duration MAX_WINDOW = Duration.ofDays(366);

  private final AnalyticsStore store;
  private final DashboardAuth auth;

  public AnalyticsRoutes(AnalyticsStore store, DashboardAuth auth) {
    this.store = store;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/analytics/summary").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::summary));
  }

  private Future<JsonObject> summary(RoutingContext ctx) {
    String tenantId = DashboardAuth.principal(ctx).tenantId();
    OffsetDateTime to = instant(ctx, "to");
    to = to != null ? to : OffsetDateTime.now(ZoneOffset.UTC);
    OffsetDateTime from = instant(ctx, "from");
    from = from != null ? from : to.minus(DEFAULT_WINDOW);
    if (!from.isBefore(to)) {
      throw AppError.invalid("invalid_window", "from must be before to.");
    }
    if (Duration.between(from, to).compareTo(MAX_WINDOW) > 0) {
      throw AppError.invalid("invalid_window", "The window may span at most 366 days.");
    }
    String fromText = Timestamps.format(from);
    String toText = Timestamps.format(to);
    return store.summary(tenantId, from, to)
        .map(summary -> new JsonObject().put("from", fromText).put("to", toText).mergeIn(summary));
  }

  private static OffsetDateTime instant(RoutingContext ctx, String param) {
    String value = ctx.request().getParam(param);
    if (value == null || value.isEmpty()) {
      return null;
    }
    OffsetDateTime time = Timestamps.parse(value);
    if (time == null) {
      throw AppError.invalid("invalid_" + param, param + " must be an ISO-8601 date-time such as 2024-01-15T10:00:00Z"
          + " (years 1970 to 9999).");
    }
    return time;
  }
}
