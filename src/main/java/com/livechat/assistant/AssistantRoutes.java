package com.livechat.assistant;

import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.http.Bodies;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** /api/assistants: any role reads, owners and admins write. */
public final class AssistantRoutes implements RouteGroup {

  private final Assistants assistants;
  private final BodyHandler body;
  private final DashboardAuth auth;

  public AssistantRoutes(Assistants assistants, BodyHandler body, DashboardAuth auth) {
    this.assistants = assistants;
    this.body = body;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/assistants").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.post("/api/assistants").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 201, this::create));
    router.get("/api/assistants/:id").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::get));
    router.put("/api/assistants/:id").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::replace));
    router.patch("/api/assistants/:id").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::patch));
    router.delete("/api/assistants/:id").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::delete));
  }

  /** Oldest first. */
  private Future<JsonObject> list(RoutingContext ctx) {
    int limit = Paging.limit(ctx);
    return assistants.list(DashboardAuth.principal(ctx).tenantId(), Paging.after(ctx), limit + 1)
        .map(rows -> Paging.page(rows, limit, listed -> listed.assistant().toJson(), AssistantStore.Listed::position));
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return assistants.find(DashboardAuth.principal(ctx).tenantId(), ctx.pathParam("id")).map(AssistantRoutes::body);
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    Assistant assistant = AssistantInput.parse(Bodies.object(ctx), principal.tenantId(), Ids.next("asst"));
    return assistants.create(assistant).map(AssistantRoutes::body);
  }

  private Future<JsonObject> replace(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    Assistant assistant = AssistantInput.parse(Bodies.object(ctx), principal.tenantId(), ctx.pathParam("id"));
    return assistants.replace(assistant).map(AssistantRoutes::body);
  }

  /** Only the fields sent change; the rest stays as it is (RFC 7396 merge), checked as a whole PUT body. */
  private Future<JsonObject> patch(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    JsonObject patch = Bodies.object(ctx);
    String id = ctx.pathParam("id");
    AssistantInput.checkFields(patch);
    return assistants.find(principal.tenantId(), id)
        .map(current -> AssistantInput.parse(Bodies.mergePatch(current.toJson(), patch), principal.tenantId(), id))
        .compose(assistants::replace)
        .map(AssistantRoutes::body);
  }

  private Future<JsonObject> delete(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    return assistants.delete(principal.tenantId(), ctx.pathParam("id")).map(v -> new JsonObject());
  }

  private static JsonObject body(Assistant assistant) {
    return new JsonObject().put("assistant", assistant.toJson());
  }
}
