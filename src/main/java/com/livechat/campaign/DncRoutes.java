package com.livechat.campaign;

import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.http.Bodies;
import com.livechat.http.ErrorMapper;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;

/** /api/dnc, the tenant's do-not-call list: any role reads, owners and admins write. */
public final class DncRoutes implements RouteGroup {

  private final Campaigns campaigns;
  private final BodyHandler body;
  private final DashboardAuth auth;

  public DncRoutes(Campaigns campaigns, BodyHandler body, DashboardAuth auth) {
    this.campaigns = campaigns;
    this.body = body;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/dnc").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.post("/api/dnc").handler(body).handler(auth).handler(this::add);
    router.delete("/api/dnc/:phone").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::remove));
  }

  /** Newest first. */
  private Future<JsonObject> list(RoutingContext ctx) {
    int limit = Paging.limit(ctx);
    return campaigns.dncList(DashboardAuth.principal(ctx).tenantId(), Paging.after(ctx), limit + 1)
        .map(rows -> Paging.page(rows, limit, CampaignStore.DncEntry::toJson, CampaignStore.DncEntry::position));
  }

  /** 201 when the number was added, 200 when it was listed already (the entry as it was). */
  private void add(RoutingContext ctx) {
    Future<CampaignStore.DncAdded> added;
    try {
      Principal principal = DashboardAuth.principal(ctx);
      principal.requireManager();
      JsonObject json = Bodies.object(ctx);
      Bodies.onlyFields(json, List.of("phone"));
      added = campaigns.addDnc(principal.tenantId(), Bodies.optionalString(json, "phone"));
    } catch (RuntimeException e) {
      added = Future.failedFuture(e);
    }
    // written from the request's own event loop, as Responses.reply does
    Context own = Vertx.currentContext();
    added.onComplete(ar -> own.runOnContext(v -> {
      if (ar.succeeded()) {
        Responses.json(ctx, ar.result().created() ? 201 : 200,
            new JsonObject().put("entry", ar.result().entry().toJson()));
      } else {
        ErrorMapper.respond(ctx, ar.cause());
      }
    }));
  }

  private Future<JsonObject> remove(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    return campaigns.removeDnc(principal.tenantId(), ctx.pathParam("phone")).map(v -> new JsonObject());
  }
}
