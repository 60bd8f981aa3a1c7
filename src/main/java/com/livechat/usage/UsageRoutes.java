package com.livechat.usage;

import com.livechat.auth.DashboardAuth;
import com.livechat.error.AppError;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** GET /api/usage (any role): this month's usage of the caller's tenant, with its plan and limits. */
public final class UsageRoutes implements RouteGroup {

  private final UsageStore usage;
  private final DashboardAuth auth;

  public UsageRoutes(UsageStore usage, DashboardAuth auth) {
    this.usage = usage;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/usage").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::usage));
  }

  private Future<JsonObject> usage(RoutingContext ctx) {
    String tenantId = DashboardAuth.principal(ctx).tenantId();
    String period = UsagePeriod.current();
    // limits: the ones in effect now (plan, then the operator's override); null = unlimited
    return usage.usage(tenantId, period)
        .compose(used -> usage.limits(tenantId).compose(limits -> limits == null
            // the token outlived its tenant
            ? Future.failedFuture(AppError.notFound("tenant_not_found", "This tenant no longer exists."))
            : Future.succeededFuture(new JsonObject().put("period", period).put("plan", limits.plan())
                .put("usage", used).put("limits", limits.effective()))));
  }
}
