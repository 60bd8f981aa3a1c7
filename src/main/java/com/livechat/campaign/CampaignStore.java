package com.livechat.campaign;

import com.livechat.store.ForeignKeys;
import com.livechat.store.Keyset;
import com.livechat.store.Rows;
import com.livechat.store.Timestamps;
import com.livechat.tenant.TenantSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Campaigns, their contacts and the do-not-call list, in SQL. The dashboard's reads and writes are
 * scoped by tenant; the dialer, which knows a campaign only by the id in its job, locks it by id.
 * Methods that take a {@link SqlClient} run in the caller's transaction (or on a pool).
 */
public final class CampaignStore {

  /** A campaign with its contacts counted, as of one statement. */
  public record Viewed(Campaign campaign, Counts counts) {}

  /** A contact of a page of the contact list, with its import position ({@code seq}) the next page starts after. */
  record ListedContact(String id, String phone, String name, String status, int attempts, String lastResult,
      OffsetDateTime nextAttemptAt, String conversationId, long seq) {

    JsonObject toJson() {
      return new JsonObject().put("id", id).put("phone", phone).put("name", name).put("status", status)
          .put("attempts", attempts).put("lastResult", lastResult)
          .put("nextAttemptAt", Timestamps.format(nextAttemptAt))
          .put("conversationId", conversationId);
    }
  }

  /** A pending contact, to be given a dial job. */
  record Pending(String id, OffsetDateTime nextAttemptAt) {}

  /** A contact to insert: its id, E.164 phone, status (pending, or skipped when on the do-not-call list). */
  record NewContact(String id, String phone, String name, String timezone, JsonObject variables, String status) {}

  /** A contact as inserted. */
  record Inserted(String id, String status) {}

  /** An entry of the do-not-call list. */
  public record DncEntry(String phone, String source, OffsetDateTime createdAt) {

    public Keyset position() {
      return new Keyset(createdAt, phone);
    }

    public JsonObject toJson() {
      return new JsonObject().put("phone", phone).put("source", source).put("createdAt", Timestamps.format(createdAt));
    }
  }

  private static final String C_COLUMNS = "c.id, c.tenant_id, c.name, c.assistant_id, c.from_number, c.timezone, "
      + "c.calling_hours, c.pacing, c.retry, c.voicemail, c.voicemail_message, c.start_at, c.status, c.created_at, "
      + "c.updated_at";
  // one row per contact status present (a campaign without contacts: one row, contact_status null);
  // campaign_contacts_status_idx (campaign_id, status)
  private static final String COUNTED = "SELECT " + C_COLUMNS + ", s.contact_status, s.n, s.q FROM campaigns c "
      + "LEFT JOIN LATERAL (SELECT status AS contact_status, count(*) AS n, count(*) FILTER (WHERE qualified) AS q "
      + "FROM campaign_contacts WHERE campaign_id = c.id GROUP BY status) s ON true ";
  private static final String FIND_COUNTED = COUNTED + "WHERE c.tenant_id = $1 AND c.id = $2";
  private static final String COUNTS =
      "SELECT status AS contact_status, count(*) AS n, count(*) FILTER (WHERE qualified) AS q "
          + "FROM campaign_contacts WHERE campaign_id = $1 GROUP BY status";
  private static final String FIND = "SELECT " + Campaign.COLUMNS + " FROM campaigns WHERE tenant_id = $1 AND id = $2";
  private static final String LOCK = "SELECT " + Campaign.COLUMNS + " FROM campaigns WHERE id = $1 FOR UPDATE";
  private static final String LOCK_OF_TENANT =
      "SELECT " + Campaign.COLUMNS + " FROM campaigns WHERE tenant_id = $1 AND id = $2 FOR UPDATE";
  // campaigns_tenant_idx (tenant_id, created_at DESC, id DESC)
  private static final String LIST = "SELECT " + Campaign.COLUMNS + " FROM campaigns WHERE tenant_id = $1 "
      + "AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) ORDER BY created_at DESC, id DESC LIMIT $4";
  // no row: not the tenant's assistant; the row lock keeps it from being deleted before the insert
  private static final String ASSISTANT_HAS_NUMBER =
      "SELECT EXISTS (SELECT 1 FROM assistants WHERE tenant_id = $1 AND phone_numbers @> ARRAY[$3]::text[]) AS number "
          + "FROM assistants WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE";
  private static final String INSERT = "INSERT INTO campaigns (id, tenant_id, name, assistant_id, from_number, "
      + "timezone, calling_hours, pacing, retry, voicemail, voicemail_message, start_at) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING " + Campaign.COLUMNS;
  private static final String SET_STATUS =
      "UPDATE campaigns SET status = $2, updated_at = now() WHERE id = $1 RETURNING " + Campaign.COLUMNS;
  private static final String RECORD_PROGRESS =
      "UPDATE campaigns SET progress_data = $2, progress_sent_at = now() WHERE id = $1";
  /** Namespace of the advisory locks between a campaign's settlements and its status changes. */
  private static final int SETTLE_LOCK_SPACE = 0x63616d70;
  private static final String HOLD_STATUS = "SELECT pg_advisory_xact_lock_shared(" + SETTLE_LOCK_SPACE
      + ", hashtext($1))";
  private static final String FREEZE_SETTLEMENTS = "SELECT pg_advisory_xact_lock(" + SETTLE_LOCK_SPACE
      + ", hashtext($1))";

