package com.livechat.ops;

import com.livechat.config.AppConfig;
import com.livechat.http.ErrorMapper;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * GET /metrics on a listener of its own (metrics.access = port), without authentication: its
 * address (metrics.host, 127.0.0.1 by default) is what keeps it private. Anything else there is 404.
 */
public final class MetricsVerticle extends VerticleBase {

  private final AppConfig.MetricsEndpoint endpoint;
  private final Metrics metrics;
  private final AtomicInteger actualPort;

  /** @param actualPort receives the bound port (useful when metrics.port is 0) */
  public MetricsVerticle(AppConfig.MetricsEndpoint endpoint, Metrics metrics, AtomicInteger actualPort) {
    this.endpoint = endpoint;
    this.metrics = metrics;
    this.actualPort = actualPort;
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
        .requestHandler(request -> {
          if (request.method() == HttpMethod.GET && request.path().equals("/metrics")) {
            OpsRoutes.scrape(metrics, request.response());
          } else {
            ErrorMapper.respond(request.response(), ErrorMapper.forStatus(404));
          }
        })
        .listen(endpoint.port(), endpoint.host())
        .recover(err -> Future.failedFuture(new IllegalStateException("metrics.host/metrics.port "
            + endpoint.host() + ":" + endpoint.port() + ": cannot listen: " + err.getMessage(), err)))
        .onSuccess(server -> actualPort.set(server.actualPort()));
  }
}
