package com.livechat.webhook;

import com.livechat.store.ForeignKeys;
import com.livechat.store.Keyset;
import com.livechat.store.Rows;
import com.livechat.tenant.TenantSettings;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** The webhooks' SQL: endpoints (scoped by tenant), their deliveries, and the fan-out from the event log. */
final class WebhookStore {

  /** A log entry the fan-out reads. */
  record LogEntry(long seq, String type, JsonObject data, OffsetDateTime createdAt) {}

  /** A delivery with what sending it needs of its endpoint. */
  record Due(Delivery delivery, Endpoint endpoint) {}

  /** Namespace of the advisory locks that serialise one tenant's endpoint creations (the count limit). */
  private static final int TENANT_LOCK_SPACE = 0x77686b73;

  private static final String LOCK_TENANT = "SELECT pg_advisory_xact_lock(" + TENANT_LOCK_SPACE + ", hashtext($1))";
  private static final String COUNT = "SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1";
  // from the tenant's next event on: the log's last number now (a transaction still holding the
  // counter gets a higher one, so its events are delivered)
  private static final String INSERT = "INSERT INTO webhook_endpoints (id, tenant_id, url, events, description, "
      + "secret_enc, cursor_seq) VALUES ($1, $2, $3, $4, $5, $6, "
      + "COALESCE((SELECT last_seq FROM tenant_event_counters WHERE tenant_id = $2), 0)) RETURNING " + Endpoint.COLUMNS;
  // webhook_endpoints_tenant_idx: a page of the tenant's endpoints, newest first, after a keyset position
  private static final String LIST = "SELECT " + Endpoint.COLUMNS + " FROM webhook_endpoints WHERE tenant_id = $1 "
      + "AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) ORDER BY created_at DESC, id DESC LIMIT $4";
  private static final String FIND = "SELECT " + Endpoint.COLUMNS + " FROM webhook_endpoints "
      + "WHERE tenant_id = $1 AND id = $2";
  private static final String LOCK = FIND + " FOR UPDATE";
  private static final String UPDATE = "UPDATE webhook_endpoints SET url = $3, events = $4, description = $5, "
      + "enabled = $6, disabled_reason = $7, failing_since = $8, updated_at = now() WHERE tenant_id = $1 AND id = $2 "
      + "RETURNING " + Endpoint.COLUMNS;
  private static final String DELETE = "DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2";
  private static final String ROTATE = "UPDATE webhook_endpoints SET previous_secret_enc = secret_enc, "
      + "previous_secret_until = now() + interval '24 hours', secret_enc = $3, updated_at = now() "
      + "WHERE tenant_id = $1 AND id = $2 RETURNING " + Endpoint.COLUMNS;

  private static final String INSERT_PING = "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, "
      + "event_type, body) VALUES ($1, $2, $3, $4, 'ping', $5) RETURNING " + Delivery.COLUMNS;
  private static final String DELIVERIES = "SELECT " + Delivery.COLUMNS + " FROM webhook_deliveries "
      + "WHERE tenant_id = $1 AND endpoint_id = $2 AND ($3::text IS NULL OR status = $3) "
      + "AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5)) ORDER BY created_at DESC, id DESC LIMIT $6";
  private static final String LOCK_DELIVERY = "SELECT " + Delivery.COLUMNS + " FROM webhook_deliveries "
      + "WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3 FOR UPDATE";
  private static final String AGAIN = "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), "
      + "updated_at = now() WHERE id = $1 RETURNING " + Delivery.COLUMNS;
  private static final String PENDING_IDS = "SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 "
      + "AND status = 'pending' AND id > $2 ORDER BY id LIMIT $3";
  // with the log entry a delivery carries (its body is built from it; a ping's is stored)
  private static final String DUE = "SELECT " + prefixed("d", Delivery.COLUMNS) + ", " + prefixed("e", Endpoint.COLUMNS)
      .replace("e.id,", "e.id AS e_id,").replace("e.tenant_id,", "e.tenant_id AS e_tenant_id,")
      .replace("e.created_at,", "e.created_at AS e_created_at,")
      + ", t.type AS t_type, t.data AS t_data, t.created_at AS t_created_at"
      + " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
      + "LEFT JOIN tenant_events t ON t.tenant_id = d.tenant_id AND t.seq = d.event_seq "
      + "WHERE d.id = ANY($1)";
  private static final String RECORD = "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, "
      + "last_response_code = $3, last_error = $4, next_attempt_at = $5, "
      + "delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END, updated_at = now() "
      + "WHERE id = $1 AND status = 'pending'";
  // many attempts that succeeded, in one statement
  private static final String DELIVERED = "UPDATE webhook_deliveries d SET status = 'delivered', attempts = attempts + 1, "
      + "last_response_code = v.code, last_error = NULL, next_attempt_at = NULL, delivered_at = now(), updated_at = now() "
      + "FROM unnest($1::text[], $2::int[]) AS v(id, code) WHERE d.id = v.id AND d.status = 'pending'";
  private static final String SUCCEEDED = "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 "
      + "AND failing_since IS NOT NULL";
  // the first failure since the last success starts the clock; 5 days of them disable the endpoint
  private static final String FAILED = "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()), "
      + "enabled = CASE WHEN $2 OR COALESCE(failing_since, now()) <= now() - interval '5 days' THEN false "
      + "ELSE enabled END, "
      + "disabled_reason = CASE WHEN $2 THEN 'gone' WHEN COALESCE(failing_since, now()) <= now() - interval '5 days' "
      + "THEN 'failing' ELSE disabled_reason END, updated_at = now() WHERE id = $1 RETURNING enabled";

