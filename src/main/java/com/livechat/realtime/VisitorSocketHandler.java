package com.livechat.realtime;

import com.livechat.auth.VisitorTokens;
import com.livechat.auth.WidgetTokens;
import com.livechat.error.AppError;
import com.livechat.http.RouteGroup;
import com.livechat.widget.WidgetCache;
import com.livechat.widget.WidgetRoutes;
import com.livechat.widget.WidgetSnapshot;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /ws/chat (shared/API.md Part 3, "Visitor socket"): an auth message with the widget's id, a
 * credential (the widget token, or a visitor token of that very session) and the visitor's
 * session, then only that session's events ({@code message:new}, a reduced
 * {@code conversation:updated}, resumable by lastEventId) and its ephemeral frames (the assistant's
 * reply as it is written, typing); the visitor's own {@code typing} goes to the tenant's
 * dashboards.
 *
 * <p>The widget's allowed origins apply to the upgrade: when the upgrade names the widget
 * ({@code ?widgetId=}), a foreign Origin is refused before the handshake with 403
 * origin_not_allowed; in any case the auth message of a foreign origin closes the socket with 4403.
 * A tenant that requires visitor tokens refuses the widget token from a browser (an upgrade with
 * an Origin) with 4401.
 */
public final class VisitorSocketHandler implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(VisitorSocketHandler.class);
  static final String PATH = "/ws/chat";

  private final Sockets sockets;
  private final Vertx vertx;
  private final WidgetCache widgets;
  private final VisitorTokens visitorTokens;

  public VisitorSocketHandler(Sockets sockets, WidgetCache widgets, VisitorTokens visitorTokens) {
    this.sockets = sockets;
    this.vertx = sockets.vertx();
    this.widgets = widgets;
    this.visitorTokens = visitorTokens;
  }

  @Override
  public void mount(Router router) {
    router.get(PATH).handler(this::upgrade);
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    AppError refused = WebSocketUpgrade.refusal(request);
    if (refused != null) {
      WebSocketUpgrade.refuse(request, refused);
      return;
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    String named = request.getParam("widgetId");
    if (named == null || origin == null) {
      accept(request, origin);
      return;
    }
    Context own = vertx.getOrCreateContext();
    // held until the widget is known: the handshake needs a request that has not been read to its end
    request.pause();
    widgets.get(named).onComplete(ar -> own.runOnContext(v -> {
      if (ar.succeeded() && ar.result() != null && !ar.result().originAllowed(origin)) {
        WebSocketUpgrade.refuse(request, AppError.forbidden("origin_not_allowed",
            "This origin may not use this widget."));
      } else {
        // an unknown widget is refused by the auth message, as every other bad credential
        accept(request, origin);
      }
    }));
  }

  private static SocketSession.Refused invalidToken() {
    return new SocketSession.Refused(SocketSession.CLOSE_UNAUTHORIZED, "invalid token");
  }

  private void accept(HttpServerRequest request, String origin) {
    Context context = vertx.getOrCreateContext();
    request.toWebSocket()
        .onSuccess(ws -> new SocketSession(sockets, ws, context, new Visitor(origin)).open())
        .onFailure(err -> LOG.debug("WebSocket upgrade refused: {}", err.getMessage()));
  }

  /** A visitor: a widget token of the widget (or a visitor token of the session), a valid session id, an allowed origin. */
  private final class Visitor implements SocketSession.Protocol {
    private final String origin;
    private String widgetId;
    private String token;

    Visitor(String origin) {
      this.origin = origin;
    }

    @Override
    public Future<SocketSession.Admission> admit(JsonObject auth) {
      String widgetId = auth.getValue("widgetId") instanceof String s ? s : null;
      String token = auth.getValue("token") instanceof String s ? s : null;
      String sessionId = auth.getValue("sessionId") instanceof String s ? s : null;
      if (sessionId == null || !WidgetRoutes.SESSION_ID.matcher(sessionId).matches()) {
        return Future.failedFuture(new SocketSession.Refused(SocketSession.CLOSE_BAD_REQUEST, "invalid sessionId"));
      }
      if (widgetId == null || widgetId.isEmpty() || widgetId.length() > 128) {
        return Future.failedFuture(new SocketSession.Refused(SocketSession.CLOSE_UNAUTHORIZED, "unknown widget"));
      }
      this.widgetId = widgetId;
      this.token = token;
      return widgets.get(widgetId).compose(widget -> admit(widget, token, sessionId));
    }

    /**
     * A widget token rotated away (its grace period over), a widget token once the tenant requires
     * visitor tokens, or an origin no longer allowed ends the socket (a visitor token's expiry
     * does, at its time, too).
     */
    @Override
    public Future<Boolean> stillValid(SocketSession.Admission who) {
      return widgets.get(widgetId).map(widget -> widget != null && widget.originAllowed(origin)
          && (VisitorTokens.isVisitorToken(token) ? who.expiresAtMillis() > System.currentTimeMillis()
              : widgetTokenUntil(widget, token) != WidgetTokens.NO_MATCH));
    }

    private Future<SocketSession.Admission> admit(WidgetSnapshot widget, String token, String sessionId) {
      if (widget == null) {
        return Future.failedFuture(new SocketSession.Refused(SocketSession.CLOSE_UNAUTHORIZED, "unknown widget"));
      }
      if (!widget.originAllowed(origin)) {
        return Future.failedFuture(new SocketSession.Refused(SocketSession.CLOSE_FORBIDDEN, "origin not allowed"));
      }
      Future<Long> until;
      if (VisitorTokens.isVisitorToken(token)) {
        until = visitorTokens.verify(token).transform(ar -> ar.succeeded()
            && ar.result().tenantId().equals(widget.tenant().id()) && ar.result().sessionId().equals(sessionId)
            ? Future.succeededFuture(ar.result().expiresAtMillis()) : Future.failedFuture(invalidToken()));
      } else {
        long widgetUntil = widgetTokenUntil(widget, token);
        until = widgetUntil == WidgetTokens.NO_MATCH ? Future.failedFuture(invalidToken())
            : Future.succeededFuture(widgetUntil);
      }
      return until.map(expires -> new SocketSession.Admission(widget.tenant().id(), Audience.visitor(sessionId),
          expires, new JsonObject().put("type", "auth:ok").put("sessionId", sessionId)));
    }

    /** Until when the widget token holds for this socket; NO_MATCH also for a browser's in secure mode. */
    private long widgetTokenUntil(WidgetSnapshot widget, String token) {
      if (widget.tenant().requireVisitorToken() && origin != null) {
        return WidgetTokens.NO_MATCH;
      }
      return WidgetTokens.liveUntil(widget.tenant(), token, Instant.now());
    }

    @Override
    public void onMessage(SocketSession.Admission who, String type, JsonObject message) {
      if ("typing".equals(type) && message.getValue("conversationId") instanceof String conversationId) {
        // only a conversation of this very session: anything else is dropped
        sockets.live().visitorTyping(who.tenantId(), who.audience().sessionId(), conversationId)
            .onFailure(err -> LOG.debug("typing not passed on: {}", err.getMessage()));
      }
    }
  }
}
