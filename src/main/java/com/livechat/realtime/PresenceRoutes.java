package com.livechat.realtime;

import com.livechat.auth.DashboardAuth;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** GET /api/agents/online: whether someone of the caller's tenant has the dashboard open, on any node. */
public final class PresenceRoutes implements RouteGroup {

  private final AgentPresence presence;
  private final DashboardAuth auth;

  public PresenceRoutes(AgentPresence presence, DashboardAuth auth) {
    this.presence = presence;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/agents/online").handler(auth).handler(ctx -> Responses.reply(ctx, 200, c -> {
      int dashboards = presence.online(DashboardAuth.principal(c).tenantId());
      return Future.succeededFuture(new JsonObject().put("online", dashboards > 0).put("dashboards", dashboards));
    }));
  }
}
