package com.livechat.realtime;

import com.livechat.http.AccessLog;
import com.livechat.auth.VisitorTokens;
import com.livechat.http.RouteGroup;
import com.livechat.widget.WidgetCache;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
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
  private final VisitorAccess access;

  public VisitorSocketHandler(Sockets sockets, WidgetCache widgets, VisitorTokens visitorTokens) {
    this.sockets = sockets;
    this.vertx = sockets.vertx();
    this.access = new VisitorAccess(widgets, visitorTokens);
  }

  @Override
  public void mount(Router router) {
    router.get(PATH).handler(this::upgrade);
  }

  private void upgrade(RoutingContext ctx) {
    access.upgrade(vertx, ctx.request(), this::accept);
  }

  private void accept(HttpServerRequest request, String origin) {
    Context context = vertx.getOrCreateContext();
    request.toWebSocket().onSuccess(ws -> AccessLog.upgraded(request))
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
      return access.admit(auth.getValue("widgetId"), auth.getValue("token"), auth.getValue("sessionId"), origin)
          .transform(ar -> {
            if (ar.failed()) {
              return Future.failedFuture(ar.cause() instanceof VisitorAccess.Refused r
                  ? new SocketSession.Refused(r.code(), r.getMessage()) : ar.cause());
            }
            VisitorAccess.Visitor visitor = ar.result();
            this.widgetId = visitor.widget().tenant().id();
            this.token = (String) auth.getValue("token");
            return Future.succeededFuture(new SocketSession.Admission(visitor.tenantId(),
                Audience.visitor(visitor.sessionId()), visitor.expiresAtMillis(),
                new JsonObject().put("type", "auth:ok").put("sessionId", visitor.sessionId())));
          });
    }

    /**
     * A widget token rotated away (its grace period over), a widget token once the tenant requires
     * visitor tokens, or an origin no longer allowed ends the socket (a visitor token's expiry
     * does, at its time, too).
     */
    @Override
    public Future<Boolean> stillValid(SocketSession.Admission who) {
      return access.stillValid(widgetId, token, origin, who.expiresAtMillis());
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
