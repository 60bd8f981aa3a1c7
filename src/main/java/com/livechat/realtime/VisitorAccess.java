package com.livechat.realtime;

import com.livechat.auth.VisitorTokens;
import com.livechat.auth.WidgetTokens;
import com.livechat.widget.WidgetCache;
import com.livechat.widget.WidgetRoutes;
import com.livechat.widget.WidgetSnapshot;
import io.vertx.core.Future;
import java.time.Instant;

/**
 * Who a visitor's socket is, from its auth message: the widget, a credential (the widget token,
 * or a visitor token of that very session), the session, and the page's origin. Shared by the
 * sockets a visitor opens (/ws/chat, and /ws/voice for a call from the browser), so that they
 * admit exactly the same visitors.
 */
public final class VisitorAccess {

  public static final short CLOSE_UNAUTHORIZED = SocketSession.CLOSE_UNAUTHORIZED;
  public static final short CLOSE_BAD_REQUEST = SocketSession.CLOSE_BAD_REQUEST;
  public static final short CLOSE_FORBIDDEN = SocketSession.CLOSE_FORBIDDEN;

  /** An admitted visitor; {@code expiresAtMillis} is when its credential stops holding. */
  public record Visitor(WidgetSnapshot widget, String sessionId, long expiresAtMillis) {
    public String tenantId() {
      return widget.tenant().id();
    }
  }

  /** Refused: the socket closes with this code and reason. */
  public static final class Refused extends RuntimeException {
    private final short code;

    public Refused(short code, String reason) {
      super(reason, null, false, false);
      this.code = code;
    }

    public short code() {
      return code;
    }
  }

  private final WidgetCache widgets;
  private final VisitorTokens visitorTokens;

  public VisitorAccess(WidgetCache widgets, VisitorTokens visitorTokens) {
    this.widgets = widgets;
    this.visitorTokens = visitorTokens;
  }

  public WidgetCache widgets() {
    return widgets;
  }

  /**
   * The upgrade of a visitor's socket: refused with the JSON error unless it is a WebSocket
   * upgrade this server takes, and — when it names the widget ({@code ?widgetId=}) and comes from
   * a page — with 403 origin_not_allowed before the handshake when the widget does not allow that
   * origin. Otherwise {@code accept} gets the request (on its own context) and the page's origin.
   */
  public void upgrade(io.vertx.core.Vertx vertx, io.vertx.core.http.HttpServerRequest request,
      java.util.function.BiConsumer<io.vertx.core.http.HttpServerRequest, String> accept) {
    com.livechat.error.AppError refused = WebSocketUpgrade.refusal(request);
    if (refused != null) {
      WebSocketUpgrade.refuse(request, refused);
      return;
    }
    String origin = request.getHeader(io.vertx.core.http.HttpHeaders.ORIGIN);
    String named = request.getParam("widgetId");
    if (named == null || origin == null) {
      accept.accept(request, origin);
      return;
    }
    io.vertx.core.Context own = vertx.getOrCreateContext();
    // held until the widget is known: the handshake needs a request that has not been read to its end
    request.pause();
    widgets.get(named).onComplete(ar -> own.runOnContext(v -> {
      if (ar.succeeded() && ar.result() != null && !ar.result().originAllowed(origin)) {
        WebSocketUpgrade.refuse(request, com.livechat.error.AppError.forbidden("origin_not_allowed",
            "This origin may not use this widget."));
      } else {
        // an unknown widget is refused by the auth message, as every other bad credential
        accept.accept(request, origin);
      }
    }));
  }

  /** Checks an auth message's fields; fails with {@link Refused}. */
  public Future<Visitor> admit(Object widgetIdValue, Object tokenValue, Object sessionIdValue, String origin) {
    String widgetId = widgetIdValue instanceof String s ? s : null;
    String token = tokenValue instanceof String s ? s : null;
    String sessionId = sessionIdValue instanceof String s ? s : null;
    if (sessionId == null || !WidgetRoutes.SESSION_ID.matcher(sessionId).matches()) {
      return Future.failedFuture(new Refused(CLOSE_BAD_REQUEST, "invalid sessionId"));
    }
    if (widgetId == null || widgetId.isEmpty() || widgetId.length() > 128) {
      return Future.failedFuture(new Refused(CLOSE_UNAUTHORIZED, "unknown widget"));
    }
    return widgets.get(widgetId).compose(widget -> admit(widget, token, sessionId, origin));
  }

  private Future<Visitor> admit(WidgetSnapshot widget, String token, String sessionId, String origin) {
    if (widget == null) {
      return Future.failedFuture(new Refused(CLOSE_UNAUTHORIZED, "unknown widget"));
    }
    if (!widget.originAllowed(origin)) {
      return Future.failedFuture(new Refused(CLOSE_FORBIDDEN, "origin not allowed"));
    }
    Future<Long> until;
    if (VisitorTokens.isVisitorToken(token)) {
      until = visitorTokens.verify(token).transform(ar -> ar.succeeded()
          && ar.result().tenantId().equals(widget.tenant().id()) && ar.result().sessionId().equals(sessionId)
          ? Future.succeededFuture(ar.result().expiresAtMillis()) : Future.failedFuture(invalidToken()));
    } else {
      long widgetUntil = widgetTokenUntil(widget, token, origin);
      until = widgetUntil == WidgetTokens.NO_MATCH ? Future.failedFuture(invalidToken())
          : Future.succeededFuture(widgetUntil);
    }
    return until.map(expires -> new Visitor(widget, sessionId, expires));
  }

  /**
   * Whether an admitted visitor's credentials still hold: a widget token rotated away (its grace
   * period over), a widget token once the tenant requires visitor tokens, an origin no longer
   * allowed, or an expired visitor token do not.
   */
  public Future<Boolean> stillValid(String widgetId, String token, String origin, long expiresAtMillis) {
    return widgets.get(widgetId).map(widget -> widget != null && widget.originAllowed(origin)
        && (VisitorTokens.isVisitorToken(token) ? expiresAtMillis > System.currentTimeMillis()
            : widgetTokenUntil(widget, token, origin) != WidgetTokens.NO_MATCH));
  }

  private static Refused invalidToken() {
    return new Refused(CLOSE_UNAUTHORIZED, "invalid token");
  }

  /** Until when the widget token holds for this socket; NO_MATCH also for a browser's in secure mode. */
  private static long widgetTokenUntil(WidgetSnapshot widget, String token, String origin) {
    if (widget.tenant().requireVisitorToken() && origin != null) {
      return WidgetTokens.NO_MATCH;
    }
    return WidgetTokens.liveUntil(widget.tenant(), token, Instant.now());
  }
}
