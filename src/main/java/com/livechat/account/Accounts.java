package com.livechat.account;

import com.livechat.assistant.Assistant;
import com.livechat.auth.JwtService;
import com.livechat.auth.PasswordHasher;
import com.livechat.auth.WidgetTokens;
import com.livechat.error.AppError;
import com.livechat.store.Ids;
import com.livechat.store.Keyset;
import com.livechat.tenant.TenantChanges;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Sign-up, login and a tenant's team: who may use the dashboard, and as what. */
public final class Accounts {

  /** The longest company (tenant) name, at sign-up and when the operator creates a tenant. */
  public static final int COMPANY_MAX = 100;

  private final AccountStore accounts;
  private final UserStore users;
  private final PasswordHasher passwords;
  private final JwtService jwt;
  private final TenantChanges tenantChanges;
  private final String defaultPlan;

  public Accounts(AccountStore accounts, UserStore users, PasswordHasher passwords, JwtService jwt,
      TenantChanges tenantChanges, String defaultPlan) {
    this.accounts = accounts;
    this.users = users;
    this.passwords = passwords;
    this.jwt = jwt;
    this.tenantChanges = tenantChanges;
    this.defaultPlan = defaultPlan;
  }

  /** A tenant just created, with its owner; the widget token is known only here (only its hash is stored). */
  public record NewAccount(String tenantId, String userId, String email, String widgetToken) {
    public JsonObject user() {
      return new JsonObject().put("id", userId).put("email", email).put("role", "owner");
    }

    public JsonObject tenant() {
      return new JsonObject().put("id", tenantId).put("widgetToken", widgetToken);
    }
  }

  /**
   * Sign-up: {@link #createTenant} on the default plan. The body of a 201: {token, user, tenant:
   * {id, widgetToken}}; the widget token is shown only here.
   */
  public Future<JsonObject> signup(String email, String password, String company) {
    return createTenant(email, password, company, defaultPlan).map(created -> new JsonObject()
        .put("token", jwt.issue(created.userId(), created.tenantId(), "owner"))
        .put("user", created.user())
        .put("tenant", created.tenant()));
  }

  /**
   * Creates the tenant, its owner, a widget token and a default assistant in one transaction, for
   * sign-up and the operator alike; 409 email_taken when the email has an account.
   */
  public Future<NewAccount> createTenant(String email, String password, String company, String plan) {
    String tenantId = Ids.next("tnt");
    String userId = Ids.next("usr");
    String widgetToken = WidgetTokens.generate();
    Assistant assistant = defaultAssistant(tenantId, company);
    return passwords.hash(password)
        .compose(hash -> accounts.createTenant(new AccountStore.NewTenant(tenantId, company,
            defaultWidgetConfig(company, assistant.id()), assistant, userId, email, hash,
            WidgetTokens.hash(widgetToken), plan)))
        .recover(Credentials::emailTaken)
        .map(v -> {
          tenantChanges.announce(tenantId);
          return new NewAccount(tenantId, userId, email, widgetToken);
        });
  }

  /** Every tenant, oldest first, after {@code after} (null: from the start); up to {@code limit} rows. */
  public Future<List<AccountStore.TenantSummary>> tenants(Keyset after, int limit) {
    return accounts.tenants(after, limit);
  }

  /** The body of a 200: {token, user, tenantId}; a wrong email or password fails with 401 invalid_credentials. */
  public Future<JsonObject> login(String email, String password) {
    AppError denied = AppError.unauthorized("invalid_credentials", "Wrong email or password.");
    return accounts.findUserByEmail(email)
        .compose(user -> passwords.verify(password, user == null ? null : user.passwordHash())
            .compose(ok -> ok ? Future.succeededFuture(new JsonObject()
                .put("token", jwt.issue(user.id(), user.tenantId(), user.role()))
                .put("user", user.toJson())
                .put("tenantId", user.tenantId())) : Future.failedFuture(denied)));
  }

  public Future<List<UserStore.Member>> members(String tenantId, Keyset after, int limit) {
    return users.list(tenantId, after, limit);
  }

  /** Adds a user to the tenant's team; 409 email_taken when the email has an account anywhere. */
  public Future<UserStore.Member> addMember(String tenantId, String email, String password, String role) {
    return passwords.hash(password)
        .compose(hash -> users.create(tenantId, Ids.next("usr"), email, hash, role))
        .recover(Credentials::emailTaken);
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
