package com.livechat.realtime;

import com.livechat.http.AccessLog;
import com.livechat.auth.JwtService;
import com.livechat.auth.Principal;
import com.livechat.error.AppError;
import com.livechat.http.DirectRoute;
import com.livechat.http.RouteGroup;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /api/ws/tenant (shared/API.md Part 3): an auth message with a dashboard token, then the
 * tenant's events and its ephemeral frames; an agent's {@code typing} goes to that conversation's
 * visitor sockets. The socket's life (timers, ping, expiry) is {@link SocketSession}'s.
 */
public final class TenantSocketHandler implements RouteGroup, DirectRoute {

  private static final Logger LOG = LoggerFactory.getLogger(TenantSocketHandler.class);
  private static final String PATH = "/api/ws/tenant";

  private final Sockets sockets;
  private final JwtService jwt;

  public TenantSocketHandler(Sockets sockets, JwtService jwt) {
    this.sockets = sockets;
    this.jwt = jwt;
  }

  @Override
  public void mount(Router router) {
    router.get(PATH).handler(this::upgrade);
  }

  /**
   * An acceptable upgrade is taken in front of the router, so the socket is Vert.x's own and its
   * frames can go straight to its channel (see {@link Frame}); anything else goes on to the router,
   * which answers it with the JSON error.
   */
  @Override
  public boolean serveDirectly(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET || !PATH.equals(request.path())
        || WebSocketUpgrade.refusal(request) != null) {
      return false;
    }
    accept(request);
    return true;
  }

  private void upgrade(RoutingContext ctx) {
    AppError refused = WebSocketUpgrade.refusal(ctx.request());
    if (refused != null) {
      WebSocketUpgrade.refuse(ctx.request(), refused);
      return;
    }
    accept(ctx.request());
  }

  private void accept(HttpServerRequest request) {
    Context context = sockets.vertx().getOrCreateContext();
    request.toWebSocket().onSuccess(ws -> AccessLog.upgraded(request))
        .onSuccess(ws -> new SocketSession(sockets, ws, context, new Dashboard()).open())
        .onFailure(err -> LOG.debug("WebSocket upgrade refused: {}", err.getMessage()));
  }

  /** A dashboard: a valid dashboard token; then it may say an agent is typing. */
  private final class Dashboard implements SocketSession.Protocol {

    @Override
    public Future<SocketSession.Admission> admit(JsonObject auth) {
      Object token = auth.getValue("token");
      return jwt.verify(token instanceof String s ? s : null)
          .recover(err -> Future.failedFuture(new SocketSession.Refused(SocketSession.CLOSE_UNAUTHORIZED,
              "invalid token")))
          .map((Principal p) -> new SocketSession.Admission(p.tenantId(), Audience.DASHBOARD,
              p.expiresAtEpochSeconds() * 1000,
              new JsonObject().put("type", "auth:ok").put("tenantId", p.tenantId())));
    }

    @Override
    public void onMessage(SocketSession.Admission who, String type, JsonObject message) {
      if ("typing".equals(type) && message.getValue("conversationId") instanceof String conversationId) {
        // a conversation of another tenant is not found: nothing is sent anywhere
        sockets.live().agentTyping(who.tenantId(), conversationId)
            .onFailure(err -> LOG.debug("typing not passed on: {}", err.getMessage()));
      }
    }
  }
}
