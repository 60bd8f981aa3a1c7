package com.livechat.widget;

import com.livechat.assistant.Assistants;
import com.livechat.auth.Bearer;
import com.livechat.auth.VisitorTokens;
import com.livechat.auth.WidgetTokens;
import com.livechat.bus.Addresses;
import com.livechat.chat.ContactExtractor;
import com.livechat.conversation.Conversation;
import com.livechat.conversation.Conversations;
import com.livechat.conversation.LeadFields;
import com.livechat.conversation.Message;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.DirectRoute;
import com.livechat.http.ErrorMapper;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.http.Sse;
import com.livechat.store.Ids;
import com.livechat.ratelimit.RateLimiters;
import com.livechat.voice.VoiceSessions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The widget endpoints: the four of shared/API.md Part 1, what the embedded widget reads besides
 * (its assistant, a conversation's messages) and the minting of visitor tokens (secure mode, Part
 * 7), with their CORS and credential checks. A request's credential is the widget token or a
 * visitor token; a visitor token binds the request to its session.
 */
public final class WidgetRoutes implements RouteGroup, DirectRoute {

  /** A visitor session id (shared/API.md Part 1): also what the visitor socket accepts. */
  public static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  static final Pattern EVENT = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  static final int MESSAGE_MAX_CHARS = 4000;
  static final int METADATA_MAX_BYTES = 4096;
  static final int USER_EMAIL_MAX = 254;
  static final int USER_PHONE_MAX = 32;
  static final int MESSAGE_ID_MAX = 128;

  private static final String WIDGET = "widget";
  private static final String VISITOR = "visitor";
  private static final String SESSION_RULE = "1-128 characters of A-Z a-z 0-9 _ . -";
  private static final List<String> ENDPOINTS = List.of("/config", "/chat", "/track", "/voice/start", "/assistant",
      "/messages", "/visitor-tokens");
  private static final List<String> MINT_FIELDS = List.of("sessionId", "user");
  private static final List<String> USER_FIELDS = List.of("email", "name", "phone");
  private static final String WIDGETS_PREFIX = "/api/widgets/";
  private static final String CONFIG_SUFFIX = "/config";
  private static final String BASE = "/api/widgets/:widgetId";
  private static final CharSequence ALLOW_METHODS = HttpHeaders.createOptimized("GET, POST, OPTIONS");
  private static final CharSequence ALLOW_HEADERS = HttpHeaders.createOptimized("Authorization, Content-Type, If-None-Match");
  private static final CharSequence EXPOSE_HEADERS = HttpHeaders.createOptimized("ETag, Retry-After");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private static final io.vertx.core.buffer.Buffer TRACKED =
      io.vertx.core.buffer.Buffer.buffer("{\"success\":true}");

  private final Vertx vertx;
  private final WidgetCache widgets;
  private final RateLimiters limits;
  private final TrackWriter trackWriter;
  private final VoiceSessions voice;
  private final Assistants assistants;
  private final Conversations conversations;
  private final VisitorTokens visitorTokens;
  private final ContactExtractor contacts;
  private final BodyHandler body;
  private final DeliveryOptions chatDelivery;
  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  /** What the widget endpoints use besides the widget cache. */
  public record Collaborators(RateLimiters limits, TrackWriter trackWriter, VoiceSessions voice, Assistants assistants,
      Conversations conversations, VisitorTokens visitorTokens, ContactExtractor contacts) {}

  /** @param chatTimeoutMs how long a chat request waits for the chat verticle's answer */
  public WidgetRoutes(Vertx vertx, WidgetCache widgets, Collaborators uses, BodyHandler body, long chatTimeoutMs) {
    this.vertx = vertx;
    this.widgets = widgets;
    this.limits = uses.limits();
    this.trackWriter = uses.trackWriter();
    this.voice = uses.voice();
    this.assistants = uses.assistants();
    this.conversations = uses.conversations();
    this.visitorTokens = uses.visitorTokens();
    this.contacts = uses.contacts();
    this.body = body;
    this.chatDelivery = new DeliveryOptions().setSendTimeout(chatTimeoutMs);
  }

