package com.livechat.analytics;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;

/** Counts over a tenant's tracked events, conversations and messages. */
public final class AnalyticsStore {

  private static final String EVENTS =
      "SELECT event, count(*) AS n FROM tracked_events WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3 "
          + "GROUP BY event ORDER BY event";
  private static final String CONVERSATIONS =
      "SELECT channel, count(*) AS n FROM conversations WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 "
          + "GROUP BY channel";
  private static final String MESSAGES =
      "SELECT count(*) FROM messages WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3";
  private static final String QUALIFIED =
      "SELECT count(*) FROM conversations WHERE tenant_id = $1 AND qualified_at >= $2 AND qualified_at < $3";

  private final Pool pool;

  public AnalyticsStore(Pool pool) {
    this.pool = pool;
  }

  /** {"events": {name: n}, "conversations": {"chat": n, "voice": n}, "messages": n, "qualified": n} */
  public Future<JsonObject> summary(String tenantId, OffsetDateTime from, OffsetDateTime to) {
    Tuple window = Tuple.of(tenantId, from, to);
    JsonObject out = new JsonObject();
    return pool.preparedQuery(EVENTS).execute(window)
        .compose(rows -> {
          JsonObject events = new JsonObject();
          for (Row r : rows) {
            events.put(r.getString("event"), r.getLong("n"));
          }
          out.put("events", events);
          return pool.preparedQuery(CONVERSATIONS).execute(window);
        })
        .compose(rows -> {
          JsonObject byChannel = new JsonObject().put("chat", 0L).put("voice", 0L);
          for (Row r : rows) {
            byChannel.put(r.getString("channel"), r.getLong("n"));
          }
          out.put("conversations", byChannel);
          return pool.preparedQuery(MESSAGES).execute(window);
        })
        .compose(rows -> {
          out.put("messages", rows.iterator().next().getLong(0));
          return pool.preparedQuery(QUALIFIED).execute(window);
        })
        .map(rows -> out.put("qualified", rows.iterator().next().getLong(0)));
  }
}