  // ---- the fan-out
  // endpoints whose tenant's log has entries past their cursor (the log's primary key answers each)
  private static final String BEHIND = "SELECT e.id, e.tenant_id FROM webhook_endpoints e WHERE EXISTS "
      + "(SELECT 1 FROM tenant_events t WHERE t.tenant_id = e.tenant_id AND t.seq > e.cursor_seq) LIMIT 200";
  // one fan-out per endpoint at a time; another node's is skipped, not waited for
  private static final String TAKE = "SELECT " + Endpoint.COLUMNS + " FROM webhook_endpoints WHERE id = $1 "
      + "FOR UPDATE SKIP LOCKED";
  private static final String LOG = "SELECT seq, type, data, created_at FROM tenant_events WHERE tenant_id = $1 "
      + "AND seq > $2 ORDER BY seq LIMIT $3";
  // $7: when a first attempt's outcome must be recorded by (its sender's lease), null while held
  // no body: each attempt builds it from the log entry (see V12)
  private static final String INSERT_DELIVERIES = "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, "
      + "event_seq, event_id, event_type, next_attempt_at) SELECT i, $1, $2, s, s::text, t, "
      + "now() + interval '1 second' * $6::int "
      + "FROM unnest($3::text[], $4::bigint[], $5::text[]) AS d(i, s, t) "
      + "ON CONFLICT (endpoint_id, event_seq) WHERE event_seq IS NOT NULL DO NOTHING RETURNING id";
  private static final String ENDPOINTS_BY_TENANT = "SELECT tenant_id, id FROM webhook_endpoints";
  private static final String ENDPOINTS_OF = "SELECT id FROM webhook_endpoints WHERE tenant_id = $1";
  // a delivery's bookkeeping may be lost in a crash without losing an event: the log and the cursor
  // bring a lost fan-out back, and a lost outcome is sent again at its lease (same webhook-id)
  private static final String ASYNC_COMMIT = "SET LOCAL synchronous_commit TO off";
  // first attempts whose sender did not record an outcome in time (it died), without a job yet
  private static final String ORPHANS = "SELECT d.id, d.tenant_id, d.endpoint_id FROM webhook_deliveries d "
      + "JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.status = 'pending' AND e.enabled "
      + "AND d.next_attempt_at < now() AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.queue = $1 AND j.job_key = d.id) "
      + "LIMIT 500";
  private static final String ADVANCE = "UPDATE webhook_endpoints SET cursor_seq = $2 WHERE id = $1";

  private final Pool pool;

  WebhookStore(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  private static String prefixed(String alias, String columns) {
    StringBuilder out = new StringBuilder();
    for (String c : columns.split(", ")) {
      out.append(out.length() == 0 ? "" : ", ").append(alias).append('.').append(c);
    }
    return out.toString();
  }

  // ---- endpoints

  Future<Long> lockTenantAndCount(SqlClient tx, String tenantId) {
    return tx.preparedQuery(LOCK_TENANT).execute(Tuple.of(tenantId))
        .compose(v -> tx.preparedQuery(COUNT).execute(Tuple.of(tenantId)))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** @param sealed the secret sealed with the endpoint's id as associated data */
  Future<Endpoint> insert(SqlClient tx, String id, String tenantId, String url, List<String> events,
      String description, byte[] sealed) {
    return tx.preparedQuery(INSERT).execute(Tuple.from(new Object[] {id, tenantId, url, events == null ? null
            : events.toArray(String[]::new), description, Buffer.buffer(sealed)}))
        .recover(err -> Future.failedFuture(ForeignKeys.violated(err, "webhook_endpoints_tenant_id_fkey")
            ? TenantSettings.tenantNotFound() : err))
        .map(rows -> Rows.first(rows, Endpoint::from));
  }

  Future<List<Endpoint>> list(String tenantId, Keyset after, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId, Keyset.createdAt(after), Keyset.id(after), limit))
        .map(rows -> Rows.all(rows, Endpoint::from));
  }

