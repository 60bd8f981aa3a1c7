package com.livechat.account;

import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.http.Responses;
import com.livechat.http.RouteGroup;
import com.livechat.ratelimit.RateLimiters.Limit;
import com.livechat.ratelimit.RateLimiters;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;

/** Sign-up and login (shared/API.md Part 2, Accounts). */
public final class AccountRoutes implements RouteGroup {

  private final Accounts accounts;
  private final RateLimiters limits;
  private final BodyHandler body;
  private final boolean signupEnabled;

  /** @param signupEnabled false: sign-up answers 403 signup_disabled (the operator creates tenants) */
  public AccountRoutes(Accounts accounts, RateLimiters limits, BodyHandler body, boolean signupEnabled) {
    this.accounts = accounts;
    this.limits = limits;
    this.body = body;
    this.signupEnabled = signupEnabled;
  }

  @Override
  public void mount(Router router) {
    router.post("/api/auth/signup").handler(body).handler(Responses::noStore).handler(ctx -> Responses.reply(ctx, 201, this::signup));
    router.post("/api/auth/login").handler(body).handler(Responses::noStore).handler(ctx -> Responses.reply(ctx, 200, this::login));
  }

  private Future<JsonObject> signup(RoutingContext ctx) {
    if (!signupEnabled) {
      throw AppError.forbidden("signup_disabled", "Sign-up is closed on this server; ask its operator for an account.");
    }
    JsonObject body = Bodies.object(ctx);
    String email = Credentials.email(body);
    String password = Credentials.password(body);
    String company = Bodies.requiredText(body, "companyName", 1, Accounts.COMPANY_MAX);
    // after validation (a 400 costs nothing), before the deliberately slow hash
    limits.take(Limit.SIGNUP_IP, limits.clientKey(ctx.request()));
    return accounts.signup(email, password, company);
  }

  private Future<JsonObject> login(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    Object rawEmail = body.getValue("email");
    Object rawPassword = body.getValue("password");
    if (!(rawEmail instanceof String e) || !(rawPassword instanceof String p)) {
      throw AppError.invalid("invalid_request", "email and password are required strings.");
    }
    String email = e.strip().toLowerCase(Locale.ROOT);
    limits.take(Limit.LOGIN_IP, limits.clientKey(ctx.request()));
    if (email.length() > Credentials.EMAIL_MAX || p.length() > Credentials.PASSWORD_MAX) {
      return Future.failedFuture(AppError.unauthorized("invalid_credentials", "Wrong email or password."));
    }
    // every attempt is charged to the email before the password is checked (so a locked-out guesser
    // learns nothing, however many requests it sends at once), and a success gives the token back:
    // only failures count, for existing and unknown emails alike
    limits.take(Limit.LOGIN_EMAIL, email);
    return accounts.login(email, p).onSuccess(v -> limits.refund(Limit.LOGIN_EMAIL, email));
  }
}
