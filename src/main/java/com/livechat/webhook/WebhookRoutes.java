package com.livechat.webhook;

import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.store.Keyset;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;

/** /api/webhooks (shared/API.md Part 6): owners and admins only, reading included (the URLs are theirs to see). */
public final class WebhookRoutes implements RouteGroup {

  private static final List<String> STATUSES = List.of("pending", "delivered", "failed");

  private final Webhooks webhooks;
  private final BodyHandler body;
  private final DashboardAuth auth;

  public WebhookRoutes(Webhooks webhooks, BodyHandler body, DashboardAuth auth) {
    this.webhooks = webhooks;
    this.body = body;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/webhooks").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.post("/api/webhooks").handler(body).handler(auth).handler(Responses::noStore).handler(ctx -> Responses.reply(ctx, 201, this::create));
    router.get("/api/webhooks/:id").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::get));
    router.patch("/api/webhooks/:id").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::patch));
    router.delete("/api/webhooks/:id").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::delete));
    router.post("/api/webhooks/:id/rotate-secret").handler(body).handler(auth).handler(Responses::noStore)
        .handler(ctx -> Responses.reply(ctx, 200, this::rotate));
    router.post("/api/webhooks/:id/test").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 202, this::test));
    router.get("/api/webhooks/:id/deliveries").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::deliveries));
    router.post("/api/webhooks/:id/deliveries/:deliveryId/retry").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 202, this::retry));
  }

  private static String manager(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    return principal.tenantId();
  }

  private Future<JsonObject> list(RoutingContext ctx) {
    String tenantId = manager(ctx);
    int limit = Paging.limit(ctx);
    return webhooks.list(tenantId, Paging.after(ctx), limit + 1)
        .map(rows -> Paging.page(rows, limit, Endpoint::toJson, e -> new Keyset(e.createdAt(), e.id())));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    String tenantId = manager(ctx);
    WebhookInput input = WebhookInput.create(Bodies.object(ctx), webhooks.allowPrivate());
    return webhooks.create(tenantId, input).map(made -> new JsonObject().put("webhook", made.toJson()));
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return webhooks.find(manager(ctx), ctx.pathParam("id")).map(e -> new JsonObject().put("webhook", e.toJson()));
  }

  private Future<JsonObject> patch(RoutingContext ctx) {
    String tenantId = manager(ctx);
    WebhookInput input = WebhookInput.patch(Bodies.object(ctx), webhooks.allowPrivate());
    return webhooks.patch(tenantId, ctx.pathParam("id"), input).map(e -> new JsonObject().put("webhook", e.toJson()));
  }

  private Future<JsonObject> delete(RoutingContext ctx) {
    return webhooks.delete(manager(ctx), ctx.pathParam("id")).map(v -> new JsonObject());
  }

  private Future<JsonObject> rotate(RoutingContext ctx) {
    return webhooks.rotate(manager(ctx), ctx.pathParam("id")).map(made -> new JsonObject().put("webhook", made.toJson()));
  }

  private Future<JsonObject> test(RoutingContext ctx) {
    return webhooks.test(manager(ctx), ctx.pathParam("id")).map(d -> new JsonObject().put("delivery", d.toJson()));
  }

  /** Newest first; ?status= pending, delivered or failed. */
  private Future<JsonObject> deliveries(RoutingContext ctx) {
    String tenantId = manager(ctx);
    int limit = Paging.limit(ctx);
    Keyset after = Paging.after(ctx);
    String status = ctx.request().getParam("status");
    if (status != null && status.isEmpty()) {
      status = null;
    }
    if (status != null && !STATUSES.contains(status)) {
      throw AppError.invalid("invalid_status", "status must be one of " + String.join(", ", STATUSES) + ".");
    }
    return webhooks.deliveries(tenantId, ctx.pathParam("id"), status, after, limit + 1)
        .map(rows -> Paging.page(rows, limit, Delivery::toJson, d -> new Keyset(d.createdAt(), d.id())));
  }

  private Future<JsonObject> retry(RoutingContext ctx) {
    return webhooks.retry(manager(ctx), ctx.pathParam("id"), ctx.pathParam("deliveryId"))
        .map(d -> new JsonObject().put("delivery", d.toJson()));
  }
}
