package com.livechat.account;

import com.livechat.store.Keyset;
import com.livechat.store.Rows;
import com.livechat.store.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;

/** A tenant's team: the dashboard users, oldest first. */
public final class UserStore {

  /** A user as the team list shows it (never the password hash). */
  public record Member(String id, String email, String role, OffsetDateTime createdAt) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("email", email).put("role", role)
          .put("createdAt", Timestamps.format(createdAt));
    }

    static Member from(Row r) {
      return new Member(r.getString("id"), r.getString("email"), r.getString("role"),
          r.getOffsetDateTime("created_at"));
    }
  }

  private static final String COLUMNS = "id, email, role, created_at";
  private static final String LIST =
      "SELECT " + COLUMNS + " FROM users WHERE tenant_id = $1 "
          + "AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3)) ORDER BY created_at, id LIMIT $4";
  private static final String INSERT =
      "INSERT INTO users (id, tenant_id, email, password_hash, role) VALUES ($1, $2, $3, $4, $5) "
          + "RETURNING " + COLUMNS;
  private static final String EXISTS = "SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2";

  private final Pool pool;

  public UserStore(Pool pool) {
    this.pool = pool;
  }

  /** Oldest first, after {@code after} (null: from the start); up to {@code limit} rows. */
  public Future<List<Member>> list(String tenantId, Keyset after, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId, Keyset.createdAt(after), Keyset.id(after), limit))
        .map(rows -> Rows.all(rows, Member::from));
  }

  public Future<Boolean> exists(String tenantId, String userId) {
    return pool.preparedQuery(EXISTS).execute(Tuple.of(tenantId, userId)).map(rows -> rows.size() > 0);
  }

  /** Fails with the unique violation of {@code users_email_key} when the email is taken. */
  public Future<Member> create(String tenantId, String userId, String email, String passwordHash, String role) {
    return pool.preparedQuery(INSERT).execute(Tuple.of(userId, tenantId, email, passwordHash, role))
        .map(rows -> Member.from(rows.iterator().next()));
  }
}