  private static final String CONTACT_COUNT = "SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1";
  private static final String PRESENT_PHONES =
      "SELECT phone FROM campaign_contacts WHERE campaign_id = $1 AND phone = ANY($2::text[])";
  // identity values (seq) follow the order the rows are produced in: the request's order
  private static final String INSERT_CONTACTS = "INSERT INTO campaign_contacts (id, tenant_id, campaign_id, phone, "
      + "name, timezone, variables, status) "
      + "SELECT u.id, $1, $2, u.phone, u.name, u.timezone, u.variables::jsonb, u.status "
      + "FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY "
      + "AS u(id, phone, name, timezone, variables, status, n) ORDER BY u.n "
      + "ON CONFLICT (campaign_id, phone) DO NOTHING RETURNING id, status";
  // read through a cursor: one scan however many pages (a page query per 1,000 would sort them all each time)
  private static final String PENDING = "SELECT id, next_attempt_at FROM campaign_contacts "
      + "WHERE campaign_id = $1 AND status = 'pending' ORDER BY seq";
  private static final String CANCEL_PENDING = "UPDATE campaign_contacts SET status = 'cancelled', updated_at = now() "
      + "WHERE campaign_id = $1 AND status = 'pending'";
  // campaign_contacts_seq_idx (campaign_id, seq)
  private static final String CONTACTS = "SELECT id, phone, name, status, attempts, last_result, next_attempt_at, "
      + "conversation_id, seq FROM campaign_contacts WHERE campaign_id = $1 AND tenant_id = $2 "
      + "AND ($3::text IS NULL OR status = $3) AND seq > $4 ORDER BY seq LIMIT $5";

  private static final String DNC_LIST = "SELECT phone, source, created_at FROM dnc WHERE tenant_id = $1 "
      + "AND ($2::timestamptz IS NULL OR (created_at, phone) < ($2, $3)) ORDER BY created_at DESC, phone DESC LIMIT $4";
  private static final String DNC_ADD = "INSERT INTO dnc (tenant_id, phone, source) VALUES ($1, $2, $3) "
      + "ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING phone, source, created_at";
  private static final String DNC_FIND =
      "SELECT phone, source, created_at FROM dnc WHERE tenant_id = $1 AND phone = $2";
  private static final String DNC_DELETE = "DELETE FROM dnc WHERE tenant_id = $1 AND phone = $2";
  private static final String DNC_PHONES = "SELECT phone FROM dnc WHERE tenant_id = $1 AND phone = ANY($2::text[])";

  private final Pool pool;

  public CampaignStore(Pool pool) {
    this.pool = pool;
  }

  // ---- for the dialer and the call loop

  /** The tenant's campaign, or null when the tenant has none with this id. */
  public Future<Campaign> find(String tenantId, String id) {
    return find(tenantId, id, pool);
  }

  /** {@link #find(String, String)} through {@code client} (a transaction's connection). */
  public Future<Campaign> find(String tenantId, String id, SqlClient client) {
    return client.preparedQuery(FIND).execute(Tuple.of(tenantId, id)).map(rows -> Rows.first(rows, Campaign::from));
  }

