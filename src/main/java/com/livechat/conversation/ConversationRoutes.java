package com.livechat.conversation;

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
import java.util.Set;

/** /api/conversations: browsing and answering conversations (any role). */
public final class ConversationRoutes implements RouteGroup {

  public static final int REPLY_MAX_CHARS = 4000;
  private static final Set<String> STATUSES = Set.of("open", "closed");
  private static final Set<String> CHANNELS = Set.of("chat", "voice");
  private static final List<String> PATCH_FIELDS = List.of("status", "aiEnabled", "assigneeId");

  private final Conversations conversations;
  private final BodyHandler body;
  private final DashboardAuth auth;

  public ConversationRoutes(Conversations conversations, BodyHandler body, DashboardAuth auth) {
    this.conversations = conversations;
    this.body = body;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
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
    ConversationStore.Filter filter = new ConversationStore.Filter(
        oneOf(ctx, "status", STATUSES), oneOf(ctx, "channel", CHANNELS), bool(ctx, "qualified"));
    int limit = Paging.limit(ctx);
    Keyset after = Paging.after(ctx);
    return conversations.list(tenantId(ctx), filter, after, limit + 1)
        .map(rows -> Paging.page(rows, limit, Conversation::toJson, c -> new Keyset(c.createdAt(), c.id())));
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return conversations.find(tenantId(ctx), ctx.pathParam("id"))
        .map(c -> new JsonObject().put("conversation", c.toJson()));
  }

  private Future<JsonObject> messages(RoutingContext ctx) {
    int limit = Paging.limit(ctx);
    return conversations.messages(tenantId(ctx), ctx.pathParam("id"), ctx.request().getParam("after"), limit + 1)
        .map(rows -> Paging.pageAfterId(rows, limit, Message::toJson, Message::id));
  }

  private Future<JsonObject> reply(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    String content = Bodies.requiredText(Bodies.object(ctx), "content", 1, REPLY_MAX_CHARS);
    return conversations.reply(principal.tenantId(), ctx.pathParam("id"), principal.userId(), content)
        .map(message -> new JsonObject().put("message", message.toJson()));
  }

  private Future<JsonObject> patch(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    Bodies.onlyFields(body, PATCH_FIELDS);
    if (body.isEmpty()) {
      throw AppError.invalid("invalid_request", "Give at least one of status, aiEnabled, assigneeId.");
    }
    String status = null;
    if (body.containsKey("status")) {
      if (!(body.getValue("status") instanceof String s) || !STATUSES.contains(s)) {
        throw AppError.invalid("invalid_status", "status must be open or closed.");
      }
      status = s;
    }
    Boolean aiEnabled = null;
    if (body.containsKey("aiEnabled")) {
      if (!(body.getValue("aiEnabled") instanceof Boolean b)) {
        throw AppError.invalid("invalid_ai_enabled", "aiEnabled must be true or false.");
      }
      aiEnabled = b;
    }
    boolean setAssignee = body.containsKey("assigneeId");
    String assigneeId = setAssignee ? Bodies.optionalString(body, "assigneeId") : null;
    return conversations.patch(tenantId(ctx), ctx.pathParam("id"),
            new ConversationStore.Patch(status, aiEnabled, setAssignee, assigneeId))
        .map(c -> new JsonObject().put("conversation", c.toJson()));
  }

  private static String tenantId(RoutingContext ctx) {
    return DashboardAuth.principal(ctx).tenantId();
  }

  private static String oneOf(RoutingContext ctx, String param, Set<String> allowed) {
    String value = ctx.request().getParam(param);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (!allowed.contains(value)) {
      throw AppError.invalid("invalid_" + param, param + " must be one of " + String.join(", ", allowed) + ".");
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
    throw AppError.invalid("invalid_" + param, param + " must be true or false.");
  }
}
