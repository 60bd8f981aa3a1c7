package com.livechat.admin;

import com.livechat.account.AccountStore;
import com.livechat.account.Accounts;
import com.livechat.account.Credentials;
import com.livechat.auth.OperatorKey;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.ErrorMapper;
import com.livechat.http.Paging;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.store.Ids;
import com.livechat.usage.Plans;
import com.livechat.usage.UsageStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;

/**
 * The operator endpoints of shared/API.md (/api/admin/…), for the people who run the service. They
 * exist only when an operator key is configured (LIVECHAT_ADMIN_KEY); otherwise every path under
 * /api/admin answers 404, as if there were nothing there.
 */
public final class AdminRoutes implements RouteGroup {

  private final UsageStore usage;
  private final Accounts accounts;
  private final BodyHandler body;
  private final OperatorKey key;

  public AdminRoutes(OperatorKey key, UsageStore usage, Accounts accounts, BodyHandler body) {
    this.usage = usage;
    this.accounts = accounts;
    this.body = body;
    this.key = key;
  }

  @Override
  public void mount(Router router) {
    router.route("/api/admin/*").handler(this::authenticate);
    router.post("/api/admin/tenants").handler(body).handler(Responses::noStore)
        .handler(ctx -> Responses.reply(ctx, 201, this::createTenant));
    router.get("/api/admin/tenants").handler(ctx -> Responses.reply(ctx, 200, this::listTenants));
    router.get("/api/admin/tenants/:tenantId/limits").handler(ctx -> Responses.reply(ctx, 200, this::getLimits));
    router.put("/api/admin/tenants/:tenantId/limits").handler(body)
        .handler(ctx -> Responses.reply(ctx, 200, this::setLimits));
  }

  private void authenticate(RoutingContext ctx) {
    AppError refused = key.check(ctx.request());
    if (refused != null) {
      ErrorMapper.respond(ctx.response(), refused);
      return;
    }
    ctx.next();
  }

  /**
   * A tenant made by the operator (sign-up may be closed): the same rules and rows as sign-up, on
   * the plan asked for. The answer is sign-up's without a JWT: the operator hands the owner their
   * email and password, and the tenant's widget token, shown only here.
   */
  private Future<JsonObject> createTenant(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    Bodies.onlyFields(body, List.of("companyName", "email", "password", "plan"));
    String email = Credentials.email(body);
    String password = Credentials.password(body);
    String company = Bodies.requiredText(body, "companyName", 1, Accounts.COMPANY_MAX);
    Object plan = body.getValue("plan");
    if (plan != null && !(plan instanceof String p && usage.plans().has(p))) {
      throw AppError.invalid("unknown_plan", "plan must be one of " + usage.plans().plans().fieldNames() + ".");
    }
    String chosen = plan != null ? (String) plan : usage.plans().defaultPlan();
    return accounts.createTenant(email, password, company, chosen).map(created -> new JsonObject()
        .put("user", created.user())
        .put("tenant", created.tenant().put("name", company).put("plan", chosen)));
  }

  /** Every tenant, oldest first, paged as the other lists are. */
  private Future<JsonObject> listTenants(RoutingContext ctx) {
    int limit = Paging.limit(ctx);
    return accounts.tenants(Paging.after(ctx), limit + 1)
        .map(rows -> Paging.page(rows, limit, AccountStore.TenantSummary::toJson,
            AccountStore.TenantSummary::position));
  }

  private Future<JsonObject> getLimits(RoutingContext ctx) {
    String tenantId = tenantId(ctx);
    return usage.limits(tenantId).compose(limits -> found(tenantId, limits));
  }

  /**
   * {"plan"} moves the tenant to a plan and clears its override; {"limits"} replaces the override
   * (keys left out follow the plan; {} clears it); both do both.
   */
  private Future<JsonObject> setLimits(RoutingContext ctx) {
    String tenantId = tenantId(ctx);
    JsonObject body = Bodies.object(ctx);
    Bodies.onlyFields(body, List.of("plan", "limits"));
    Object plan = body.getValue("plan");
    Object limits = body.getValue("limits");
    if (plan == null && limits == null) {
      throw AppError.invalid("invalid_request", "Send a plan, limits, or both.");
    }
    if (plan != null && !(plan instanceof String p && usage.plans().has(p))) {
      throw AppError.invalid("unknown_plan", "plan must be one of " + usage.plans().plans().fieldNames() + ".");
    }
    JsonObject overrides = null;
    if (limits != null) {
      if (!(limits instanceof JsonObject given)) {
        throw AppError.invalid("invalid_limits", "limits must be an object.");
      }
      try {
        Plans.validateLimits(given, "limits");
      } catch (IllegalArgumentException e) {
        throw AppError.invalid("invalid_limits", e.getMessage() + ".");
      }
      overrides = new JsonObject();
      for (Map.Entry<String, Object> e : given) {
        overrides.put(e.getKey(), e.getValue() == null ? null : ((Number) e.getValue()).longValue());
      }
    } else {
      overrides = new JsonObject();
    }
    return usage.setLimits(tenantId, (String) plan, overrides).compose(set -> found(tenantId, set));
  }

  private static Future<JsonObject> found(String tenantId, UsageStore.Limits limits) {
    if (limits == null) {
      return Future.failedFuture(AppError.notFound("tenant_not_found", "No tenant has this id."));
    }
    return Future.succeededFuture(new JsonObject()
        .put("tenantId", tenantId)
        .put("plan", limits.plan())
        .put("limits", limits.effective())
        .put("overrides", limits.overrides()));
  }

  private static String tenantId(RoutingContext ctx) {
    String id = ctx.pathParam("tenantId");
    if (!Ids.plausible(id)) {
      throw AppError.notFound("tenant_not_found", "No tenant has this id.");
    }
    return id;
  }
}
