package com.livechat.widget;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/** Tracked widget events, written many rows per statement. */
public final class TrackStore {

  public record TrackedEvent(String tenantId, String sessionId, String event, String occurredAt, String metadata) {}

  // one round trip and one commit for the whole batch; metadata arrives as JSON text (or null)
  private static final String INSERT_BATCH =
      "INSERT INTO tracked_events (tenant_id, session_id, event, occurred_at, metadata) "
          + "SELECT t, s, e, o::timestamptz, m::jsonb "
          + "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(t, s, e, o, m)";

  private final Pool pool;

  public TrackStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> insertBatch(List<TrackedEvent> events) {
    int n = events.size();
    String[] tenants = new String[n];
    String[] sessions = new String[n];
    String[] names = new String[n];
    String[] times = new String[n];
    String[] metadata = new String[n];
    for (int i = 0; i < n; i++) {
      TrackedEvent e = events.get(i);
      tenants[i] = e.tenantId();
      sessions[i] = e.sessionId();
      names[i] = e.event();
      times[i] = e.occurredAt();
      metadata[i] = e.metadata();
    }
    return pool.preparedQuery(INSERT_BATCH)
        .execute(Tuple.of(tenants, sessions, names, times, metadata))
        .mapEmpty();
  }
}
