package com.livechat.http;

import com.livechat.Services;
import com.livechat.account.AccountRoutes;
import com.livechat.admin.AdminRoutes;
import com.livechat.dashboard.DashboardRoutes;
import com.livechat.ops.OpsRoutes;
import com.livechat.realtime.TenantSocketHandler;
import com.livechat.widget.TrackWriter;
import com.livechat.widget.WidgetRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.atomic.AtomicInteger;

/** Routes every HTTP request; one instance per core, all sharing the listening port. */
public final class HttpVerticle extends VerticleBase {

  private final Services services;
  private final AtomicInteger actualPort;

  /** @param actualPort receives the bound port (useful when the configured port is 0) */
  public HttpVerticle(Services services, AtomicInteger actualPort) {
    this.services = services;
    this.actualPort = actualPort;
  }

  @Override
  public Future<?> start() {
    var http = services.config().http();
    Router router = Router.router(vertx);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(http.bodyLimitBytes());
    var track = services.config().track();

    // the router tries routes in the order they were added: the widget routes take nearly all the
    // traffic (every page view and event of every tenant's site), so they come first
    WidgetRoutes widgets = new WidgetRoutes(vertx, services, new TrackWriter(services.tracking(), services.metrics(),
        track.maxBatch(), track.maxInFlightBatches()));
    widgets.mount(router, body);
    new OpsRoutes(services.readiness(), services.metrics()).mount(router);
    new AccountRoutes(vertx, services).mount(router, body);
    new DashboardRoutes(vertx, services).mount(router, body);
    new AdminRoutes(services).mount(router, body);
    new TenantSocketHandler(vertx, services).mount(router);

    router.route().failureHandler(ctx -> ErrorMapper.respond(ctx.response(), ctx.failure() != null
        ? ErrorMapper.toApiError(ctx.failure()) : ErrorMapper.forStatus(ctx.statusCode())));
    for (int status : new int[] {404, 405, 413, 500}) {
      router.errorHandler(status, ctx -> ErrorMapper.respond(ctx.response(), ctx.failure() != null
          ? ErrorMapper.toApiError(ctx.failure()) : ErrorMapper.forStatus(status)));
    }

    return vertx.createHttpServer(new HttpServerOptions()
            .setHost(http.host())
            .setPort(http.port())
            .setTcpNoDelay(true)
            .setIdleTimeout(120)
            // every write to a connection happens on its own event loop (responses, and socket pushes
            // hopped onto the socket's context), so the cross-thread write queue each connection would
            // otherwise carry (about 4.7 KB per idle dashboard socket) is not needed
            .setStrictThreadMode(true))
        .requestHandler(request -> {
          if (!widgets.serveConfigDirectly(request)) {
            router.handle(request);
          }
        })
        .listen()
        .onSuccess(server -> actualPort.set(server.actualPort()));
  }
}
