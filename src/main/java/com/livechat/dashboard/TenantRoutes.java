package com.livechat.dashboard;

import com.livechat.Services;
import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.auth.WidgetTokens;
import com.livechat.http.ApiError;
import com.livechat.http.Bodies;
import com.livechat.http.Responses;
import com.livechat.store.TenantStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** The caller's tenant: GET /api/tenant, PUT /api/tenant/config, POST /api/tenant/widget-token/rotate. */
public final class TenantRoutes {

  static final int DEFAULT_GRACE_SECONDS = 3600;
  static final int MAX_GRACE_SECONDS = 30 * 24 * 3600;

  private final Vertx vertx;
  private final Services services;
  private final TenantStore store;

  public TenantRoutes(Vertx vertx, Services services) {
    this.vertx = vertx;
    this.services = services;
    this.store = services.tenantSettings();
  }

  public void mount(Router router, BodyHandler body, DashboardAuth auth) {
    router.get("/api/tenant").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::get));
    router.put("/api/tenant/config").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::putConfig));
    router.post("/api/tenant/widget-token/rotate").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::rotateWidgetToken));
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return store.find(DashboardAuth.principal(ctx).tenantId()).compose(tenant -> tenant == null
        ? Future.failedFuture(tenantNotFound())
        : Future.succeededFuture(new JsonObject().put("tenant", tenant.toJson())));
  }

  private Future<JsonObject> putConfig(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    TenantConfigInput input = TenantConfigInput.parse(Bodies.object(ctx));
    String tenantId = principal.tenantId();
    return store.updateConfig(tenantId, input.name(), input.widgetConfig(), input.allowedOrigins(), input.assistantId(),
            input.searchLanguage())
        .compose(outcome -> switch (outcome) {
          case UPDATED -> {
            TenantChanges.announce(vertx, services, tenantId);
            yield Future.succeededFuture(new JsonObject().put("config", input.toJson()));
          }
          case NO_SUCH_ASSISTANT -> Future.failedFuture(
              ApiError.notFound("assistant_not_found", "assistantId is not one of your assistants."));
          case NO_SUCH_TENANT -> Future.failedFuture(tenantNotFound());
          case NO_SUCH_SEARCH_LANGUAGE -> store.searchLanguages().compose(names -> Future.failedFuture(
              TenantConfigInput.invalidSearchLanguage(String.join(", ", names))));
        });
  }

  /** The old tokens keep working for graceSeconds (0 = revoked now); the new one is shown once. */
  private Future<JsonObject> rotateWidgetToken(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    int graceSeconds = graceSeconds(ctx);
    String tenantId = principal.tenantId();
    String token = WidgetTokens.generate();
    return store.rotateWidgetToken(tenantId, WidgetTokens.hash(token), graceSeconds)
        .compose(found -> {
          if (!found) {
            return Future.failedFuture(tenantNotFound());
          }
          TenantChanges.announce(vertx, services, tenantId);
          return Future.succeededFuture(new JsonObject().put("widgetToken", token));
        });
  }

  /** The body is optional: none (or {}) means the default grace. */
  private static int graceSeconds(RoutingContext ctx) {
    Buffer raw = ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      return DEFAULT_GRACE_SECONDS;
    }
    JsonObject body = Bodies.object(ctx);
    for (String field : body.fieldNames()) {
      if (!field.equals("graceSeconds")) {
        throw ApiError.invalid("invalid_field", "Unknown field " + field + "; allowed: graceSeconds.");
      }
    }
    Object value = body.getValue("graceSeconds");
    if (value == null) {
      return DEFAULT_GRACE_SECONDS;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0
        && ((Number) value).longValue() <= MAX_GRACE_SECONDS) {
      return ((Number) value).intValue();
    }
    throw ApiError.invalid("invalid_grace_seconds", "graceSeconds must be an integer from 0 to "
        + MAX_GRACE_SECONDS + " (30 days).");
  }

  private static ApiError tenantNotFound() {
    return ApiError.notFound("tenant_not_found", "Your tenant no longer exists.");
  }
}
