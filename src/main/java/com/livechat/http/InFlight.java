package com.livechat.http;

import com.livechat.error.AppError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's routed HTTP requests in flight (a chat turn, a carrier's webhook, …), shared by the
 * HTTP verticle instances, and the gate a graceful stop closes: from then on every new request is
 * answered 503 {@code shutting_down} (with Retry-After, and the connection closed, so a client's
 * next request goes to another node), while those in flight may finish. WebSocket upgrades are not
 * counted: a socket lives until the stop closes it after the drain.
 */
public final class InFlight {

  public static final AppError SHUTTING_DOWN =
      AppError.unavailable("shutting_down", "The server is shutting down; retry shortly.");

  /** Each request in flight, with the context its response must be written on (strict thread mode). */
  private final Map<RoutingContext, Context> requests = new ConcurrentHashMap<>();
  private final Promise<Void> drained = Promise.promise();
  private volatile boolean closed;

  /**
   * In front of everything else: a request that reaches a stopping node is answered here.
   *
   * @return false when the request was answered 503
   */
  public boolean admit(HttpServerRequest request) {
    if (!closed || isProbe(request)) {
      return true;
    }
    shuttingDown(request.response());
    return false;
  }

  /** The router's first handler: the request counts until its response ends or its connection closes. */
  public void track(RoutingContext ctx) {
    if (isUpgrade(ctx.request())) {
      ctx.next();
      return;
    }
    requests.put(ctx, Vertx.currentContext());
    // a stop that began meanwhile saw this request (then it waits for it) or this sees the stop
    if (closed && !isProbe(ctx.request())) {
      finished(ctx);
      shuttingDown(ctx.response());
      return;
    }
    ctx.addEndHandler(ar -> finished(ctx));
    ctx.next();
  }

  /** /ready keeps saying why (stopping), /health and /metrics keep answering, to the end. */
  private static boolean isProbe(HttpServerRequest request) {
    String path = request.path();
    return path.equals("/ready") || path.equals("/health") || path.equals("/metrics");
  }

  private static boolean isUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  private void finished(RoutingContext ctx) {
    requests.remove(ctx);
    if (closed && requests.isEmpty()) {
      drained.tryComplete();
    }
  }

  /** Closes the gate; the future completes once no request is in flight any more. */
  public Future<Void> close() {
    closed = true;
    if (requests.isEmpty()) {
      drained.tryComplete();
    }
    return drained.future();
  }

  public int size() {
    return requests.size();
  }

  /**
   * Answers every request still in flight 503 {@code shutting_down}: a stream of Server-Sent
   * Events already under way gets it as its last event ({@code event: error}), any other answer
   * already begun is cut; whatever its handler does later finds the response ended.
   *
   * @return how many there were; the future completes once each was answered
   */
  public Future<Integer> cut() {
    List<Future<Void>> answered = new ArrayList<>();
    requests.forEach((ctx, context) -> {
      Promise<Void> done = Promise.promise();
      answered.add(done.future());
      Runnable answer = () -> {
        HttpServerResponse response = ctx.response();
        if (!response.ended() && !response.closed()) {
          if (isEventStream(response)) {
            // a stream under way ends as a failing turn's does: its last event an error
            response.end(Buffer.buffer("event: error\ndata: " + ErrorMapper.body(SHUTTING_DOWN).encode() + "\n\n"));
          } else if (response.headWritten()) {
            response.reset();
          } else {
            shuttingDown(response);
          }
        }
        done.complete();
      };
      if (context == null) {
        answer.run();
      } else {
        context.runOnContext(v -> answer.run());
      }
    });
    return Future.join(answered).map(answered.size());
  }

  private static boolean isEventStream(HttpServerResponse response) {
    String type = response.headers().get(HttpHeaders.CONTENT_TYPE);
    return response.headWritten() && type != null && type.startsWith("text/event-stream");
  }

  private static void shuttingDown(HttpServerResponse response) {
    response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    ErrorMapper.respond(response, SHUTTING_DOWN);
  }
}