  @Override
  public void mount(Router router) {
    for (String path : ENDPOINTS) {
      router.options(BASE + path).handler(this::guard).handler(this::preflight);
    }
    router.get(BASE + "/config").handler(this::guard).handler(this::config);
    router.post(BASE + "/chat").handler(body).handler(this::guard).handler(this::chat);
    router.post(BASE + "/track").handler(body).handler(this::guard).handler(this::track);
    router.post(BASE + "/voice/start").handler(body).handler(this::guard).handler(this::voiceStart);
    router.get(BASE + "/assistant").handler(this::guard).handler(ctx -> Responses.reply(ctx, 200, this::assistant));
    router.get(BASE + "/messages").handler(this::guard).handler(ctx -> Responses.reply(ctx, 200, this::messages));
    router.post(BASE + "/visitor-tokens").handler(body).handler(this::guard).handler(Responses::noStore)
        .handler(ctx -> Responses.reply(ctx, 200, this::mintVisitorToken));
  }

  /** 404 unknown widget, then 403 foreign origin, then (except preflight) 401 bad credential. */
  private void guard(RoutingContext ctx) {
    Future<WidgetSnapshot> snapshot = widgets.get(ctx.pathParam("widgetId"));
    if (snapshot.isComplete()) {
      guard(ctx, snapshot);
      return;
    }
    // loaded on another event loop: come back to this request's own before going on
    Context own = vertx.getOrCreateContext();
    snapshot.onComplete(ar -> own.runOnContext(v -> guard(ctx, snapshot)));
  }

  private void guard(RoutingContext ctx, Future<WidgetSnapshot> snapshot) {
    if (snapshot.failed()) {
      ErrorMapper.respond(ctx, snapshot.cause());
      return;
    }
    WidgetSnapshot widget = snapshot.result();
    HttpServerRequest request = ctx.request();
    String token = Bearer.token(request);
    if (request.method() == HttpMethod.OPTIONS || !VisitorTokens.isVisitorToken(token)) {
      AppError denied = admit(request, widget);
      if (denied != null) {
        ErrorMapper.respond(ctx.response(), denied);
        return;
      }
      ctx.put(WIDGET, widget);
      ctx.next();
      return;
    }
    AppError denied = admitOrigin(request, widget);
    if (denied != null) {
      ErrorMapper.respond(ctx.response(), denied);
      return;
    }
    visitorTokens.verify(token).onComplete(ar -> {
      if (ar.failed() || !ar.result().tenantId().equals(widget.tenant().id())) {
        ErrorMapper.respond(ctx.response(), invalidToken());
        return;
      }
      ctx.put(WIDGET, widget);
      ctx.put(VISITOR, ar.result());
      ctx.next();
    });
  }

  /**
   * The checks of every widget request with a widget token (or none), in the order the API fixes:
   * unknown widget (404), origin outside the allow-list (403), then, except for a preflight, a
   * missing or wrong token, or a widget token from a browser when the tenant requires visitor
   * tokens (401). Sets the CORS headers of an admitted request. Returns null when the request may
   * go on.
   */
  private static AppError admit(HttpServerRequest request, WidgetSnapshot widget) {
    AppError denied = admitOrigin(request, widget);
    if (denied != null || request.method() == HttpMethod.OPTIONS) {
      return denied;
    }
    if (!WidgetTokens.matches(widget.tenant(), Bearer.token(request), Instant.now())) {
      return invalidToken();
    }
    if (widget.tenant().requireVisitorToken() && request.getHeader(HttpHeaders.ORIGIN) != null) {
      return AppError.unauthorized("invalid_widget_token", "This widget requires a visitor token in the browser: "
          + "the site's server mints one with POST /api/widgets/:widgetId/visitor-tokens.");
    }
    return null;
  }

