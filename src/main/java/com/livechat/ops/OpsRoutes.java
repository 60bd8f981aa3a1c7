package com.livechat.ops;

import com.livechat.error.AppError;
import com.livechat.http.ErrorMapper;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** GET /health (process alive), GET /ready (database and cluster reachable, else 503), GET /metrics. */
public final class OpsRoutes implements RouteGroup {

  private final Readiness readiness;
  private final Metrics metrics;

  public OpsRoutes(Readiness readiness, Metrics metrics) {
    this.readiness = readiness;
    this.metrics = metrics;
  }

  @Override
  public void mount(Router router) {
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
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
