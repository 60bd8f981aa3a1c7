package com.livechat.account;

import com.livechat.Services;
import com.livechat.auth.WidgetTokens;
import com.livechat.bus.Addresses;
import com.livechat.http.ApiError;
import com.livechat.http.Bodies;
import com.livechat.http.Responses;
import com.livechat.ratelimit.RateLimiters;
import com.livechat.ratelimit.RateLimiters.Limit;
import com.livechat.store.AccountStore;
import com.livechat.store.Assistant;
import com.livechat.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Locale;

/** Sign-up and login (shared/API.md Part 2, Accounts). */
public final class AccountRoutes {

  static final int COMPANY_MAX = 100;

  private final Vertx vertx;
  private final Services services;

  public AccountRoutes(Vertx vertx, Services services) {
    this.vertx = vertx;
    this.services = services;
  }

  public void mount(Router router, BodyHandler body) {
    router.post("/api/auth/signup").handler(body).handler(ctx -> Responses.reply(ctx, 201, this::signup));
    router.post("/api/auth/login").handler(body).handler(ctx -> Responses.reply(ctx, 200, this::login));
  }

  private Future<JsonObject> signup(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String email = Credentials.email(body);
    String password = Credentials.password(body);
    String company = Bodies.requiredText(body, "companyName", 1, COMPANY_MAX);
    String tenantId = Ids.next("tnt");
    String userId = Ids.next("usr");
    String widgetToken = WidgetTokens.generate();
    Assistant assistant = defaultAssistant(tenantId, company);
    // after validation (a 400 costs nothing), before the deliberately slow hash
    services.rateLimits().take(Limit.SIGNUP_IP, services.rateLimits().clientKey(ctx.request()));
    return services.passwords().hash(password)
        .compose(hash -> services.accounts().createTenant(new AccountStore.NewTenant(tenantId, company,
            defaultWidgetConfig(company, assistant.id()), assistant, userId, email, hash,
            WidgetTokens.hash(widgetToken), services.config().plans().defaultPlan())))
        .recover(Credentials::emailTaken)
        .map(v -> {
          vertx.eventBus().publish(Addresses.TENANT_CHANGED, new JsonObject().put("tenantId", tenantId));
          return new JsonObject()
              .put("token", services.jwt().issue(userId, tenantId, "owner"))
              .put("user", new JsonObject().put("id", userId).put("email", email).put("role", "owner"))
              .put("tenant", new JsonObject().put("id", tenantId).put("widgetToken", widgetToken));
        });
  }

  private Future<JsonObject> login(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    Object rawEmail = body.getValue("email");
    Object rawPassword = body.getValue("password");
    if (!(rawEmail instanceof String e) || !(rawPassword instanceof String p)) {
      throw ApiError.invalid("invalid_request", "email and password are required strings.");
    }
    String email = e.strip().toLowerCase(Locale.ROOT);
    ApiError denied = ApiError.unauthorized("invalid_credentials", "Wrong email or password.");
    RateLimiters limits = services.rateLimits();
    limits.take(Limit.LOGIN_IP, limits.clientKey(ctx.request()));
    if (email.length() > Credentials.EMAIL_MAX || p.length() > Credentials.PASSWORD_MAX) {
      return Future.failedFuture(denied);
    }
    // every attempt is charged to the email before the password is checked (so a locked-out guesser
    // learns nothing, however many requests it sends at once), and a success gives the token back:
    // only failures count, for existing and unknown emails alike
    limits.take(Limit.LOGIN_EMAIL, email);
    return services.accounts().findUserByEmail(email)
        .compose(user -> services.passwords().verify(p, user == null ? null : user.passwordHash())
            .compose(ok -> ok ? Future.succeededFuture(new JsonObject()
                .put("token", services.jwt().issue(user.id(), user.tenantId(), user.role()))
                .put("user", user.toJson())
                .put("tenantId", user.tenantId())) : Future.failedFuture(denied)))
        .onSuccess(v -> limits.refund(Limit.LOGIN_EMAIL, email));
  }

  static Assistant defaultAssistant(String tenantId, String company) {
    return new Assistant(Ids.next("asst"), tenantId, company + " Assistant",
        "You are the friendly assistant of " + company + ". Answer visitors' questions briefly and politely. "
            + "When you cannot help, offer to connect the visitor with the " + company + " team.",
        "", "Hi! Welcome to " + company + ". How can I help you today?", 0.7, 512, List.of(),
        new JsonObject().put("requiredFields", new JsonArray().add("name").add("email")));
  }

  static JsonObject defaultWidgetConfig(String company, String assistantId) {
    return new JsonObject()
        .put("name", company)
        .put("assistantId", assistantId)
        .put("widget", new JsonObject().put("primaryColor", "#3B82F6").put("position", "bottom-right"))
        .put("branding", new JsonObject().putNull("logo"));
  }
}
