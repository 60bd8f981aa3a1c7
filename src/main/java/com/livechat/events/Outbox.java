package com.livechat.events;

import com.livechat.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Transactions that raise tenant events. The work runs in one database transaction and adds its
 * events to an {@link EventBatch}; the batch is appended to the tenant's log as the transaction's
 * last statement (the log's counter row stays locked until COMMIT, so that is where it is
 * cheapest), and once COMMIT succeeded the whole batch goes out as one cluster message on
 * {@code tenant.events.<tenantId>}. A rolled-back transaction announces nothing. Nobody else
 * publishes tenant events; a node that misses an announcement catches up from the log.
 */
public final class Outbox {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Pool pool;
  private final Vertx vertx;

  public Outbox(Pool pool, Vertx vertx) {
    this.pool = pool;
    this.vertx = vertx;
  }

  private record Committed<T>(T value, List<TenantEvent> events) {}

  /** Runs {@code work} in a transaction of {@code tenantId}'s data; its events are announced after COMMIT. */
  public <T> Future<T> inTransaction(String tenantId, BiFunction<SqlConnection, EventBatch, Future<T>> work) {
    return pool.withTransaction(tx -> {
          EventBatch batch = new EventBatch();
          return work.apply(tx, batch).compose(value -> EventLog.appendAll(tx, tenantId, batch.types(), batch.data(), batch.sessions())
              .map(events -> new Committed<>(value, events)));
        })
        .map(committed -> {
          announce(tenantId, committed.events());
          return committed.value();
        });
  }

  /** The body on tenant.events.&lt;tenantId&gt;: {"tenantId", "events": [{"seq", "type", "data", "sessionId"?}, ...]}. */
  public static JsonObject batchJson(String tenantId, List<TenantEvent> events) {
    JsonArray array = new JsonArray();
    events.forEach(e -> array.add(e.toJson()));
    return new JsonObject().put("tenantId", tenantId).put("events", array);
  }

  private void announce(String tenantId, List<TenantEvent> events) {
    if (!events.isEmpty()) {
      vertx.eventBus().publish(Addresses.tenantEvents(tenantId), batchJson(tenantId, events));
      // this node's webhooks catch up with the log now (other nodes' look every webhooks.pollMs)
      vertx.eventBus().publish(Addresses.OUTBOX_COMMITTED, new JsonObject().put("tenantId", tenantId), LOCAL);
    }
  }
}
