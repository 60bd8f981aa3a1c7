package com.livechat.admin;

import com.livechat.auth.Bearer;
import com.livechat.auth.WidgetTokens;
import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.ErrorMapper;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.store.Ids;
import com.livechat.usage.Plans;
import com.livechat.usage.UsageStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;

/**
 * The operator endpoints of shared/API.md (/api/admin/…), for the people who run the service. They
 * exist only when an operator key is configured (LIVECHAT_ADMIN_KEY); otherwise every path under
 * /api/admin answers 404, as if there were nothing there.
 */
public final class AdminRoutes implements RouteGroup {

  private final UsageStore usage;
  private final BodyHandler body;
  /** Only a digest of the key is kept, and compared in constant time. */
  private final byte[] keyDigest;

  public AdminRoutes(AppConfig.Admin admin, UsageStore usage, BodyHandler body) {
    this.usage = usage;
    this.body = body;
    this.keyDigest = admin.enabled() ? WidgetTokens.hash(admin.key()) : null;
  }

  @Override
  public void mount(Router router) {
    router.route("/api/admin/*").handler(this::authenticate);
    router.get("/api/admin/tenants/:tenantId/limits").handler(ctx -> Responses.reply(ctx, 200, this::getLimits));
    router.put("/api/admin/tenants/:tenantId/limits").handler(body)
        .handler(ctx -> Responses.reply(ctx, 200, this::setLimits));
  }

  private void authenticate(RoutingContext ctx) {
    if (keyDigest == null) {
      ErrorMapper.respond(ctx.response(), ErrorMapper.forStatus(404));
      return;
    }
    String key = Bearer.token(ctx.request());
    if (key == null || !MessageDigest.isEqual(keyDigest, WidgetTokens.hash(key))) {
      ErrorMapper.respond(ctx.response(), AppError.unauthorized("invalid_admin_key", "Missing or wrong operator key."));
      return;
    }
    ctx.next();
  }

  private Future<JsonObject> getLimits(RoutingContext ctx) {
    String tenantId = tenantId(ctx);
    return usage.limits(tenantId).compose(limits -> found(tenantId, limits));
  }

  /**
   * {"plan"} moves the tenant to a plan and clears its override; {"limits"} replaces the override
   * (keys left out follow the plan; {} clears it); both do both.
   */
  private Future<JsonObject> setLimits(RoutingContext ctx) {
    String tenantId = tenantId(ctx);
    JsonObject body = Bodies.object(ctx);
    Bodies.onlyFields(body, List.of("plan", "limits"));
    Object plan = body.getValue("plan");
    Object limits = body.getValue("limits");
    if (plan == null && limits == null) {
      throw AppError.invalid("invalid_request", "Send a plan, limits, or both.");
    }
    if (plan != null && !(plan instanceof String p && usage.plans().has(p))) {
      throw AppError.invalid("unknown_plan", "plan must be one of " + usage.plans().plans().fieldNames() + ".");
    }
    JsonObject overrides = null;
    if (limits != null) {
      if (!(limits instanceof JsonObject given)) {
        throw AppError.invalid("invalid_limits", "limits must be an object.");
      }
      try {
        Plans.validateLimits(given, "limits");
      } catch (IllegalArgumentException e) {
        throw AppError.invalid("invalid_limits", e.getMessage() + ".");
      }
      overrides = new JsonObject();
      for (Map.Entry<String, Object> e : given) {
        overrides.put(e.getKey(), e.getValue() == null ? null : ((Number) e.getValue()).longValue());
      }
    } else {
      overrides = new JsonObject();
    }
    return usage.setLimits(tenantId, (String) plan, overrides).compose(set -> found(tenantId, set));
  }

  private static Future<JsonObject> found(String tenantId, UsageStore.Limits limits) {
    if (limits == null) {
      return Future.failedFuture(AppError.notFound("tenant_not_found", "No tenant has this id."));
    }
    return Future.succeededFuture(new JsonObject()
        .put("tenantId", tenantId)
        .put("plan", limits.plan())
        .put("limits", limits.effective())
        .put("overrides", limits.overrides()));
  }

  private static String tenantId(RoutingContext ctx) {
    String id = ctx.pathParam("tenantId");
    if (!Ids.plausible(id)) {
      throw AppError.notFound("tenant_not_found", "No tenant has this id.");
    }
    return id;
  }
}
