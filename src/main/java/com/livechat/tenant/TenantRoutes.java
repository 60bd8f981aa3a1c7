package com.livechat.tenant;

import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;

/**
 * The caller's tenant: GET /api/tenant, PUT /api/tenant/config, POST /api/tenant/widget-token/rotate,
 * GET|PUT|DELETE /api/tenant/telephony.
 */
public final class TenantRoutes implements RouteGroup {

  static final int DEFAULT_GRACE_SECONDS = 3600;
  static final int MAX_GRACE_SECONDS = 30 * 24 * 3600;

  private final TenantSettings settings;
  private final BodyHandler body;
  private final DashboardAuth auth;

  public TenantRoutes(TenantSettings settings, BodyHandler body, DashboardAuth auth) {
    this.settings = settings;
    this.body = body;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/tenant").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::get));
    router.put("/api/tenant/config").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::putConfig));
    router.patch("/api/tenant/config").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::patchConfig));
    router.post("/api/tenant/widget-token/rotate").handler(body).handler(auth).handler(Responses::noStore)
        .handler(ctx -> Responses.reply(ctx, 200, this::rotateWidgetToken));
    router.get("/api/tenant/telephony").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::getTelephony));
    router.put("/api/tenant/telephony").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::putTelephony));
    router.delete("/api/tenant/telephony").handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::deleteTelephony));
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return settings.find(DashboardAuth.principal(ctx).tenantId())
        .map(tenant -> new JsonObject().put("tenant", tenant.toJson()));
  }

  private Future<JsonObject> putConfig(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    TenantConfigInput input = TenantConfigInput.parse(Bodies.object(ctx));
    return settings.find(principal.tenantId())
        .compose(current -> settings.updateConfig(principal.tenantId(), input.keepingAnAssistant(current.configJson())))
        .map(saved -> new JsonObject().put("config", saved.toJson()));
  }

  /** Only the fields sent change; the rest stays as it is (RFC 7396 merge). */
  private Future<JsonObject> patchConfig(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    JsonObject patch = Bodies.object(ctx);
    return settings.find(principal.tenantId())
        .compose(current -> settings.updateConfig(principal.tenantId(),
            TenantConfigInput.patch(current.configJson(), patch).keepingAnAssistant(current.configJson())))
        .map(saved -> new JsonObject().put("config", saved.toJson()));
  }

  /** The old tokens keep working for graceSeconds (0 = revoked now); the new one is shown once. */
  private Future<JsonObject> rotateWidgetToken(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    return settings.rotateWidgetToken(principal.tenantId(), graceSeconds(ctx))
        .map(token -> new JsonObject().put("widgetToken", token));
  }

  /** Owners and admins only, reading included: the account's sid is no agent's business. */
  private Future<JsonObject> getTelephony(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    return settings.telephony(principal.tenantId()).map(TenantRoutes::telephonyJson);
  }

  private Future<JsonObject> putTelephony(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    TelephonyInput input = TelephonyInput.parse(Bodies.object(ctx));
    return settings.updateTelephony(principal.tenantId(), input).map(TenantRoutes::telephonyJson);
  }

  private Future<JsonObject> deleteTelephony(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    return settings.removeTelephony(principal.tenantId()).map(TenantRoutes::telephonyJson);
  }

  private static JsonObject telephonyJson(TelephonyView view) {
    return new JsonObject().put("telephony", view.toJson());
  }

  /** The body is optional: none (or {}) means the default grace. */
  private static int graceSeconds(RoutingContext ctx) {
    Buffer raw = ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      return DEFAULT_GRACE_SECONDS;
    }
    JsonObject body = Bodies.object(ctx);
    Bodies.onlyFields(body, List.of("graceSeconds"));
    Object value = body.getValue("graceSeconds");
    if (value == null) {
      return DEFAULT_GRACE_SECONDS;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0
        && ((Number) value).longValue() <= MAX_GRACE_SECONDS) {
      return ((Number) value).intValue();
    }
    throw AppError.invalid("invalid_grace_seconds", "graceSeconds must be an integer from 0 to "
        + MAX_GRACE_SECONDS + " (30 days).");
  }
}
