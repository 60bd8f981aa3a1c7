package com.livechat.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/** Writing success bodies, and running a handler whose outcome is a future. */
public final class Responses {

  public static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");

  /**
   * A route handler for answers that carry a token or a secret (sign-up, login, a rotation, a new
   * webhook's secret, a visitor token): {@code Cache-Control: no-store}, so that no cache, proxy
   * or browser history keeps them.
   */
  public static void noStore(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, NO_STORE);
    ctx.next();
  }

  private Responses() {}

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
        .end(Buffer.buffer(new JsonObject().put("success", true).mergeIn(body).encode()));
  }

  /** Runs {@code action}; a success is written with {@code status}, a failure through ErrorMapper. */
  public static Future<JsonObject> reply(RoutingContext ctx, int status, Function<RoutingContext, Future<JsonObject>> action) {
    Future<JsonObject> result;
    try {
      result = action.apply(ctx);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    // a future completed on another event loop (a cache filled there, a shared client) must not
    // write from there: the server runs in strict thread mode, and the write would be refused
    Context own = Vertx.currentContext();
    return result.onComplete(ar -> {
      if (own == null || Vertx.currentContext() == own) {
        write(ctx, status, ar);
      } else {
        own.runOnContext(v -> write(ctx, status, ar));
      }
    });
  }

  private static void write(RoutingContext ctx, int status, io.vertx.core.AsyncResult<JsonObject> ar) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return; // a stopping node answered 503 when the drain ran out, or the client left
    }
    if (ar.succeeded()) {
      json(ctx, status, ar.result());
    } else {
      ErrorMapper.respond(ctx, ar.cause());
    }
  }
}
