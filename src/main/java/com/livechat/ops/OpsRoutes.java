package com.livechat.ops;

import com.livechat.auth.OperatorKey;
import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.http.ErrorMapper;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;

/**
 * GET /health (process alive), GET /ready (database and cluster reachable, else 503), and GET
 * /metrics on the HTTP port as metrics.access says: with the operator key, to anyone, or not at all
 * (it has its own listener, {@link MetricsVerticle}).
 */
public final class OpsRoutes implements RouteGroup {

  private final Readiness readiness;
  private final Metrics metrics;
  private final AppConfig.MetricsEndpoint endpoint;
  private final OperatorKey operatorKey;

  public OpsRoutes(Readiness readiness, Metrics metrics, AppConfig.MetricsEndpoint endpoint, OperatorKey operatorKey) {
    this.readiness = readiness;
    this.metrics = metrics;
    this.endpoint = endpoint;
    this.operatorKey = operatorKey;
  }

  /** The Prometheus text of the node's meters. */
  static void scrape(Metrics metrics, HttpServerResponse response) {
    response.putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
  }

  @Override
  public void mount(Router router) {
    switch (endpoint.access()) {
      case "public" -> router.get("/metrics").handler(ctx -> scrape(metrics, ctx.response()));
      case "key" -> router.get("/metrics").handler(ctx -> {
        AppError refused = operatorKey.check(ctx.request());
        if (refused != null) {
          ErrorMapper.respond(ctx.response(), refused);
        } else {
          scrape(metrics, ctx.response());
        }
      });
      default -> {
        // "port": only MetricsVerticle's listener answers it
      }
    }
    router.get("/health").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "ok")));
    router.get("/ready").handler(ctx -> readiness.check().onComplete(ar -> {
      String problem = ar.succeeded() ? ar.result() : "check failed";
      if (problem == null) {
        Responses.json(ctx, 200, new JsonObject().put("status", "ready"));
      } else {
        ErrorMapper.respond(ctx.response(), AppError.unavailable("not_ready", "Not ready: " + problem + "."));
      }
    }));
  }
}
