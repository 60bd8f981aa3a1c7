package com.livechat.admin;

import com.livechat.Services;
import com.livechat.auth.WidgetTokens;
import com.livechat.http.ApiError;
import com.livechat.http.Bodies;
import com.livechat.http.ErrorMapper;
import com.livechat.http.Responses;
import com.livechat.store.UsageStore;
import com.livechat.usage.Plans;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;

/**
 * The operator endpoints of shared/API.md (/api/admin/…), for the people who run the service. They
 * exist only when an operator key is configured (LIVECHAT_ADMIN_KEY); otherwise every path under
 * /api/admin answers 404, as if there were nothing there.
 */
public final class AdminRoutes {

  private static final int TENANT_ID_MAX = 128;
  private static final Set<String> FIELDS = Set.of("plan", "limits");

  private final Services services;
  private final UsageStore usage;
  /** Only a digest of the key is kept, and compared in constant time. */
  private final byte[] keyDigest;

  public AdminRoutes(Services services) {
    this.services = services;
    this.usage = services.usage();
    this.keyDigest = services.config().admin().enabled() ? WidgetTokens.hash(services.config().admin().key()) : null;
  }

  public void mount(Router router, BodyHandler body) {
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
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    boolean bearer = header != null && header.length() > 7 && header.regionMatches(true, 0, "Bearer ", 0, 7);
    if (!bearer || !MessageDigest.isEqual(keyDigest, WidgetTokens.hash(header.substring(7).trim()))) {
      ErrorMapper.respond(ctx.response(), ApiError.unauthorized("invalid_admin_key", "Missing or wrong operator key."));
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
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw ApiError.invalid("invalid_field", "Unknown field " + field + "; allowed: plan, limits.");
      }
    }
    Object plan = body.getValue("plan");
    Object limits = body.getValue("limits");
    if (plan == null && limits == null) {
      throw ApiError.invalid("invalid_request", "Send a plan, limits, or both.");
    }
    if (plan != null && !(plan instanceof String p && usage.plans().has(p))) {
      throw ApiError.invalid("unknown_plan", "plan must be one of " + usage.plans().plans().fieldNames() + ".");
    }
    JsonObject overrides = null;
    if (limits != null) {
      if (!(limits instanceof JsonObject given)) {
        throw ApiError.invalid("invalid_limits", "limits must be an object.");
      }
      try {
        Plans.validateLimits(given, "limits");
      } catch (IllegalArgumentException e) {
        throw ApiError.invalid("invalid_limits", e.getMessage() + ".");
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
      return Future.failedFuture(ApiError.notFound("tenant_not_found", "No tenant has this id."));
    }
    return Future.succeededFuture(new JsonObject()
        .put("tenantId", tenantId)
        .put("plan", limits.plan())
        .put("limits", limits.effective())
        .put("overrides", limits.overrides()));
  }

  private static String tenantId(RoutingContext ctx) {
    String id = ctx.pathParam("tenantId");
    if (id.length() > TENANT_ID_MAX) {
      throw ApiError.notFound("tenant_not_found", "No tenant has this id.");
    }
    return id;
  }
}
