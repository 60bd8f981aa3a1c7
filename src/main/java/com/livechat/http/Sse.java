package com.livechat.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * A Server-Sent Events response (text/event-stream), used on the response's own event loop. Its
 * status and headers go out with the first event, so that a request failing before that still gets
 * the ordinary JSON error with its status. Proxies are asked not to buffer it ({@code
 * X-Accel-Buffering: no}, no caching), and a comment line every {@link #HEARTBEAT_MS} keeps idle
 * connections from being cut. Each event is {@code event: <name>\ndata: <one line of JSON>\n\n}.
 */
public final class Sse {

  public static final long HEARTBEAT_MS = 15_000;
  private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream; charset=utf-8");
  private static final Buffer HEARTBEAT = Buffer.buffer(": keep-alive\n\n");

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final long heartbeatMs;
  private boolean started;
  private boolean ended;
  private long heartbeat = -1;

  public Sse(Vertx vertx, HttpServerResponse response) {
    this(vertx, response, HEARTBEAT_MS);
  }

  Sse(Vertx vertx, HttpServerResponse response, long heartbeatMs) {
    this.vertx = vertx;
    this.response = response;
    this.heartbeatMs = heartbeatMs;
  }

  /** Whether an event has gone out (and with it the 200 and the headers). */
  public boolean started() {
    return started;
  }

  public boolean ended() {
    return ended || response.closed() || response.ended();
  }

  /** Writes one event; its data is JSON, which never contains a raw line break. */
  public void event(String name, JsonObject data) {
    if (ended()) {
      return;
    }
    if (!started) {
      started = true;
      response.setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, EVENT_STREAM)
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .putHeader("X-Accel-Buffering", "no");
      heartbeat = vertx.setPeriodic(heartbeatMs, id -> {
        if (ended()) {
          vertx.cancelTimer(id);
        } else {
          response.write(HEARTBEAT);
        }
      });
    }
    response.write(Buffer.buffer("event: " + name + "\ndata: " + data.encode() + "\n\n"));
  }

  /** Writes the last event and ends the response. */
  public void end(String name, JsonObject data) {
    event(name, data);
    ended = true;
    if (heartbeat != -1) {
      vertx.cancelTimer(heartbeat);
    }
    if (!response.ended() && !response.closed()) {
      response.end();
    }
  }
}
