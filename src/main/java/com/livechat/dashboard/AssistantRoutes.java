package com.livechat.dashboard;

import com.livechat.Services;
import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.http.ApiError;
import com.livechat.http.Bodies;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.store.Assistant;
import com.livechat.store.AssistantStore;
import com.livechat.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** /api/assistants: any role reads, owners and admins write. */
public final class AssistantRoutes {

  private static final int ID_MAX = 128;

  private final Vertx vertx;
  private final Services services;
  private final AssistantStore store;

  public AssistantRoutes(Vertx vertx, Services services) {
    this.vertx = vertx;
    this.services = services;
    this.store = services.assistants();
  }

  public void mount(Router router, BodyHandler body, DashboardAuth auth) {
    router.get("/api/assistants").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.post("/api/assistants").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 201, this::create));
    router.get("/api/assistants/:id").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::get));
    router.put("/api/assistants/:id").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::replace));
    router.delete("/api/assistants/:id").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::delete));
  }

  /** Oldest first. */
  private Future<JsonObject> list(RoutingContext ctx) {
    String tenantId = DashboardAuth.principal(ctx).tenantId();
    int limit = Paging.limit(ctx);
    Keyset after = Keyset.after(ctx);
    return store.list(tenantId, after == null ? null : after.createdAt(), after == null ? null : after.id(), limit + 1)
        .map(rows -> Keyset.page(rows, limit, listed -> listed.assistant().toJson(),
            listed -> new Keyset(listed.createdAt(), listed.assistant().id())));
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id.length() > ID_MAX) {
      return Future.failedFuture(notFound());
    }
    return services.chats().findAssistant(DashboardAuth.principal(ctx).tenantId(), id)
        .compose(a -> a == null ? Future.failedFuture(notFound()) : Future.succeededFuture(body(a)));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    Assistant assistant = AssistantInput.parse(Bodies.object(ctx), principal.tenantId(), Ids.next("asst"));
    return store.create(assistant).compose(write -> saved(write, assistant));
  }

  private Future<JsonObject> replace(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    String id = ctx.pathParam("id");
    Assistant assistant = AssistantInput.parse(Bodies.object(ctx), principal.tenantId(), id);
    if (id.length() > ID_MAX) {
      return Future.failedFuture(notFound());
    }
    return store.replace(assistant).compose(write -> saved(write, assistant));
  }

  /** A widget config that named the assistant is left without one (chat then answers no_assistant_configured). */
  private Future<JsonObject> delete(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    String id = ctx.pathParam("id");
    if (id.length() > ID_MAX) {
      return Future.failedFuture(notFound());
    }
    return store.delete(principal.tenantId(), id).compose(deleted -> switch (deleted) {
      case NOT_FOUND -> Future.failedFuture(notFound());
      case DELETED -> Future.succeededFuture(new JsonObject());
      case DELETED_AND_UNSET_IN_WIDGET_CONFIG -> {
        TenantChanges.announce(vertx, services, principal.tenantId());
        yield Future.succeededFuture(new JsonObject());
      }
    });
  }

  private static Future<JsonObject> saved(AssistantStore.Write write, Assistant assistant) {
    if (!write.found()) {
      return Future.failedFuture(notFound());
    }
    if (write.takenPhoneNumber() != null) {
      return Future.failedFuture(ApiError.conflict("phone_number_taken",
          write.takenPhoneNumber() + " is already the number of another assistant."));
    }
    return Future.succeededFuture(body(assistant));
  }

  private static JsonObject body(Assistant assistant) {
    return new JsonObject().put("assistant", assistant.toJson());
  }

  private static ApiError notFound() {
    return ApiError.notFound("assistant_not_found", "No assistant of yours has this id.");
  }
}