  /**
   * Locks the campaign's row until the caller's transaction ends ({@code SELECT … FOR UPDATE}, by id
   * alone: the dialer has the id from its job) and returns it as it is then; null when there is no
   * such campaign (deleted with its tenant or assistant). Status changes take the same lock, so
   * under it the status cannot change.
   */
  public Future<Campaign> lock(SqlClient tx, String campaignId) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(campaignId)).map(rows -> Rows.first(rows, Campaign::from));
  }

  /**
   * The data of a {@code campaign:progress} event as of now: {"campaignId", "status", "total",
   * "completed", "failed", "inProgress", "qualified"} (one statement); null when the tenant has no
   * such campaign.
   */
  public Future<JsonObject> progress(SqlClient client, String tenantId, String campaignId) {
    return client.preparedQuery(FIND_COUNTED).execute(Tuple.of(tenantId, campaignId)).map(rows -> {
      Viewed viewed = viewed(rows);
      return viewed == null ? null : viewed.counts().progress(campaignId, viewed.campaign().status());
    });
  }

  /** The tenant's campaign with its counts as the client sees them now, or null. */
  public Future<Viewed> counted(SqlClient client, String tenantId, String id) {
    return client.preparedQuery(FIND_COUNTED).execute(Tuple.of(tenantId, id)).map(CampaignStore::viewed);
  }

  /**
   * Notes the data of the campaign:progress just added to the caller's transaction (which holds the
   * campaign's row): the progress ticker sends the next one a second later at the earliest, and only
   * when the counts differ.
   */
  public Future<Void> recordProgress(SqlClient tx, String campaignId, JsonObject data) {
    return tx.preparedQuery(RECORD_PROGRESS).execute(Tuple.of(campaignId, data)).mapEmpty();
  }

  /**
   * Keeps the campaign's status from changing through the API until the caller's transaction ends,
   * without taking the campaign's row (a shared advisory lock: settlements of one campaign do not
   * wait for each other, nor for the dialer, which holds the row). A settlement takes it before it
   * locks its contact and reads the status, so a pause or cancel either sees the settlement's
   * effects or the settlement sees the new status. Status changes take it exclusively
   * ({@link #freezeSettlements}) before the campaign's row.
   */
  public Future<Void> holdStatus(SqlClient tx, String campaignId) {
    return tx.preparedQuery(HOLD_STATUS).execute(Tuple.of(campaignId)).mapEmpty();
  }

  /** Waits for the campaign's settlements under way and holds new ones until the caller's transaction ends. */
  Future<Void> freezeSettlements(SqlClient tx, String campaignId) {
    return tx.preparedQuery(FREEZE_SETTLEMENTS).execute(Tuple.of(campaignId)).mapEmpty();
  }

  /**
   * Puts {@code phone} (E.164) on the tenant's do-not-call list; already there, it is left as it was
   * (its first source and time kept).
   *
   * @param source why: "api" (the dashboard), "callee" (asked during a call), …
   */
  public Future<Void> addDnc(SqlClient client, String tenantId, String phone, String source) {
    return client.preparedQuery(DNC_ADD).execute(Tuple.of(tenantId, phone, source)).mapEmpty();
  }

  // ---- campaigns

  /** The tenant's campaign with its counts, or null. */
  Future<Viewed> findCounted(String tenantId, String id) {
    return pool.preparedQuery(FIND_COUNTED).execute(Tuple.of(tenantId, id)).map(CampaignStore::viewed);
  }

  /** Newest first, after {@code after} (null: from the start); up to {@code limit} rows. */
  Future<List<Campaign>> list(String tenantId, Keyset after, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId, Keyset.createdAt(after), Keyset.id(after), limit))
        .map(rows -> Rows.all(rows, Campaign::from));
  }

  /** The tenant's campaign, locked for the transaction; null when the tenant has none with this id. */
  Future<Campaign> lockOfTenant(SqlClient tx, String tenantId, String id) {
    return tx.preparedQuery(LOCK_OF_TENANT).execute(Tuple.of(tenantId, id))
        .map(rows -> Rows.first(rows, Campaign::from));
  }

  /**
   * Whether {@code fromNumber} is a number of one of the tenant's assistants; null when
   * {@code assistantId} is not the tenant's. Keeps the assistant from being deleted until the end of
   * the transaction.
   */
  Future<Boolean> assistantHasNumber(SqlClient tx, String tenantId, String assistantId, String fromNumber) {
    return tx.preparedQuery(ASSISTANT_HAS_NUMBER).execute(Tuple.of(tenantId, assistantId, fromNumber))
        .map(rows -> Rows.first(rows, row -> row.getBoolean("number")));
  }

  /** Inserts the draft; returns it as stored. */
  Future<Campaign> insert(SqlClient tx, Campaign c) {
    Tuple values = Tuple.from(new Object[] {c.id(), c.tenantId(), c.name(), c.assistantId(), c.fromNumber(),
        c.timezone().getId(), c.callingHours().toJson(), c.pacing().toJson(), c.retry().toJson(), c.voicemail().wire(),
        c.voicemailMessage(), utc(c.startAt())});
    return tx.preparedQuery(INSERT).execute(values).map(rows -> Rows.first(rows, Campaign::from));
  }

  /**
   * Sets the campaign's status (lock it first: {@link #lock}); returns it as stored. For the dialer:
   * scheduled → running at startAt, running → completed once every contact is final, running →
   * paused. It raises no event: add {@code campaign:progress} ({@link #progress}) to the
   * transaction's EventBatch.
   */
  public Future<Campaign> setStatus(SqlClient tx, String id, Campaign.Status status) {
    return tx.preparedQuery(SET_STATUS).execute(Tuple.of(id, status.wire()))
        .map(rows -> Rows.first(rows, Campaign::from));
  }

  Future<Counts> counts(SqlClient client, String campaignId) {
    return client.preparedQuery(COUNTS).execute(Tuple.of(campaignId)).map(CampaignStore::counts);
  }

  // ---- contacts

  Future<Long> contactCount(SqlClient tx, String campaignId) {
    return tx.preparedQuery(CONTACT_COUNT).execute(Tuple.of(campaignId)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Which of {@code phones} the campaign already has. */
  Future<Set<String>> presentPhones(SqlClient tx, String campaignId, List<String> phones) {
    return tx.preparedQuery(PRESENT_PHONES)
        .execute(Tuple.tuple().addString(campaignId).addArrayOfString(phones.toArray(String[]::new)))
        .map(CampaignStore::phones);
  }

  /** Which of {@code phones} are on the tenant's do-not-call list. */
  Future<Set<String>> dncPhones(SqlClient tx, String tenantId, List<String> phones) {
    return tx.preparedQuery(DNC_PHONES)
        .execute(Tuple.tuple().addString(tenantId).addArrayOfString(phones.toArray(String[]::new)))
        .map(CampaignStore::phones);
  }

  /** One multi-row insert (keep it to 1,000 rows or so); a phone the campaign has already is left out. */
  Future<List<Inserted>> insertContacts(SqlClient tx, String tenantId, String campaignId, List<NewContact> contacts) {
    int n = contacts.size();
    String[] ids = new String[n];
    String[] phones = new String[n];
    String[] names = new String[n];
    String[] zones = new String[n];
    String[] variables = new String[n];
    String[] statuses = new String[n];
    for (int i = 0; i < n; i++) {
      NewContact c = contacts.get(i);
      ids[i] = c.id();
      phones[i] = c.phone();
      names[i] = c.name();
      zones[i] = c.timezone();
      variables[i] = c.variables().encode();
      statuses[i] = c.status();
    }
    return tx.preparedQuery(INSERT_CONTACTS)
        .execute(Tuple.from(new Object[] {tenantId, campaignId, ids, phones, names, zones, variables, statuses}))
        .map(rows -> Rows.all(rows, row -> new Inserted(row.getString("id"), row.getString("status"))));
  }

  /**
   * Reads the campaign's pending contacts in import order, {@code fetch} at a time, through a cursor
   * of the transaction {@code tx}; each batch goes to {@code each}, and the next is read once the
   * future it returns succeeded.
   */
  Future<Void> eachPendingBatch(SqlConnection tx, String campaignId, int fetch,
      Function<List<Pending>, Future<?>> each) {
    return tx.prepare(PENDING).compose(statement -> {
      Cursor cursor = statement.cursor(Tuple.of(campaignId));
      return readAll(cursor, fetch, each).eventually(cursor::close).eventually(statement::close);
    });
  }

  private static Future<Void> readAll(Cursor cursor, int fetch, Function<List<Pending>, Future<?>> each) {
    return cursor.read(fetch).compose(rows -> {
      List<Pending> batch = Rows.all(rows,
          row -> new Pending(row.getString("id"), row.getOffsetDateTime("next_attempt_at")));
      Future<?> done = batch.isEmpty() ? Future.succeededFuture() : each.apply(batch);
      return done.compose(x -> cursor.hasMore() ? readAll(cursor, fetch, each) : Future.succeededFuture());
    });
  }

  /** The pending contacts become cancelled; returns how many. */
  Future<Integer> cancelPending(SqlClient tx, String campaignId) {
    return tx.preparedQuery(CANCEL_PENDING).execute(Tuple.of(campaignId)).map(RowSet::rowCount);
  }

  /** In import order after position {@code afterSeq} (0: from the start), of {@code status} only unless null. */
  Future<List<ListedContact>> contacts(String tenantId, String campaignId, String status, long afterSeq, int limit) {
    return pool.preparedQuery(CONTACTS).execute(Tuple.of(campaignId, tenantId, status, afterSeq, limit))
        .map(rows -> Rows.all(rows, row -> new ListedContact(row.getString("id"), row.getString("phone"),
            row.getString("name"), row.getString("status"), row.getInteger("attempts"), row.getString("last_result"),
            row.getOffsetDateTime("next_attempt_at"), row.getString("conversation_id"), row.getLong("seq"))));
  }

  // ---- do-not-call list

  /** Newest first, after {@code after}; up to {@code limit} entries. */
  Future<List<DncEntry>> dncList(String tenantId, Keyset after, int limit) {
    return pool.preparedQuery(DNC_LIST).execute(Tuple.of(tenantId, Keyset.createdAt(after), Keyset.id(after), limit))
        .map(rows -> Rows.all(rows, CampaignStore::dncEntry));
  }

  /**
   * Adds the entry; returns it with {@code created} true, or the entry already there (unchanged)
   * with {@code created} false.
   */
  Future<DncAdded> addDncEntry(String tenantId, String phone, String source) {
    return pool.preparedQuery(DNC_ADD).execute(Tuple.of(tenantId, phone, source))
        .recover(err -> Future.failedFuture(ForeignKeys.violated(err, "dnc_tenant_id_fkey")
            ? TenantSettings.tenantNotFound() : err))
        .compose(rows -> rows.size() > 0
            ? Future.succeededFuture(new DncAdded(dncEntry(rows.iterator().next()), true))
            : pool.preparedQuery(DNC_FIND).execute(Tuple.of(tenantId, phone))
                .map(found -> new DncAdded(Rows.first(found, CampaignStore::dncEntry), false)));
  }

  record DncAdded(DncEntry entry, boolean created) {}

  /** Whether there was such an entry. */
  Future<Boolean> deleteDnc(String tenantId, String phone) {
    return pool.preparedQuery(DNC_DELETE).execute(Tuple.of(tenantId, phone)).map(rows -> rows.rowCount() > 0);
  }

  private static DncEntry dncEntry(Row row) {
    return new DncEntry(row.getString("phone"), row.getString("source"), row.getOffsetDateTime("created_at"));
  }

  private static Set<String> phones(RowSet<Row> rows) {
    Set<String> phones = new HashSet<>();
    rows.forEach(row -> phones.add(row.getString(0)));
    return phones;
  }

  private static Counts counts(RowSet<Row> rows) {
    Counts counts = Counts.NONE;
    for (Row row : rows) {
      if (row.getString("contact_status") != null) {
        counts = counts.plus(row.getString("contact_status"), row.getLong("n"), row.getLong("q"));
      }
    }
    return counts;
  }

  private static Viewed viewed(RowSet<Row> rows) {
    Campaign campaign = Rows.first(rows, Campaign::from);
    return campaign == null ? null : new Viewed(campaign, counts(rows));
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
