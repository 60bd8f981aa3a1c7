package com.livechat.dashboard;

import com.livechat.Services;
import com.livechat.account.Credentials;
import com.livechat.auth.DashboardAuth;
import com.livechat.auth.Principal;
import com.livechat.http.ApiError;
import com.livechat.http.Bodies;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.store.Ids;
import com.livechat.store.UserStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Set;

/** GET and POST /api/users: a tenant's team, managed by its owners and admins. */
public final class TeamRoutes {

  private static final Set<String> ROLES = Set.of("owner", "admin", "agent");

  private final Services services;
  private final UserStore store;

  public TeamRoutes(Vertx vertx, Services services) {
    this.services = services;
    this.store = services.users();
  }

  public void mount(Router router, BodyHandler body, DashboardAuth auth) {
    router.get("/api/users").handler(auth).handler(ctx -> Responses.reply(ctx, 200, this::list));
    router.post("/api/users").handler(body).handler(auth).handler(ctx -> Responses.reply(ctx, 201, this::create));
  }

  /** Oldest first. */
  private Future<JsonObject> list(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    int limit = Paging.limit(ctx);
    Keyset after = Keyset.after(ctx);
    return store.list(principal.tenantId(), after == null ? null : after.createdAt(), after == null ? null : after.id(),
            limit + 1)
        .map(rows -> Keyset.page(rows, limit, UserStore.Member::toJson, m -> new Keyset(m.createdAt(), m.id())));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    Principal principal = DashboardAuth.principal(ctx);
    principal.requireManager();
    JsonObject body = Bodies.object(ctx);
    String email = Credentials.email(body);
    String password = Credentials.password(body);
    if (!(body.getValue("role") instanceof String role) || !ROLES.contains(role)) {
      throw ApiError.invalid("invalid_role", "role must be one of admin, agent (or owner, for owners).");
    }
    if (role.equals("owner") && !principal.role().equals("owner")) {
      throw ApiError.forbidden("forbidden", "Only an owner may add another owner.");
    }
    return services.passwords().hash(password)
        .compose(hash -> store.create(principal.tenantId(), Ids.next("usr"), email, hash, role))
        .recover(Credentials::emailTaken)
        .map(member -> new JsonObject().put("user", member.toJson()));
  }
}
