package com.livechat.account;

import com.livechat.assistant.Assistant;
import com.livechat.store.Keyset;
import com.livechat.store.Rows;
import com.livechat.store.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;

/** Tenants, their users and widget tokens: the SQL of sign-up and login. */
public final class AccountStore {

  public record User(String id, String tenantId, String email, String passwordHash, String role) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("email", email).put("role", role);
    }
  }

  /** Everything sign-up creates, written in one transaction. */
  public record NewTenant(
      String tenantId,
      String companyName,
      JsonObject widgetConfig,
      Assistant assistant,
      String userId,
      String email,
      String passwordHash,
      byte[] widgetTokenHash,
      String plan) {}

  /** A tenant as the operator's list shows it. */
  public record TenantSummary(String id, String name, String plan, OffsetDateTime createdAt, String ownerEmail) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("plan", plan)
          .put("createdAt", Timestamps.format(createdAt)).put("ownerEmail", ownerEmail);
    }

    public Keyset position() {
      return new Keyset(createdAt, id);
    }
  }

  // the page walks tenants_created_idx; each row's owner is one probe of users_tenant_idx
  private static final String LIST_TENANTS =
      "SELECT t.id, t.name, t.plan, t.created_at, (SELECT u.email FROM users u WHERE u.tenant_id = t.id "
          + "AND u.role = 'owner' ORDER BY u.created_at LIMIT 1) AS owner_email FROM tenants t "
          + "WHERE ($1::timestamptz IS NULL OR (t.created_at, t.id) > ($1, $2)) ORDER BY t.created_at, t.id LIMIT $3";
  private static final String INSERT_TENANT =
      "INSERT INTO tenants (id, name, widget_config, plan) VALUES ($1, $2, $3, $4)";
  private static final String INSERT_ASSISTANT =
      "INSERT INTO assistants (id, tenant_id, name, instructions, model, greeting, temperature, max_tokens, "
          + "qualification) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  private static final String INSERT_USER =
      "INSERT INTO users (id, tenant_id, email, password_hash, role) VALUES ($1, $2, $3, $4, $5)";
  private static final String INSERT_TOKEN =
      "INSERT INTO widget_tokens (tenant_id, token_hash) VALUES ($1, $2)";
  private static final String USER_BY_EMAIL =
      "SELECT id, tenant_id, email, password_hash, role FROM users WHERE email = $1";

  private final Pool pool;

  public AccountStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> createTenant(NewTenant t) {
    Assistant a = t.assistant();
    return pool.withTransaction(tx -> tx.preparedQuery(INSERT_TENANT)
            .execute(Tuple.of(t.tenantId(), t.companyName(), t.widgetConfig(), t.plan()))
        .compose(x -> tx.preparedQuery(INSERT_ASSISTANT).execute(Tuple.from(new Object[] {
            a.id(), t.tenantId(), a.name(), a.instructions(), a.model(), a.greeting(), a.temperature(),
            a.maxTokens(), a.qualification()})))
        .compose(x -> tx.preparedQuery(INSERT_USER)
            .execute(Tuple.of(t.userId(), t.tenantId(), t.email(), t.passwordHash(), "owner")))
        .compose(x -> tx.preparedQuery(INSERT_TOKEN)
            .execute(Tuple.of(t.tenantId(), io.vertx.core.buffer.Buffer.buffer(t.widgetTokenHash()))))
        .mapEmpty());
  }

  public Future<List<TenantSummary>> tenants(Keyset after, int limit) {
    return pool.preparedQuery(LIST_TENANTS).execute(Tuple.of(Keyset.createdAt(after), Keyset.id(after), limit))
        .map(rows -> Rows.all(rows, r -> new TenantSummary(r.getString("id"), r.getString("name"),
            r.getString("plan"), r.getOffsetDateTime("created_at"), r.getString("owner_email"))));
  }

  public Future<User> findUserByEmail(String email) {
    return pool.preparedQuery(USER_BY_EMAIL).execute(Tuple.of(email)).map(AccountStore::firstUser);
  }

  private static User firstUser(RowSet<Row> rows) {
    var it = rows.iterator();
    if (!it.hasNext()) {
      return null;
    }
    Row r = it.next();
    return new User(r.getString("id"), r.getString("tenant_id"), r.getString("email"),
        r.getString("password_hash"), r.getString("role"));
  }
}
