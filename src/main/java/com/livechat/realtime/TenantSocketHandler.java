package com.livechat.realtime;

import com.livechat.auth.JwtService;
import com.livechat.auth.Principal;
import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.events.EventLog;
import com.livechat.http.DirectRoute;
import com.livechat.http.ErrorMapper;
import com.livechat.http.RouteGroup;
import com.livechat.ops.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /api/ws/tenant (shared/API.md Part 3): an auth message within the time limit, then the
 * tenant's events; app-level ping/pong, server pings and an idle close, and a close when the
 * token expires.
 */
public final class TenantSocketHandler implements RouteGroup, DirectRoute {

  private static final Logger LOG = LoggerFactory.getLogger(TenantSocketHandler.class);
  private static final String PATH = "/api/ws/tenant";
  static final short CLOSE_UNAUTHORIZED = 4401;
  static final short CLOSE_BAD_REQUEST = 4400;
  private static final String PONG = new JsonObject().put("type", "pong").encode();
  private static final long MAX_TIMER_MS = 24L * 3600 * 1000;
  private static final Set<String> SUPPORTED_VERSIONS = Set.of("13", "8", "7");
  private static final String SEC_WEBSOCKET_VERSION = "Sec-WebSocket-Version";
  private static final String SEC_WEBSOCKET_KEY = "Sec-WebSocket-Key";

  private final Vertx vertx;
  private final JwtService jwt;
  private final TenantHub hub;
  private final EventLog log;
  private final AppConfig.Realtime config;
  private final Metrics metrics;

  public TenantSocketHandler(Vertx vertx, JwtService jwt, TenantHub hub, EventLog log, AppConfig.Realtime config,
      Metrics metrics) {
    this.vertx = vertx;
    this.jwt = jwt;
    this.hub = hub;
    this.log = log;
    this.config = config;
    this.metrics = metrics;
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
    if (request.method() != HttpMethod.GET || !PATH.equals(request.path()) || refusal(request) != null) {
      return false;
    }
    accept(request);
    return true;
  }

  private void upgrade(RoutingContext ctx) {
    // refused here rather than by the handshake, which would answer in plain text or with no body
    AppError refused = refusal(ctx.request());
    if (refused != null) {
      if (refused.kind() == AppError.Kind.UPGRADE_REQUIRED) {
        ctx.response().putHeader(SEC_WEBSOCKET_VERSION, "13");
      }
      ErrorMapper.respond(ctx.response(), refused);
      return;
    }
    accept(ctx.request());
  }

