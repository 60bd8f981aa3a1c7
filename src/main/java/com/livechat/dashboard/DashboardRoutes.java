package com.livechat.dashboard;

import com.livechat.Services;
import com.livechat.auth.DashboardAuth;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/** shared/API.md Part 2: every route here needs a dashboard JWT (see {@link DashboardAuth}). */
public final class DashboardRoutes {

  private final Vertx vertx;
  private final Services services;

  public DashboardRoutes(Vertx vertx, Services services) {
    this.vertx = vertx;
    this.services = services;
  }

  public void mount(Router router, BodyHandler body) {
    DashboardAuth auth = new DashboardAuth(services.jwt());
    new ConversationRoutes(vertx, services).mount(router, body, auth);
    new AnalyticsRoutes(services).mount(router, auth);
    // team, tenant and assistants
    new TeamRoutes(vertx, services).mount(router, body, auth);
    new TenantRoutes(vertx, services).mount(router, body, auth);
    new AssistantRoutes(vertx, services).mount(router, body, auth);
    new KnowledgeRoutes(services).mount(router, body, auth);
  }
}
