package com.livechat.auth;

import com.livechat.http.ErrorMapper;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** Guards every dashboard route: a valid JWT or 401; the principal is then in the context. */
public final class DashboardAuth implements Handler<RoutingContext> {

  private static final String KEY = "principal";

  private final JwtService jwt;

  public DashboardAuth(JwtService jwt) {
    this.jwt = jwt;
  }

  public static Principal principal(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  @Override
  public void handle(RoutingContext ctx) {
    jwt.verify(Bearer.token(ctx.request())).onComplete(ar -> {
      if (ar.failed()) {
        ErrorMapper.respond(ctx, ar.cause());
        return;
      }
      ctx.put(KEY, ar.result());
      ctx.next();
    });
  }
}
