package com.livechat.http;

import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.ops.StartupFailure;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** Routes every HTTP request; one instance per core, all sharing the listening port. */
public final class HttpVerticle extends VerticleBase {

  private static final CharSequence NOSNIFF_HEADER = io.vertx.core.http.HttpHeaders.createOptimized(
      "X-Content-Type-Options");
  private static final CharSequence NOSNIFF = io.vertx.core.http.HttpHeaders.createOptimized("nosniff");

  private final AppConfig.Http http;
  private final boolean accessLog;
  private final Function<BodyHandler, List<RouteGroup>> routeGroups;
  private final AtomicInteger actualPort;
  private final InFlight inFlight;

  /**
   * @param routeGroups builds this instance's route groups, in the order the router tries them
   *     (the widget routes first: they take nearly all the traffic)
   * @param actualPort receives the bound port (useful when the configured port is 0)
   * @param inFlight the node's requests in flight, and the gate a graceful stop closes
   */
  public HttpVerticle(AppConfig.Http http, AppConfig.Log log, Function<BodyHandler, List<RouteGroup>> routeGroups,
      AtomicInteger actualPort, InFlight inFlight) {
    this.http = http;
    this.accessLog = log.access();
    this.routeGroups = routeGroups;
    this.actualPort = actualPort;
    this.inFlight = inFlight;
  }

  /**
   * A request the HTTP codec could not read: 414 for a request line over the limit, 431 for
   * headers over it, else 400; in the JSON error shape, and the connection closed after it (what
   * follows on it cannot be trusted).
   */
  private void invalidRequest(io.vertx.core.http.HttpServerRequest request) {
    identify(request);
    Throwable cause = request.decoderResult().cause();
    AppError error;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      error = AppError.of(AppError.Kind.URI_TOO_LONG, "uri_too_long", "The request line is too long.");
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      error = AppError.of(AppError.Kind.HEADERS_TOO_LARGE, "headers_too_large", "The request headers are too large.");
    } else {
      error = AppError.invalid("bad_request", "The request is malformed.");
    }
    // Connection: close makes the server close the connection once the answer is out
    request.response().putHeader(NOSNIFF_HEADER, NOSNIFF).putHeader("Connection", "close");
    ErrorMapper.respond(request.response(), error);
  }

  /** The request's id on its response, and its access-log line once it ends. */
  private void identify(io.vertx.core.http.HttpServerRequest request) {
    String requestId = RequestIds.assign(request);
    if (accessLog) {
      AccessLog.watch(request, requestId);
    }
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(inFlight::track);
    List<RouteGroup> groups = routeGroups.apply(BodyHandler.create(false).setBodyLimit(http.bodyLimitBytes()));
    groups.forEach(group -> group.mount(router));
    List<DirectRoute> direct = groups.stream()
        .filter(DirectRoute.class::isInstance).map(DirectRoute.class::cast).toList();

    router.route().failureHandler(ctx -> ErrorMapper.respond(ctx.response(), ctx.failure() != null
        ? ErrorMapper.classify(ctx.response(), ctx.failure()) : ErrorMapper.forStatus(ctx.statusCode())));
    for (int status : new int[] {404, 405, 413, 500}) {
      router.errorHandler(status, ctx -> ErrorMapper.respond(ctx.response(), ctx.failure() != null
          ? ErrorMapper.classify(ctx.response(), ctx.failure()) : ErrorMapper.forStatus(status)));
    }

    return vertx.createHttpServer(new HttpServerOptions()
            .setHost(http.host())
            .setPort(http.port())
            .setTcpNoDelay(true)
            .setIdleTimeout(120)
            // every write to a connection happens on its own event loop (responses, and socket pushes
            // hopped onto the socket's context), so the cross-thread write queue each connection would
            // otherwise carry (about 4.7 KB per idle dashboard socket) is not needed
            .setStrictThreadMode(true)
            // HTTP/1.1 only: with cleartext HTTP/2 on, a request with "Upgrade: h2c" and a bad
            // HTTP2-Settings header got the codec's bare 400, outside the JSON error shape
            .setHttp2ClearTextEnabled(false))
        .requestHandler(request -> {
          identify(request);
          // no answer is ever sniffed into another type than the one it says
          request.response().putHeader(NOSNIFF_HEADER, NOSNIFF);
          if (!inFlight.admit(request)) {
            return;
          }
          AppError badUri = RequestUris.check(request.uri());
          if (badUri != null) {
            ErrorMapper.respond(request.response(), badUri);
            return;
          }
          for (DirectRoute route : direct) {
            if (route.serveDirectly(request)) {
              return;
            }
          }
          router.handle(request);
        })
        // a request line or headers the HTTP codec refused (too long, malformed): the one error shape
        .invalidRequestHandler(this::invalidRequest)
        .listen()
        .onSuccess(server -> actualPort.set(server.actualPort()))
        .recover(err -> Future.failedFuture(new StartupFailure("the HTTP server cannot listen on " + http.host()
            + ":" + http.port() + " (http.host, http.port / LIVECHAT_HTTP_PORT): " + StartupFailure.rootMessage(err),
            err)));
  }
}
