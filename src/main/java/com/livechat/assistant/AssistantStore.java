package com.livechat.assistant;

import com.livechat.store.Keyset;
import com.livechat.store.Rows;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Assistants as the dashboard manages them, scoped by tenant. A phone number routes calls to one
 * assistant, so it belongs to at most one assistant across all tenants.
 */
public final class AssistantStore {

  /** An assistant of a list, with the position the next page starts after. */
  public record Listed(Assistant assistant, OffsetDateTime createdAt) {

    public Keyset position() {
      return new Keyset(createdAt, assistant.id());
    }
  }

  /**
   * What a create or replace did.
   *
   * @param found false when the tenant has no assistant with this id (replace only)
   * @param takenPhoneNumber a requested number another assistant already has; nothing was written
   */
  public record Write(boolean found, String takenPhoneNumber) {
    public boolean saved() {
      return found && takenPhoneNumber == null;
    }
  }

  public enum Deleted { NOT_FOUND, DELETED, DELETED_AND_UNSET_IN_WIDGET_CONFIG }

  /** Namespace of the advisory locks that serialize writers of the same phone number. */
  private static final int PHONE_LOCK_SPACE = 0x70686f6e;

  private static final String FIND =
      "SELECT " + Assistant.COLUMNS + " FROM assistants WHERE tenant_id = $1 AND id = $2";
  private static final String LIST =
      "SELECT " + Assistant.COLUMNS + ", created_at FROM assistants WHERE tenant_id = $1 "
          + "AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3)) ORDER BY created_at, id LIMIT $4";
  private static final String LOCK_PHONE_NUMBERS =
      "SELECT pg_advisory_xact_lock(" + PHONE_LOCK_SPACE + ", hashtext(p)) "
          + "FROM (SELECT DISTINCT p FROM unnest($1::text[]) AS p ORDER BY p) AS sorted";
  // served by the GIN index on phone_numbers (&&)
  private static final String TAKEN_PHONE_NUMBER =
      "SELECT taken FROM assistants, unnest(phone_numbers) AS taken "
          + "WHERE phone_numbers && $1::text[] AND id <> $2 AND taken = ANY($1::text[]) LIMIT 1";
  private static final String INSERT =
      "INSERT INTO assistants (id, tenant_id, name, instructions, model, greeting, temperature, max_tokens, "
          + "phone_numbers, qualification, transfer_number, voice) "
          + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
  private static final String LOCK_ASSISTANT =
      "SELECT id FROM assistants WHERE tenant_id = $1 AND id = $2 FOR UPDATE";
  private static final String REPLACE =
      "UPDATE assistants SET name = $3, instructions = $4, model = $5, greeting = $6, temperature = $7, "
          + "max_tokens = $8, phone_numbers = $9, qualification = $10, transfer_number = $11, voice = $12, "
          + "updated_at = now() "
          + "WHERE id = $1 AND tenant_id = $2";
  private static final String DELETE = "DELETE FROM assistants WHERE tenant_id = $1 AND id = $2";
  private static final String UNSET_WIDGET_ASSISTANT =
      "UPDATE tenants SET widget_config = jsonb_set(widget_config, '{assistantId}', 'null'::jsonb), "
          + "updated_at = now() WHERE id = $1 AND widget_config->>'assistantId' = $2";

  private final Pool pool;

  public AssistantStore(Pool pool) {
    this.pool = pool;
  }

  /** Null when the tenant has no assistant with this id. */
  public Future<Assistant> find(String tenantId, String assistantId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, assistantId)).map(rows -> Rows.first(rows, Assistant::from));
  }

  /** Oldest first, after {@code after} (null: from the start); up to {@code limit} rows. */
  public Future<List<Listed>> list(String tenantId, Keyset after, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId, Keyset.createdAt(after), Keyset.id(after), limit))
        .map(rows -> Rows.all(rows, r -> new Listed(Assistant.from(r), r.getOffsetDateTime("created_at"))));
  }

  public Future<Write> create(Assistant a) {
    return pool.withTransaction(tx -> lockPhoneNumbers(tx, a)
        .compose(x -> takenPhoneNumber(tx, a))
        .compose(taken -> taken != null ? Future.succeededFuture(new Write(true, taken))
            : tx.preparedQuery(INSERT).execute(values(a)).map(x -> new Write(true, null))));
  }

  /** Replaces every writable field of the tenant's assistant {@code a.id()}. */
  public Future<Write> replace(Assistant a) {
    return pool.withTransaction(tx -> lockPhoneNumbers(tx, a)
        .compose(x -> tx.preparedQuery(LOCK_ASSISTANT).execute(Tuple.of(a.tenantId(), a.id())))
        .compose(found -> found.size() == 0 ? Future.succeededFuture(new Write(false, null))
            : takenPhoneNumber(tx, a).compose(taken -> taken != null ? Future.succeededFuture(new Write(true, taken))
                : tx.preparedQuery(REPLACE).execute(values(a)).map(x -> new Write(true, null)))));
  }

  /** Deletes the tenant's assistant; a widget config that named it is left without an assistant. */
  public Future<Deleted> delete(String tenantId, String assistantId) {
    return pool.withTransaction(tx -> tx.preparedQuery(DELETE).execute(Tuple.of(tenantId, assistantId))
        .compose(deleted -> deleted.rowCount() == 0 ? Future.succeededFuture(Deleted.NOT_FOUND)
            : tx.preparedQuery(UNSET_WIDGET_ASSISTANT).execute(Tuple.of(tenantId, assistantId))
                .map(unset -> unset.rowCount() > 0 ? Deleted.DELETED_AND_UNSET_IN_WIDGET_CONFIG : Deleted.DELETED)));
  }

  private static Future<?> lockPhoneNumbers(SqlConnection tx, Assistant a) {
    return a.phoneNumbers().isEmpty() ? Future.succeededFuture()
        : tx.preparedQuery(LOCK_PHONE_NUMBERS).execute(Tuple.tuple().addArrayOfString(phoneArray(a)));
  }

  private static Future<String> takenPhoneNumber(SqlConnection tx, Assistant a) {
    return a.phoneNumbers().isEmpty() ? Future.succeededFuture(null)
        : tx.preparedQuery(TAKEN_PHONE_NUMBER).execute(Tuple.of(phoneArray(a), a.id()))
            .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("taken"));
  }

  private static String[] phoneArray(Assistant a) {
    return a.phoneNumbers().toArray(String[]::new);
  }

  private static Tuple values(Assistant a) {
    return Tuple.from(new Object[] {a.id(), a.tenantId(), a.name(), a.instructions(), a.model(), a.greeting(),
        a.temperature(), a.maxTokens(), phoneArray(a), a.qualification(), a.transferNumber(), a.voice()});
  }
}