  /** The first two checks (404 unknown widget, 403 foreign origin), and the CORS headers of an allowed origin. */
  private static AppError admitOrigin(HttpServerRequest request, WidgetSnapshot widget) {
    if (widget == null) {
      return AppError.notFound("widget_not_found", "No widget has this id.");
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (!widget.originAllowed(origin)) {
      return AppError.forbidden("origin_not_allowed", "This origin may not use this widget.");
    }
    if (origin != null) {
      request.response()
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
          .putHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN)
          .putHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
    }
    return null;
  }

  private static AppError invalidToken() {
    return AppError.unauthorized("invalid_widget_token", "Missing or invalid widget token.");
  }

  /**
   * The request's session: {@code given} when it is valid and, for a visitor token, the token's own
   * (another session → 401 invalid_widget_token).
   */
  private static String session(RoutingContext ctx, Object given) {
    if (!(given instanceof String sessionId) || !SESSION_ID.matcher(sessionId).matches()) {
      throw AppError.invalid("invalid_session_id", "sessionId " + (given == null ? "is required" : "is invalid")
          + ": " + SESSION_RULE + ".");
    }
    VisitorTokens.Visitor visitor = ctx.get(VISITOR);
    if (visitor != null && !visitor.sessionId().equals(sessionId)) {
      throw AppError.unauthorized("invalid_widget_token", "This visitor token is for another session.");
    }
    return sessionId;
  }

