package com.livechat.events;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The per-tenant ordered event log (see V2__tenant_events.sql for why seq is gapless): read by
 * anyone, appended to only through {@link Outbox}, which announces what it appended after COMMIT.
 */
public final class EventLog {

  // the counter row stays locked until commit, so call this last in a transaction
  private static final String APPEND =
      "WITH c AS (INSERT INTO tenant_event_counters AS tc (tenant_id, last_seq) VALUES ($1, 1) "
          + "ON CONFLICT (tenant_id) DO UPDATE SET last_seq = tc.last_seq + 1 RETURNING last_seq) "
          + "INSERT INTO tenant_events (tenant_id, seq, type, data, session_id) SELECT $1, last_seq, $2, $3, $4 FROM c "
          + "RETURNING seq";
  // several events in one round trip: the counter moves by n at once, and the events take the n
  // numbers below the new last_seq in the order given ($2 types, $3 data and $5 sessions, all in that order)
  private static final String APPEND_MANY =
      "WITH c AS (INSERT INTO tenant_event_counters AS tc (tenant_id, last_seq) VALUES ($1, $4) "
          + "ON CONFLICT (tenant_id) DO UPDATE SET last_seq = tc.last_seq + $4 RETURNING last_seq) "
          + "INSERT INTO tenant_events (tenant_id, seq, type, data, session_id) "
          + "SELECT $1, c.last_seq - $4 + e.n, e.type, e.data::jsonb, e.session_id FROM c, "
          + "unnest($2::text[], $3::text[], $5::text[]) WITH ORDINALITY AS e(type, data, session_id, n) RETURNING seq";
  private static final String AFTER =
      "SELECT seq, type, data, session_id FROM tenant_events WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 "
          + "ORDER BY seq LIMIT $4";
  // tenant_events_session_idx: one session's events of the given types after a seq
  private static final String SESSION_AFTER =
      "SELECT seq, type, data, session_id FROM tenant_events WHERE tenant_id = $1 AND session_id = $2 "
          + "AND seq > $3 AND seq <= $4 AND type = ANY($5) ORDER BY seq LIMIT $6";
  private static final String LAST_SEQ = "SELECT last_seq FROM tenant_event_counters WHERE tenant_id = $1";

  private final Pool pool;

  public EventLog(Pool pool) {
    this.pool = pool;
  }

  /** Appends one event inside the caller's transaction. */
  static Future<TenantEvent> append(SqlClient tx, String tenantId, String type, JsonObject data) {
    return append(tx, tenantId, type, data, null);
  }

  /** Appends one event of a visitor session (or of none: null) inside the caller's transaction. */
  static Future<TenantEvent> append(SqlClient tx, String tenantId, String type, JsonObject data, String sessionId) {
    return tx.preparedQuery(APPEND).execute(Tuple.of(tenantId, type, data, sessionId))
        .map(rows -> new TenantEvent(tenantId, rows.iterator().next().getLong(0), type, data, sessionId));
  }

  /**
   * Appends several events in order inside the caller's transaction, in one statement (one round
   * trip while the tenant's counter row is locked, however many events).
   */
  static Future<List<TenantEvent>> appendAll(SqlClient tx, String tenantId, List<String> types,
      List<JsonObject> data) {
    return appendAll(tx, tenantId, types, data, Collections.nCopies(types.size(), null));
  }

  /** {@link #appendAll(SqlClient, String, List, List)} with each event's visitor session (null entries for none). */
  static Future<List<TenantEvent>> appendAll(SqlClient tx, String tenantId, List<String> types,
      List<JsonObject> data, List<String> sessions) {
    if (types.size() != data.size() || types.size() != sessions.size()) {
      throw new IllegalArgumentException("one data object and one session per event type");
    }
    if (types.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    if (types.size() == 1) {
      return append(tx, tenantId, types.get(0), data.get(0), sessions.get(0)).map(List::of);
    }
    String[] texts = new String[data.size()];
    for (int i = 0; i < texts.length; i++) {
      texts[i] = data.get(i).encode();
    }
    return tx.preparedQuery(APPEND_MANY)
        .execute(Tuple.of(tenantId, types.toArray(new String[0]), texts, (long) types.size(),
            sessions.toArray(new String[0])))
        .map(rows -> {
          // the seqs are consecutive in the order of the events; RETURNING has no guaranteed order
          long first = Long.MAX_VALUE;
          for (Row r : rows) {
            first = Math.min(first, r.getLong(0));
          }
          List<TenantEvent> out = new ArrayList<>(types.size());
          for (int i = 0; i < types.size(); i++) {
            out.add(new TenantEvent(tenantId, first + i, types.get(i), data.get(i), sessions.get(i)));
          }
          return out;
        });
  }

  /** Events with afterSeq < seq <= uptoSeq, oldest first, at most {@code limit}. */
  public Future<List<TenantEvent>> range(String tenantId, long afterSeq, long uptoSeq, int limit) {
    return pool.preparedQuery(AFTER).execute(Tuple.of(tenantId, afterSeq, uptoSeq, limit))
        .map(rows -> events(tenantId, rows));
  }

  /** One visitor session's events of the given types with afterSeq < seq <= uptoSeq, oldest first, at most {@code limit}. */
  public Future<List<TenantEvent>> sessionRange(String tenantId, String sessionId, List<String> types, long afterSeq,
      long uptoSeq, int limit) {
    return pool.preparedQuery(SESSION_AFTER)
        .execute(Tuple.of(tenantId, sessionId, afterSeq, uptoSeq, types.toArray(new String[0]), limit))
        .map(rows -> events(tenantId, rows));
  }

  private static List<TenantEvent> events(String tenantId, RowSet<Row> rows) {
    List<TenantEvent> events = new ArrayList<>(rows.size());
    for (Row r : rows) {
      events.add(new TenantEvent(tenantId, r.getLong("seq"), r.getString("type"), r.getJsonObject("data"),
          r.getString("session_id")));
    }
    return events;
  }

  /** The highest committed seq of the tenant (0 when it has no events yet). */
  public Future<Long> lastSeq(String tenantId) {
    return pool.preparedQuery(LAST_SEQ).execute(Tuple.of(tenantId))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }
}
