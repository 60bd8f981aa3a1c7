package com.livechat.dashboard;

import com.livechat.Services;
import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.http.ApiError;
import com.livechat.http.Bodies;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.store.Changes;
import com.livechat.store.Conversation;
import com.livechat.store.ConversationStore;
import com.livechat.store.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Set;

/** Browsing and answering conversations (any role). */
public final class ConversationRoutes {

  static final int REPLY_MAX_CHARS = 4000;
  private static final Set<String> STATUSES = Set.of("open", "closed");
  private static final Set<String> CHANNELS = Set.of("chat", "voice");
  private static final Set<String> PATCH_FIELDS = Set.of("status", "aiEnabled", "assigneeId");

  private final Services services;
  private final ConversationStore store;

  public ConversationRoutes(Vertx vertx, Services services) {
    this.services = services;
    this.store = services.conversations();
  }

  public void mount(Router router, BodyHandler body, DashboardAuth auth) {
    router.get("/api/conversations").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.get("/api/conversations/:id").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::get));
    router.get("/api/conversations/:id/messages").handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::messages));
    router.post("/api/conversations/:id/messages").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 201, this::reply));
    router.patch("/api/conversations/:id").handler(body).handler(auth)
        .handler(ctx -> Responses.reply(ctx, 200, this::patch));
  }

  private Future<JsonObject> list(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    ConversationStore.Filter filter = new ConversationStore.Filter(
        oneOf(ctx, "status", STATUSES), oneOf(ctx, "channel", CHANNELS), bool(ctx, "qualified"));
    int limit = Paging.limit(ctx);
    Keyset after = Keyset.after(ctx);
    ConversationStore.After position = after == null ? null : new ConversationStore.After(after.createdAt(), after.id());
    return store.list(principal.tenantId(), filter, position, limit + 1)
        .map(rows -> Keyset.page(rows, limit, Conversation::toJson, c -> new Keyset(c.createdAt(), c.id())));
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return conversation(ctx).map(c -> new JsonObject().put("conversation", c.toJson()));
  }

  private Future<JsonObject> messages(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    int limit = Paging.limit(ctx);
    String after = ctx.request().getParam("after");
    String conversationId = ctx.pathParam("id");
    return conversation(ctx)
        .compose(c -> after == null || after.isEmpty()
            ? Future.succeededFuture(0L)
            : store.messageSeq(principal.tenantId(), conversationId, after).compose(seq -> seq != null
                ? Future.succeededFuture(seq)
                : Future.failedFuture(ApiError.invalid("invalid_after", "after is not a message of this conversation."))))
        .compose(seq -> store.messages(principal.tenantId(), conversationId, seq, limit + 1))
        .map(rows -> {
          List<Message> page = rows.size() > limit ? rows.subList(0, limit) : rows;
          JsonArray items = new JsonArray();
          page.forEach(m -> items.add(m.toJson()));
          String next = rows.size() > limit ? page.get(page.size() - 1).id() : null;
          return new JsonObject().put("items", items).put("nextCursor", next);
        });
  }

  private Future<JsonObject> reply(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    String content = Bodies.requiredText(Bodies.object(ctx), "content", 1, REPLY_MAX_CHARS);
    return store.agentReply(principal.tenantId(), ctx.pathParam("id"), principal.userId(), content)
        .compose(ConversationRoutes::found)
        .map(changes -> new JsonObject().put("message", published(changes).toJson()));
  }

  private Future<JsonObject> patch(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    JsonObject body = Bodies.object(ctx);
    for (String field : body.fieldNames()) {
      if (!PATCH_FIELDS.contains(field)) {
        throw ApiError.invalid("invalid_field", "Unknown field " + field + "; allowed: status, aiEnabled, assigneeId.");
      }
    }
    if (body.isEmpty()) {
      throw ApiError.invalid("invalid_request", "Give at least one of status, aiEnabled, assigneeId.");
    }
    String status = null;
    if (body.containsKey("status")) {
      if (!(body.getValue("status") instanceof String s) || !STATUSES.contains(s)) {
        throw ApiError.invalid("invalid_status", "status must be open or closed.");
      }
      status = s;
    }
    Boolean aiEnabled = null;
    if (body.containsKey("aiEnabled")) {
      if (!(body.getValue("aiEnabled") instanceof Boolean b)) {
        throw ApiError.invalid("invalid_ai_enabled", "aiEnabled must be true or false.");
      }
      aiEnabled = b;
    }
    boolean setAssignee = body.containsKey("assigneeId");
    String assigneeId = setAssignee ? Bodies.optionalString(body, "assigneeId") : null;
    ConversationStore.Patch patch = new ConversationStore.Patch(status, aiEnabled, setAssignee, assigneeId);
    Future<Void> assigneeKnown = assigneeId == null ? Future.succeededFuture()
        : store.userExists(principal.tenantId(), assigneeId).compose(exists -> exists ? Future.succeededFuture()
            : Future.failedFuture(ApiError.invalid("invalid_assignee_id", "assigneeId is not a user of this tenant.")));
    return assigneeKnown
        .compose(v -> store.patch(principal.tenantId(), ctx.pathParam("id"), patch))
        .compose(ConversationRoutes::found)
        .map(changes -> new JsonObject().put("conversation", published(changes).toJson()));
  }

  private Future<Conversation> conversation(RoutingContext ctx) {
    return services.chats().findConversation(DashboardAuth.principal(ctx).tenantId(), ctx.pathParam("id"))
        .compose(ConversationRoutes::found);
  }

  private <T> T published(Changes<T> changes) {
    services.events().publish(changes.events());
    return changes.value();
  }

  private static <T> Future<T> found(T value) {
    return value != null ? Future.succeededFuture(value)
        : Future.failedFuture(ApiError.notFound("conversation_not_found", "No conversation has this id."));
  }

  private static String oneOf(RoutingContext ctx, String param, Set<String> allowed) {
    String value = ctx.request().getParam(param);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (!allowed.contains(value)) {
      throw ApiError.invalid("invalid_" + param, param + " must be one of " + String.join(", ", allowed) + ".");
    }
    return value;
  }

  private static Boolean bool(RoutingContext ctx, String param) {
    String value = ctx.request().getParam(param);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (value.equals("true") || value.equals("false")) {
      return Boolean.valueOf(value);
    }
    throw ApiError.invalid("invalid_" + param, param + " must be true or false.");
  }
}
