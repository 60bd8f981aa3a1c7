package com.livechat.realtime;

import com.livechat.config.AppConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of one socket of either kind (dashboard or visitor), on the event loop that accepted it:
 * the auth message within the time limit, then its stream; app-level ping/pong, server pings and
 * an idle close, and a close when its credentials expire. What the auth message must contain, and
 * what an authenticated client may send, is the {@link Protocol}'s business.
 */
final class SocketSession {

  private static final Logger LOG = LoggerFactory.getLogger(SocketSession.class);
  static final short CLOSE_UNAUTHORIZED = 4401;
  static final short CLOSE_BAD_REQUEST = 4400;
  static final short CLOSE_FORBIDDEN = 4403;
  private static final String PONG = new JsonObject().put("type", "pong").encode();
  private static final long MAX_TIMER_MS = 24L * 3600 * 1000;

  /** Who an auth message let in. {@code expiresAtMillis}: Long.MAX_VALUE when the credentials do not expire. */
  record Admission(String tenantId, Audience audience, long expiresAtMillis, JsonObject authOk) {}

  /** The auth message was refused: the socket is closed with this code and reason. */
  static final class Refused extends RuntimeException {
    final short code;

    Refused(short code, String reason) {
      super(reason, null, false, false);
      this.code = code;
    }
  }

  /** What one kind of socket accepts. */
  interface Protocol {
    /** Checks an auth message; fails with {@link Refused} to close the socket. */
    Future<Admission> admit(JsonObject auth);

    /** A message other than ping from an admitted client. */
    void onMessage(Admission who, String type, JsonObject message);

    /**
     * Whether the credentials the client was admitted with still hold (asked at each ping tick):
     * false closes the socket with 4401 token expired.
     */
    default Future<Boolean> stillValid(Admission who) {
      return Future.succeededFuture(true);
    }
  }

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final Context context;
  private final Protocol protocol;
  private final Sockets sockets;
  private final AppConfig.Realtime config;
  private TenantSocket socket;
  private Admission admission;
  private boolean authenticating;
  private long lastHeard = System.currentTimeMillis();
  private long authTimer;
  private long pingTimer = -1;
  private long expiryTimer = -1;

  SocketSession(Sockets sockets, ServerWebSocket ws, Context context, Protocol protocol) {
    this.vertx = sockets.vertx();
    this.sockets = sockets;
    this.ws = ws;
    this.context = context;
    this.protocol = protocol;
    this.config = sockets.config();
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
      } else {
        protocol.onMessage(admission, type, message);
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
    Future<Admission> admitted;
    try {
      admitted = protocol.admit(message);
    } catch (RuntimeException e) {
      admitted = Future.failedFuture(e);
    }
    admitted.onComplete(ar -> context.runOnContext(v -> {
      if (ar.failed()) {
        // credentials that could not be checked (the database away) are not wrong: the client retries
        Refused refused = ar.cause() instanceof Refused r ? r
            : new Refused(TenantSocket.CLOSE_TRY_AGAIN_LATER, "try again later");
        if (!(ar.cause() instanceof Refused)) {
          LOG.debug("WebSocket auth could not be checked: {}", ar.cause().getMessage());
        }
        ws.close(refused.code, refused.getMessage());
        return;
      }
      if (ws.isClosed()) {
        return;
      }
      join(ar.result(), resumeAfter);
    }));
  }

  private void join(Admission who, Long resumeAfter) {
    vertx.cancelTimer(authTimer);
    admission = who;
    ws.setWriteQueueMaxSize(config.writeQueueMaxBytes());
    socket = new TenantSocket(vertx, ws, context, who.tenantId(), who.audience(), sockets.log(), config,
        sockets.metrics());
    long msToExpiry = who.expiresAtMillis() == Long.MAX_VALUE ? Long.MAX_VALUE
        : who.expiresAtMillis() - System.currentTimeMillis();
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
        return;
      }
      socket.ping();
      protocol.stillValid(who).onComplete(ar -> context.runOnContext(v -> {
        // a failed check (the database briefly away) is not a reason to drop the client
        if (ar.succeeded() && !ar.result()) {
          socket.close(CLOSE_UNAUTHORIZED, "token expired");
        }
      }));
    });
    sockets.hub().join(socket).onComplete(ar -> {
      if (ar.failed()) {
        socket.close(TenantSocket.CLOSE_TRY_AGAIN_LATER, "try again later");
        return;
      }
      if (ws.isClosed()) {
        return;
      }
      ws.writeTextMessage(who.authOk().encode());
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
      sockets.hub().leave(socket);
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
