package com.livechat.assistant;

import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.store.Ids;
import com.livechat.store.Keyset;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** /api/assistants/:id/knowledge: the entries an assistant grounds its answers in. Any role reads, owners and admins write. */
public final class KnowledgeRoutes implements RouteGroup {

  private final KnowledgeStore store;
  private final BodyHandler body;
  private final DashboardAuth auth;

  public KnowledgeRoutes(KnowledgeStore store, BodyHandler body, DashboardAuth auth) {
    this.store = store;
    this.body = body;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/assistants/:id/knowledge").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.post("/api/assistants/:id/knowledge").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 201, this::create));
    router.get("/api/assistants/:id/knowledge/:docId").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::get));
    router.delete("/api/assistants/:id/knowledge/:docId").handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::delete));
  }

  /** Oldest first, entries in full. */
  private Future<JsonObject> list(RoutingContext ctx) {
    String tenantId = DashboardAuth.principal(ctx).tenantId();
    int limit = Paging.limit(ctx);
    Keyset after = Paging.after(ctx);
    String assistantId = assistantId(ctx);
    return store.list(tenantId, assistantId, after, limit + 1)
        .compose(rows -> rows == null ? Future.failedFuture(assistantNotFound())
            : Future.succeededFuture(Paging.page(rows, limit, KnowledgeEntry::toJson,
                entry -> new Keyset(entry.createdAt(), entry.id()))));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    KnowledgeInput input = KnowledgeInput.parse(Bodies.object(ctx));
    String assistantId = assistantId(ctx);
    return store.create(principal.tenantId(), assistantId, Ids.next("doc"), input.title(), input.content(),
            KnowledgeInput.ENTRIES_MAX)
        .compose(write -> switch (write.outcome()) {
          case CREATED -> Future.succeededFuture(body(write.entry()));
          case NO_SUCH_ASSISTANT -> Future.failedFuture(assistantNotFound());
          case LIMIT_REACHED -> Future.failedFuture(AppError.conflict("knowledge_limit_reached",
              "This assistant already has " + KnowledgeInput.ENTRIES_MAX + " knowledge entries; delete some first."));
        });
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    String assistantId = assistantId(ctx);
    return store.find(DashboardAuth.principal(ctx).tenantId(), assistantId, ctx.pathParam("docId"))
        .compose(found -> !found.assistantFound() ? Future.failedFuture(assistantNotFound())
            : found.entry() == null ? Future.failedFuture(knowledgeNotFound())
                : Future.succeededFuture(body(found.entry())));
  }

  private Future<JsonObject> delete(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    String assistantId = assistantId(ctx);
    return store.delete(principal.tenantId(), assistantId, ctx.pathParam("docId"))
        .compose(deleted -> switch (deleted) {
          case DELETED -> Future.succeededFuture(new JsonObject());
          case NO_SUCH_ASSISTANT -> Future.failedFuture(assistantNotFound());
          case NO_SUCH_ENTRY -> Future.failedFuture(knowledgeNotFound());
        });
  }

  /** The path's assistant id; one longer than any we issue names no assistant. */
  private static String assistantId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Ids.plausible(id)) {
      throw assistantNotFound();
    }
    return id;
  }

  private static JsonObject body(KnowledgeEntry entry) {
    return new JsonObject().put("entry", entry.toJson());
  }

  private static AppError assistantNotFound() {
    return AppError.notFound("assistant_not_found", "No assistant of yours has this id.");
  }

  private static AppError knowledgeNotFound() {
    return AppError.notFound("knowledge_not_found", "This assistant has no knowledge entry with this id.");
  }
}
