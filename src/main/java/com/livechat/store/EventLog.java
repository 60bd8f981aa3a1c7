package com.livechat.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** The per-tenant ordered event log (see V2__tenant_events.sql for why seq is gapless). */
public final class EventLog {

  // the counter row stays locked until commit, so call this last in a transaction
  private static final String APPEND =
      "WITH c AS (INSERT INTO tenant_event_counters AS tc (tenant_id, last_seq) VALUES ($1, 1) "
          + "ON CONFLICT (tenant_id) DO UPDATE SET last_seq = tc.last_seq + 1 RETURNING last_seq) "
          + "INSERT INTO tenant_events (tenant_id, seq, type, data) SELECT $1, last_seq, $2, $3 FROM c RETURNING seq";
  private static final String AFTER =
      "SELECT seq, type, data FROM tenant_events WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 "
          + "ORDER BY seq LIMIT $4";
  private static final String LAST_SEQ = "SELECT last_seq FROM tenant_event_counters WHERE tenant_id = $1";

  private final Pool pool;

  public EventLog(Pool pool) {
    this.pool = pool;
  }

  /** Appends one event inside the caller's transaction. */
  public static Future<TenantEvent> append(SqlClient tx, String tenantId, String type, JsonObject data) {
    return tx.preparedQuery(APPEND).execute(Tuple.of(tenantId, type, data))
        .map(rows -> new TenantEvent(tenantId, rows.iterator().next().getLong(0), type, data));
  }

  /** Appends several events in order inside the caller's transaction. */
  public static Future<List<TenantEvent>> appendAll(SqlClient tx, String tenantId, List<String> types,
      List<JsonObject> data) {
    List<TenantEvent> out = new ArrayList<>(types.size());
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < types.size(); i++) {
      int k = i;
      chain = chain.compose(v -> append(tx, tenantId, types.get(k), data.get(k)).map(e -> {
        out.add(e);
        return null;
      }));
    }
    return chain.map(v -> out);
  }

  /** Events with afterSeq < seq <= uptoSeq, oldest first, at most {@code limit}. */
  public Future<List<TenantEvent>> range(String tenantId, long afterSeq, long uptoSeq, int limit) {
    return pool.preparedQuery(AFTER).execute(Tuple.of(tenantId, afterSeq, uptoSeq, limit)).map(rows -> {
      List<TenantEvent> events = new ArrayList<>(rows.size());
      for (Row r : rows) {
        events.add(new TenantEvent(tenantId, r.getLong("seq"), r.getString("type"), r.getJsonObject("data")));
      }
      return events;
    });
  }

  /** The highest committed seq of the tenant (0 when it has no events yet). */
  public Future<Long> lastSeq(String tenantId) {
    return pool.preparedQuery(LAST_SEQ).execute(Tuple.of(tenantId))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }
}
