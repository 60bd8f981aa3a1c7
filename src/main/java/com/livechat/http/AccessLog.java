package com.livechat.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the {@code livechat.access} logger, written when the response has ended:
 * method, path (the values of secret-looking query parameters replaced by {@code ***}), status,
 * duration, bytes sent, request id. A WebSocket upgrade gets one line: 101 when the route accepted
 * it (it calls {@link #upgraded}), or the status of its refusal.
 * logback.xml hands the logger to an AsyncAppender, so the event loop never writes to stdout.
 *
 * <p>The line hangs on the response's body-end handler, written once the last byte went out: the
 * end handler is vertx-web's ({@code ctx.addEndHandler}, which {@link InFlight} uses, takes it
 * over), and nothing here uses {@code ctx.addBodyEndHandler}. A connection closed before its
 * answer gets no line.
 */
public final class AccessLog {

  public static final String LOGGER = "livechat.access";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
  /** Query parameters whose values never reach a log: widget tokens, keys, signatures, … */
  private static final Pattern SECRET_PARAM =
      Pattern.compile(".*(token|key|password|passwd|secret|signature|sig|auth|credential|code).*");

  /** An upgrade request's line, waiting for the socket's acceptance or refusal; no reference to the response. */
  private record Pending(String method, String uri, String requestId, long start) {}

  /**
   * Upgrade requests between their arrival and their socket's acceptance or refusal, by response (the
   * router hands routes a wrapper of the request, but the same response). Weak keys: an upgrade that
   * neither ends its response nor reports its acceptance (a route that does not call {@link
   * #upgraded}, a connection gone mid-handshake) leaves nothing behind once its response is gone.
   */
  private static final Map<HttpServerResponse, Pending> UPGRADES = Collections.synchronizedMap(new WeakHashMap<>());

  private AccessLog() {}

  /** Logs {@code request} once its response ends (a WebSocket: once it is upgraded, {@link #upgraded}). */
  public static void watch(HttpServerRequest request, String requestId) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    long start = System.nanoTime();
    HttpServerResponse response = request.response();
    if (!request.canUpgradeToWebSocket()) {
      response.bodyEndHandler(v -> write(request.method().name(), request.uri(), response.getStatusCode(),
          response.bytesWritten(), requestId, start));
      return;
    }
    // an accepted upgrade never ends its response: its line waits for upgraded(); a refused one ends it
    UPGRADES.put(response, new Pending(request.method().name(), request.uri(), requestId, start));
    response.bodyEndHandler(v -> finish(response, response.getStatusCode()));
  }

  /** The access line of an upgrade request whose WebSocket was accepted (status 101). */
  public static void upgraded(HttpServerRequest request) {
    finish(request.response(), 101);
  }

  private static void finish(HttpServerResponse response, int status) {
    Pending pending = UPGRADES.remove(response);
    if (pending != null) {
      write(pending.method(), pending.uri(), status, response.bytesWritten(), pending.requestId(), pending.start());
    }
  }

  private static void write(String method, String uri, int status, long bytes, String requestId, long start) {
    long millis = (System.nanoTime() - start) / 1_000_000;
    String path = loggable(uri);
    LOG.atInfo()
        .addKeyValue("method", method)
        .addKeyValue("path", path)
        .addKeyValue("status", status)
        .addKeyValue("durationMs", millis)
        .addKeyValue("bytes", bytes)
        .addKeyValue(RequestIds.MDC_KEY, requestId)
        .log("{} {} {} {}ms {}B {}", method, path, status, millis, bytes, requestId);
  }

  /** The URI with the value of every secret-looking query parameter replaced by {@code ***}. */
  public static String loggable(String uri) {
    int query = uri.indexOf('?');
    if (query < 0) {
      return uri;
    }
    StringBuilder out = new StringBuilder(uri.length()).append(uri, 0, query + 1);
    String[] params = uri.substring(query + 1).split("&", -1);
    for (int i = 0; i < params.length; i++) {
      if (i > 0) {
        out.append('&');
      }
      String param = params[i];
      int eq = param.indexOf('=');
      String name = eq < 0 ? param : param.substring(0, eq);
      if (eq >= 0 && SECRET_PARAM.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
        out.append(name).append("=***");
      } else {
        out.append(param);
      }
    }
    return out.toString();
  }
}