  /**
   * GET /api/widgets/:id/config is the hottest request of all (every page view of every tenant's
   * site), so when the tenant is already cached it is answered here, in front of the router, with
   * exactly the checks and response of the routed path. Returns false to let the router have it.
   */
  @Override
  public boolean serveDirectly(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET) {
      return false;
    }
    String path = request.path();
    if (!path.startsWith(WIDGETS_PREFIX) || !path.endsWith(CONFIG_SUFFIX)
        || path.length() <= WIDGETS_PREFIX.length() + CONFIG_SUFFIX.length()) {
      return false;
    }
    String widgetId = path.substring(WIDGETS_PREFIX.length(), path.length() - CONFIG_SUFFIX.length());
    if (widgetId.indexOf('/') >= 0 || widgetId.indexOf('%') >= 0) {
      return false;
    }
    Future<WidgetSnapshot> snapshot = widgets.get(widgetId);
    // a visitor token is verified on the routed path
    if (!snapshot.succeeded() || VisitorTokens.isVisitorToken(Bearer.token(request))) {
      return false;
    }
    AppError denied = admit(request, snapshot.result());
    if (denied != null) {
      ErrorMapper.respond(request.response(), denied);
    } else {
      config(request, snapshot.result());
    }
    return true;
  }

  private void preflight(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    String requested = ctx.request().getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
    response.setStatusCode(204)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, requested != null ? requested : ALLOW_HEADERS)
        .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, "600")
        .end();
  }

  private void config(RoutingContext ctx) {
    config(ctx.request(), ctx.get(WIDGET));
  }

  private static void config(HttpServerRequest request, WidgetSnapshot widget) {
    HttpServerResponse response = request.response()
        .putHeader(HttpHeaders.ETAG, widget.etag())
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    String ifNoneMatch = request.getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null && etagMatches(ifNoneMatch, widget.etag())) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, Responses.APPLICATION_JSON).end(widget.configBody());
  }

  private void chat(RoutingContext ctx) {
    if (wantsEventStream(ctx.request())) {
      streamedChat(ctx);
      return;
    }
    Responses.reply(ctx, 200, c -> vertx.eventBus().<JsonObject>request(Addresses.CHAT_REPLY, chatRequest(c),
        chatDelivery).map(reply -> forWidget(reply.body())));
  }

  /** The chat.reply body of a valid request, its rate limits taken; throws the 4xx otherwise. */
  private JsonObject chatRequest(RoutingContext c) {
    WidgetSnapshot widget = c.get(WIDGET);
    VisitorTokens.Visitor visitor = c.get(VISITOR);
    JsonObject body = Bodies.object(c);
    JsonObject request = new JsonObject()
        .put("tenantId", widget.tenant().id())
        .put("sessionId", session(c, body.getValue("sessionId")))
        .put("message", Bodies.requiredText(body, "message", 1, MESSAGE_MAX_CHARS))
        .put("assistantId", Bodies.optionalString(body, "assistantId"))
        .put("conversationId", Bodies.optionalString(body, "conversationId"))
        .put("defaultAssistantId", widget.tenant().defaultAssistantId())
        .putNull("turnId")
        .put("stream", false)
        // who the tenant's server says the visitor is: into the conversation's contact data
        .put("user", visitor == null ? null : visitor.user());
    // only a valid message costs a token (a 400 does not), and it stays spent whatever happens next
    limits.takeBoth(RateLimiters.Limit.CHAT_SESSION, widget.tenant().id() + "/" + request.getString("sessionId"),
        RateLimiters.Limit.CHAT_IP, limits.clientKey(c.request()));
    return request;
  }

  /** {@code Accept: text/event-stream} (any of its listed types, parameters ignored). */
  private static boolean wantsEventStream(HttpServerRequest request) {
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    if (accept == null) {
      return false;
    }
    for (String type : accept.split(",")) {
      int semicolon = type.indexOf(';');
      String bare = (semicolon >= 0 ? type.substring(0, semicolon) : type).trim();
      if (bare.equalsIgnoreCase("text/event-stream")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The same chat turn answered as Server-Sent Events (shared/API.md, "Streaming a chat reply over
   * HTTP"): {@code delta} events as the reply is written, then one {@code done} with the body the
   * plain request would have returned. A failure before the first event is the ordinary JSON error;
   * after it, an {@code error} event. A client that goes away calls the turn off (the provider
   * request stops; what was said is kept).
   */
  private void streamedChat(RoutingContext ctx) {
    JsonObject request;
    try {
      request = chatRequest(ctx);
    } catch (RuntimeException e) {
      ErrorMapper.respond(ctx, e);
      return;
    }
    String tenantId = request.getString("tenantId");
    String turnId = Ids.next("turn");
    String address = Addresses.chatStream(turnId);
    request.put("turnId", turnId).put("stream", true);
    Sse sse = new Sse(vertx, ctx.response());
    MessageConsumer<JsonObject> deltas = vertx.eventBus().localConsumer(address,
        m -> sse.event("delta", new JsonObject().put("delta", m.body().getString("delta"))));
    // failed: the connection went while the response was still open (the visitor went away). Through
    // vertx-web's end handlers, which the response's own close handler belongs to (InFlight's too)
    ctx.addEndHandler(ended -> {
      if (ended.failed()) {
        deltas.unregister();
        vertx.eventBus().publish(Addresses.CHAT_CANCEL, new JsonObject().put("tenantId", tenantId).put("turnId", turnId),
            LOCAL_ONLY);
      }
    });
    deltas.completion()
        .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.CHAT_REPLY, request, chatDelivery))
        .onComplete(ar -> {
          deltas.unregister();
          if (ar.succeeded()) {
            sse.end("done", new JsonObject().put("success", true).mergeIn(forWidget(ar.result().body())));
          } else if (!sse.started()) {
            ErrorMapper.respond(ctx, ar.cause());
          } else {
            sse.end("error", ErrorMapper.body(ErrorMapper.classify(ctx.response(), ar.cause())));
          }
        });
  }

  private void track(RoutingContext ctx) {
    Future<Void> stored;
    try {
      WidgetSnapshot widget = ctx.get(WIDGET);
      JsonObject body = Bodies.object(ctx);
      String sessionId = session(ctx, body.getValue("sessionId"));
      String event = Bodies.required(body, "event", EVENT, "1-64 characters of A-Z a-z 0-9 _ . : -");
      stored = trackWriter.submit(new TrackStore.TrackedEvent(
          widget.tenant().id(), sessionId, event, timestamp(body), metadata(body)));
    } catch (RuntimeException e) {
      stored = Future.failedFuture(e);
    }
    stored
        .onSuccess(v -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, Responses.APPLICATION_JSON).end(TRACKED))
        .onFailure(err -> ErrorMapper.respond(ctx, err));
  }

  private void voiceStart(RoutingContext ctx) {
    Responses.reply(ctx, 200, c -> {
      WidgetSnapshot widget = c.get(WIDGET);
      JsonObject body = Bodies.object(c);
      String tenantId = widget.tenant().id();
      String sessionId = session(c, body.getValue("sessionId"));
      String assistantId = Bodies.optionalString(body, "assistantId");
      return voice.start(tenantId, sessionId, assistantId, widget.tenant().defaultAssistantId());
    });
  }

  /**
   * GET /assistant: what the widget shows of the assistant that answers (the widget's, or
   * {@code ?assistantId=}, chosen as chat chooses it): its name, greeting, and whether it takes
   * calls.
   */
  private Future<JsonObject> assistant(RoutingContext ctx) {
    WidgetSnapshot widget = ctx.get(WIDGET);
    String requested = ctx.request().getParam("assistantId");
    return assistants.resolve(widget.tenant().id(), requested == null || requested.isEmpty() ? null : requested,
            widget.tenant().defaultAssistantId())
        .map(a -> new JsonObject().put("assistant", new JsonObject()
            .put("id", a.id())
            .put("name", a.name())
            .put("greeting", a.greeting() == null || a.greeting().isBlank() ? null : a.greeting())
            .put("voice", !a.phoneNumbers().isEmpty())));
  }

  /**
   * GET /messages: a page of one of the session's conversations, oldest first, after the message
   * {@code ?after=}; with the conversation's state as the visitor socket shows it.
   */
  private Future<JsonObject> messages(RoutingContext ctx) {
    WidgetSnapshot widget = ctx.get(WIDGET);
    HttpServerRequest request = ctx.request();
    String sessionId = session(ctx, request.getParam("sessionId"));
    String conversationId = request.getParam("conversationId");
    if (conversationId == null || conversationId.isEmpty()) {
      throw AppError.invalid("invalid_conversation_id", "conversationId is required.");
    }
    String after = request.getParam("after");
    if (after != null && after.length() > MESSAGE_ID_MAX) {
      throw AppError.invalid("invalid_after", "after is not a message of this conversation.");
    }
    int limit = Paging.limit(ctx);
    return conversations.sessionMessages(widget.tenant().id(), sessionId, conversationId, after, limit + 1)
        .map(thread -> {
          Conversation c = thread.conversation();
          return new JsonObject()
              .put("conversation", new JsonObject().put("id", c.id()).put("status", c.status())
                  .put("aiEnabled", c.aiEnabled()).put("channel", c.channel()))
              .mergeIn(Paging.pageAfterId(thread.messages(), limit, Message::toJson, Message::id));
        });
  }

  /**
   * POST /visitor-tokens (secure mode): the tenant's server trades its widget token for a token
   * bound to one visitor session, carrying who the visitor is. A visitor token cannot mint more.
   */
  private Future<JsonObject> mintVisitorToken(RoutingContext ctx) {
    if (ctx.get(VISITOR) != null) {
      throw AppError.unauthorized("invalid_widget_token", "Visitor tokens are minted with the widget token.");
    }
    WidgetSnapshot widget = ctx.get(WIDGET);
    JsonObject body = Bodies.object(ctx);
    Bodies.onlyFields(body, MINT_FIELDS);
    String sessionId = session(ctx, body.getValue("sessionId"));
    VisitorTokens.Issued issued = visitorTokens.issue(widget.tenant().id(), sessionId, visitorUser(body.getValue("user")));
    return Future.succeededFuture(new JsonObject()
        .put("visitorToken", issued.token())
        .put("expiresAt", DateTimeFormatter.ISO_INSTANT.format(issued.expiresAt())));
  }

  /**
   * The visitor's {@code user}: absent or null is nobody in particular; each field is optional, and
   * one that is given must be usable (a name of 1 to 200 characters, an email address, a phone
   * number), stored cleaned as chat stores what a visitor types (email lower-cased, phone E.164).
   */
  private JsonObject visitorUser(Object value) {
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject user)) {
      throw AppError.invalid("invalid_user", "user must be an object with name, email and phone (each optional).");
    }
    Bodies.onlyFields(user, USER_FIELDS, "invalid_user", "user.");
    JsonObject clean = new JsonObject();
    Object name = user.getValue("name");
    if (name != null) {
      String text = name instanceof String s ? s.strip() : "";
      if (text.isEmpty() || text.codePointCount(0, text.length()) > LeadFields.MAX_STORED_CHARS
          || text.chars().anyMatch(Character::isISOControl)) {
        throw AppError.invalid("invalid_user_name", "user.name must be 1 to " + LeadFields.MAX_STORED_CHARS
            + " characters, without control characters.");
      }
      clean.put("name", contacts.clean(new JsonObject().put("name", text)).getString("name"));
    }
    putCleaned(clean, user, "email", USER_EMAIL_MAX, "invalid_user_email", "user.email must be an email address.");
    putCleaned(clean, user, "phone", USER_PHONE_MAX, "invalid_user_phone",
        "user.phone must be a valid phone number, best in E.164 (+14165550199).");
    return clean;
  }

  private void putCleaned(JsonObject clean, JsonObject user, String field, int max, String code, String rule) {
    Object value = user.getValue(field);
    if (value == null) {
      return;
    }
    String cleaned = value instanceof String s && s.length() <= max
        ? contacts.clean(new JsonObject().put(field, s)).getString(field) : null;
    if (cleaned == null) {
      throw AppError.invalid(code, rule);
    }
    clean.put(field, cleaned);
  }

  /** ISO-8601 with an offset; default now. Stored as text, cast by PostgreSQL. */
  private static String timestamp(JsonObject body) {
    Object value = body.getValue("timestamp");
    if (value == null) {
      return DateTimeFormatter.ISO_INSTANT.format(Instant.now());
    }
    if (value instanceof String s && s.length() <= 64) {
      try {
        OffsetDateTime t = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        if (t.getYear() >= 1970 && t.getYear() <= 9999) {
          return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t);
        }
      } catch (DateTimeParseException ignored) {
        // falls through to the 400 below
      }
    }
    throw AppError.invalid("invalid_timestamp", "timestamp must be an ISO-8601 date-time with an offset, "
        + "e.g. 2024-01-15T10:00:00Z.");
  }

  private static String metadata(JsonObject body) {
    Object value = body.getValue("metadata");
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw AppError.invalid("invalid_metadata", "metadata must be a JSON object.");
    }
    String encoded = json.encode();
    if (encoded.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > METADATA_MAX_BYTES) {
      throw AppError.invalid("metadata_too_large", "metadata must be at most " + METADATA_MAX_BYTES
          + " bytes once serialized.");
    }
    return encoded;
  }

  private static boolean etagMatches(String ifNoneMatch, String etag) {
    if (ifNoneMatch.trim().equals("*")) {
      return true;
    }
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** The chat.reply answer as the published reference shapes it: the stored reply's id is not part of it. */
  private static JsonObject forWidget(JsonObject reply) {
    reply.remove("messageId");
    return reply;
  }
}