  private static AppError refusal(HttpServerRequest request) {
    String connection = request.getHeader(HttpHeaders.CONNECTION);
    if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))
        || connection == null || !connection.toLowerCase(java.util.Locale.ROOT).contains("upgrade")
        || request.getHeader(SEC_WEBSOCKET_KEY) == null) {
      return AppError.invalid("websocket_upgrade_required",
          "This endpoint speaks WebSocket only: send a WebSocket upgrade (Connection: Upgrade, "
              + "Upgrade: websocket, Sec-WebSocket-Key, Sec-WebSocket-Version: 13).");
    }
    if (!SUPPORTED_VERSIONS.contains(String.valueOf(request.getHeader(SEC_WEBSOCKET_VERSION)))) {
      return AppError.of(AppError.Kind.UPGRADE_REQUIRED, "unsupported_websocket_version",
          "Sec-WebSocket-Version must be 13.");
    }
    return null;
  }

  private void accept(HttpServerRequest request) {
    Context context = vertx.getOrCreateContext();
    request.toWebSocket()
        .onSuccess(ws -> new Connection(ws, context).open())
        .onFailure(err -> LOG.debug("WebSocket upgrade refused: {}", err.getMessage()));
  }

  /** The life of one socket, on the event loop that accepted it. */
  private final class Connection {
    private final ServerWebSocket ws;
    private final Context context;
    private TenantSocket socket;
    private boolean authenticating;
    private long lastHeard = System.currentTimeMillis();
    private long authTimer;
    private long pingTimer = -1;
    private long expiryTimer = -1;

    Connection(ServerWebSocket ws, Context context) {
      this.ws = ws;
      this.context = context;
    }

    void open() {
      authTimer = vertx.setTimer(config.authTimeoutMs(), id -> {
        if (socket == null) {
          ws.close(CLOSE_UNAUTHORIZED, "auth timeout");
        }
      });
      ws.textMessageHandler(this::onText);
      ws.binaryMessageHandler(b -> lastHeard = System.currentTimeMillis());
      ws.pongHandler(b -> lastHeard = System.currentTimeMillis());
      ws.exceptionHandler(err -> LOG.debug("WebSocket error: {}", err.getMessage()));
      ws.closeHandler(v -> onClose());
    }

    private void onText(String text) {
      lastHeard = System.currentTimeMillis();
      JsonObject message;
      try {
        message = new JsonObject(text);
      } catch (DecodeException | ClassCastException e) {
        if (socket == null) {
          ws.close(CLOSE_UNAUTHORIZED, "expected an auth message");
        }
        return;
      }
      String type = message.getValue("type") instanceof String t ? t : "";
      if (socket != null) {
        if (type.equals("ping")) {
          ws.writeTextMessage(PONG);
        }
        return;
      }
      if (!type.equals("auth") || authenticating) {
        ws.close(CLOSE_UNAUTHORIZED, "expected an auth message");
        return;
      }
      authenticate(message);
    }

    private void authenticate(JsonObject message) {
      authenticating = true;
      Long resumeAfter;
      Object lastEventId = message.getValue("lastEventId");
      try {
        resumeAfter = lastEventId == null || "".equals(lastEventId) ? null : parseEventId(lastEventId);
      } catch (IllegalArgumentException e) {
        ws.close(CLOSE_BAD_REQUEST, "invalid lastEventId");
        return;
      }
      Object token = message.getValue("token");
      jwt.verify(token instanceof String s ? s : null).onComplete(ar -> context.runOnContext(v -> {
        if (ar.failed()) {
          ws.close(CLOSE_UNAUTHORIZED, "invalid token");
          return;
        }
        if (ws.isClosed()) {
          return;
        }
        join(ar.result(), resumeAfter);
      }));
    }

    private void join(Principal principal, Long resumeAfter) {
      vertx.cancelTimer(authTimer);
      ws.setWriteQueueMaxSize(config.writeQueueMaxBytes());
      socket = new TenantSocket(vertx, ws, context, principal, log, config, metrics);
      long msToExpiry = principal.expiresAtEpochSeconds() * 1000 - System.currentTimeMillis();
      if (msToExpiry <= 0) {
        ws.close(CLOSE_UNAUTHORIZED, "token expired");
        return;
      }
      if (msToExpiry < MAX_TIMER_MS) {
        expiryTimer = vertx.setTimer(msToExpiry, id -> socket.close(CLOSE_UNAUTHORIZED, "token expired"));
      }
      pingTimer = vertx.setPeriodic(config.pingIntervalMs(), id -> {
        if (System.currentTimeMillis() - lastHeard > config.idleTimeoutMs()) {
          socket.close(TenantSocket.CLOSE_GOING_AWAY, "idle");
        } else {
          socket.ping();
        }
      });
      hub.join(socket).onComplete(ar -> {
        if (ar.failed()) {
          socket.close(TenantSocket.CLOSE_TRY_AGAIN_LATER, "try again later");
          return;
        }
        if (ws.isClosed()) {
          return;
        }
        ws.writeTextMessage(new JsonObject().put("type", "auth:ok").put("tenantId", principal.tenantId()).encode());
        socket.start(ar.result(), resumeAfter);
      });
    }

    private void onClose() {
      vertx.cancelTimer(authTimer);
      if (pingTimer != -1) {
        vertx.cancelTimer(pingTimer);
      }
      if (expiryTimer != -1) {
        vertx.cancelTimer(expiryTimer);
      }
      if (socket != null) {
        socket.closed();
        hub.leave(socket);
      }
    }
  }

  private static long parseEventId(Object value) {
    String text = value instanceof String s ? s : value instanceof Number n ? String.valueOf(n) : null;
    if (text == null || text.isEmpty() || text.length() > 19 || !text.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("not an event id");
    }
    return Long.parseLong(text);
  }
}
