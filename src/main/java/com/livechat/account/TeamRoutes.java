package com.livechat.account;

import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.store.Keyset;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Set;

/** GET and POST /api/users: a tenant's team, managed by its owners and admins. */
public final class TeamRoutes implements RouteGroup {

  private static final Set<String> ROLES = Set.of("owner", "admin", "agent");

  private final Accounts accounts;
  private final BodyHandler body;
  private final DashboardAuth auth;

  public TeamRoutes(Accounts accounts, BodyHandler body, DashboardAuth auth) {
    this.accounts = accounts;
    this.body = body;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/users").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.post("/api/users").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 201, this::create));
  }

  /** Oldest first. */
  private Future<JsonObject> list(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    int limit = Paging.limit(ctx);
    return accounts.members(principal.tenantId(), Paging.after(ctx), limit + 1)
        .map(rows -> Paging.page(rows, limit, UserStore.Member::toJson, m -> new Keyset(m.createdAt(), m.id())));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    JsonObject body = Bodies.object(ctx);
    String email = Credentials.email(body);
    String password = Credentials.password(body);
    if (!(body.getValue("role") instanceof String role) || !ROLES.contains(role)) {
      throw AppError.invalid("invalid_role", "role must be one of admin, agent (or owner, for owners).");
    }
    if (role.equals("owner") && !principal.role().equals("owner")) {
      throw AppError.forbidden("forbidden", "Only an owner may add another owner.");
    }
    return accounts.addMember(principal.tenantId(), email, password, role)
        .map(member -> new JsonObject().put("user", member.toJson()));
  }
}