  Future<Endpoint> find(String tenantId, String id) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, id)).map(rows -> Rows.first(rows, Endpoint::from));
  }

  Future<Endpoint> lock(SqlClient tx, String tenantId, String id) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(tenantId, id)).map(rows -> Rows.first(rows, Endpoint::from));
  }

  Future<Endpoint> update(SqlClient tx, Endpoint e) {
    return tx.preparedQuery(UPDATE).execute(Tuple.from(new Object[] {e.tenantId(), e.id(), e.url(),
            e.events() == null ? null : e.events().toArray(String[]::new), e.description(), e.enabled(),
            e.disabledReason(), e.failingSince()}))
        .map(rows -> Rows.first(rows, Endpoint::from));
  }

  Future<Boolean> delete(SqlClient tx, String tenantId, String id) {
    return tx.preparedQuery(DELETE).execute(Tuple.of(tenantId, id)).map(rows -> rows.rowCount() > 0);
  }

  Future<Endpoint> rotate(SqlClient tx, String tenantId, String id, byte[] sealed) {
    return tx.preparedQuery(ROTATE).execute(Tuple.of(tenantId, id, Buffer.buffer(sealed)))
        .map(rows -> Rows.first(rows, Endpoint::from));
  }

  // ---- deliveries

  Future<Delivery> insertPing(SqlClient tx, String id, String tenantId, String endpointId, String eventId,
      String body) {
    return tx.preparedQuery(INSERT_PING).execute(Tuple.of(id, tenantId, endpointId, eventId, body))
        .map(rows -> Rows.first(rows, Delivery::from));
  }

  /** Newest first, after {@code after} (null: from the start), of one status unless null. */
  Future<List<Delivery>> deliveries(String tenantId, String endpointId, String status, Keyset after, int limit) {
    return pool.preparedQuery(DELIVERIES).execute(Tuple.from(new Object[] {tenantId, endpointId, status,
            Keyset.createdAt(after), Keyset.id(after), limit}))
        .map(rows -> Rows.all(rows, Delivery::from));
  }

  Future<Delivery> lockDelivery(SqlClient tx, String tenantId, String endpointId, String id) {
    return tx.preparedQuery(LOCK_DELIVERY).execute(Tuple.of(tenantId, endpointId, id))
        .map(rows -> Rows.first(rows, Delivery::from));
  }

  /** Pending again, due now (a retry on demand). */
  Future<Delivery> again(SqlClient tx, String id) {
    return tx.preparedQuery(AGAIN).execute(Tuple.of(id)).map(rows -> Rows.first(rows, Delivery::from));
  }

  /** Up to {@code limit} ids of the endpoint's pending deliveries after {@code afterId}, in id order. */
  Future<List<String>> pendingIds(SqlClient tx, String endpointId, String afterId, int limit) {
    return tx.preparedQuery(PENDING_IDS).execute(Tuple.of(endpointId, afterId, limit))
        .map(rows -> Rows.all(rows, r -> r.getString(0)));
  }

  /** The deliveries with their endpoints (one gone with its endpoint is not among them). */
  Future<List<Due>> due(List<String> deliveryIds) {
    return pool.preparedQuery(DUE).execute(Tuple.of(deliveryIds.toArray(String[]::new))).map(rows -> Rows.all(rows, r -> {
      Endpoint e = new Endpoint(r.getString("e_id"), r.getString("e_tenant_id"), r.getString("url"),
          r.getArrayOfStrings("events") == null ? null : List.of(r.getArrayOfStrings("events")),
          r.getString("description"), r.getBoolean("enabled"), r.getString("disabled_reason"),
          r.getBuffer("secret_enc").getBytes(),
          r.getBuffer("previous_secret_enc") == null ? null : r.getBuffer("previous_secret_enc").getBytes(),
          r.getOffsetDateTime("previous_secret_until"), r.getLong("cursor_seq"), r.getOffsetDateTime("failing_since"),
          r.getOffsetDateTime("e_created_at"), r.getOffsetDateTime("updated_at"));
      Delivery d = Delivery.from(r);
      if (d.body() == null && r.getValue("t_data") != null) {
        d = d.withBody(FanOut.body(d.tenantId(), new LogEntry(d.eventSeq(), r.getString("t_type"),
            toObject(r.getValue("t_data")), r.getOffsetDateTime("t_created_at"))));
      }
      return new Due(d, e);
    }));
  }

  /** An attempt's outcome; false when the delivery was no longer pending. */
  Future<Boolean> record(SqlClient tx, String deliveryId, String status, Integer responseCode, String error,
      Instant nextAttemptAt) {
    return tx.preparedQuery(RECORD).execute(Tuple.from(new Object[] {deliveryId, status, responseCode, error,
            nextAttemptAt == null ? null : OffsetDateTime.ofInstant(nextAttemptAt, ZoneOffset.UTC)}))
        .map(rows -> rows.rowCount() > 0);
  }

  /** Attempts that succeeded (ids with their statuses). */
  Future<Void> delivered(SqlClient tx, List<String> ids, List<Integer> codes) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(DELIVERED).execute(Tuple.tuple().addArrayOfString(ids.toArray(String[]::new))
            .addArrayOfInteger(codes.toArray(Integer[]::new)))
        .mapEmpty();
  }

  Future<Void> succeeded(SqlClient tx, String endpointId) {
    return tx.preparedQuery(SUCCEEDED).execute(Tuple.of(endpointId)).mapEmpty();
  }

  /** A failed attempt ({@code gone}: a 410); returns whether the endpoint is still enabled. */
  Future<Boolean> failed(SqlClient tx, String endpointId, boolean gone) {
    return tx.preparedQuery(FAILED).execute(Tuple.of(endpointId, gone))
        .map(rows -> Boolean.TRUE.equals(Rows.first(rows, r -> r.getBoolean(0))));
  }

  // ---- fan-out

  /** {endpointId, tenantId} of endpoints whose tenant's log has entries past their cursor. */
  Future<List<String[]>> behind() {
    return pool.preparedQuery(BEHIND).execute()
        .map(rows -> Rows.all(rows, r -> new String[] {r.getString(0), r.getString(1)}));
  }

  /** The endpoint locked for its fan-out, or null when another node has it (or it is gone). */
  Future<Endpoint> take(SqlClient tx, String endpointId) {
    return tx.preparedQuery(TAKE).execute(Tuple.of(endpointId)).map(rows -> Rows.first(rows, Endpoint::from));
  }

  Future<List<LogEntry>> log(SqlClient tx, String tenantId, long afterSeq, int limit) {
    return tx.preparedQuery(LOG).execute(Tuple.of(tenantId, afterSeq, limit)).map(rows -> Rows.all(rows, r ->
        new LogEntry(r.getLong("seq"), r.getString("type"), toObject(r.getValue("data")),
            r.getOffsetDateTime("created_at"))));
  }

  private static JsonObject toObject(Object value) {
    return value instanceof JsonObject o ? o : new JsonObject(String.valueOf(value));
  }

  /** Inserts the deliveries (one per log entry; an entry that has one already is left); returns the new ids. */
  /** @param leaseSeconds the first attempt's lease (null: held, the endpoint is disabled) */
  Future<List<String>> insertDeliveries(SqlClient tx, String tenantId, String endpointId, List<String> ids,
      List<Long> seqs, List<String> types, Integer leaseSeconds) {
    return tx.preparedQuery(INSERT_DELIVERIES).execute(Tuple.of(tenantId, endpointId)
            .addArrayOfString(ids.toArray(String[]::new)).addArrayOfLong(seqs.toArray(Long[]::new))
            .addArrayOfString(types.toArray(String[]::new))
            .addInteger(leaseSeconds))
        .map(rows -> Rows.all(rows, r -> r.getString(0)));
  }

  /**
   * The caller's transaction commits without waiting for its WAL flush: for the fan-out and the
   * outcomes only, whose loss in a crash means a delivery made or sent again, never an event lost.
   */
  Future<Void> asyncCommit(SqlClient tx) {
    return tx.query(ASYNC_COMMIT).execute().mapEmpty();
  }

  /** {deliveryId, tenantId, endpointId} of the first attempts whose outcome never came. */
  Future<List<String[]>> orphans(String queue) {
    return pool.preparedQuery(ORPHANS).execute(Tuple.of(queue))
        .map(rows -> Rows.all(rows, r -> new String[] {r.getString(0), r.getString(1), r.getString(2)}));
  }

  /** Every endpoint's id, by tenant. */
  Future<java.util.Map<String, List<String>>> endpointsByTenant() {
    return pool.query(ENDPOINTS_BY_TENANT).execute().map(rows -> {
      java.util.Map<String, List<String>> all = new java.util.HashMap<>();
      rows.forEach(r -> all.computeIfAbsent(r.getString(0), k -> new java.util.ArrayList<>()).add(r.getString(1)));
      return all;
    });
  }

  Future<List<String>> endpointsOf(String tenantId) {
    return pool.preparedQuery(ENDPOINTS_OF).execute(Tuple.of(tenantId)).map(rows -> Rows.all(rows, r -> r.getString(0)));
  }

  Future<Void> advance(SqlClient tx, String endpointId, long seq) {
    return tx.preparedQuery(ADVANCE).execute(Tuple.of(endpointId, seq)).mapEmpty();
  }

}
