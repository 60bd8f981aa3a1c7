package com.livechat.webhook;

import com.livechat.store.Ids;
import com.livechat.store.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Deliveries from the tenant's event log: each endpoint has a cursor (the log's seq up to which its
 * deliveries exist). One transaction per round and endpoint, the endpoint's row locked
 * ({@code SKIP LOCKED}: one node at a time, another skips it): the log entries past the cursor (up
 * to {@link #BATCH}), a delivery for each entry of a type the endpoint wants (a disabled endpoint's
 * held pending), the cursor moved past them. The node that made them sends them at once; retries go
 * through the job queue.
 * The log's numbers are committed in order (its counter row is held until each COMMIT), so the
 * cursor never passes an entry still to come: nothing committed is missed, and the unique
 * (endpoint, seq) keeps a repeated round from making two deliveries of one entry.
 *
 * <p>Why a cursor, not rows written in the event's transaction: the chat path's transactions (and
 * their hold on the tenant's counter row) stay as they are, whether a tenant has webhooks or not.
 */
final class FanOut {

  static final int BATCH = 500;

  private final WebhookStore store;
  private final int leaseSeconds;

  /** @param leaseSeconds how long a first attempt is its sender's before the sweep gives it a job */
  FanOut(WebhookStore store, int leaseSeconds) {
    this.store = store;
    this.leaseSeconds = leaseSeconds;
  }

  /**
   * One round for the endpoint: the log entries read (BATCH: there may be more), and the deliveries
   * to send now, with their endpoint as the round read it (the sender needs nothing more from the
   * database).
   */
  record Round(int read, List<WebhookStore.Due> toSend) {}

  /**
   * One round for the endpoint. The deliveries of an enabled endpoint are this node's to send at
   * once, without a job ({@code toSend}); each carries a lease (its next_attempt_at) by which its
   * outcome must be recorded, or the sweep gives it a job (this node died). A disabled endpoint's
   * are held.
   */
  Future<Round> round(String endpointId) {
    return store.pool().withTransaction(tx -> store.asyncCommit(tx).compose(v -> store.take(tx, endpointId))
        .compose(endpoint -> endpoint == null
        ? Future.succeededFuture(new Round(0, List.of()))
        : store.log(tx, endpoint.tenantId(), endpoint.cursorSeq(), BATCH).compose(entries -> entries.isEmpty()
            ? Future.succeededFuture(new Round(0, List.of()))
            : deliver(tx, endpoint, entries).compose(created -> store.advance(tx, endpointId,
                entries.get(entries.size() - 1).seq()).map(new Round(entries.size(),
                    endpoint.enabled() ? created : List.of()))))));
  }

  /** Rounds until the endpoint has caught up with its tenant's log; {@code send} gets each round's deliveries. */
  Future<Void> catchUp(String endpointId, java.util.function.Consumer<List<WebhookStore.Due>> send) {
    return round(endpointId).compose(r -> {
      if (!r.toSend().isEmpty()) {
        send.accept(r.toSend());
      }
      return r.read() >= BATCH ? catchUp(endpointId, send) : Future.succeededFuture();
    });
  }

  private Future<List<WebhookStore.Due>> deliver(SqlClient tx, Endpoint endpoint, List<WebhookStore.LogEntry> entries) {
    List<Delivery> made = new ArrayList<>();
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    OffsetDateTime lease = now.plusSeconds(leaseSeconds);
    for (WebhookStore.LogEntry entry : entries) {
      if (endpoint.wants(entry.type())) {
        made.add(new Delivery(Ids.next("whd"), endpoint.tenantId(), endpoint.id(), entry.seq(),
            Long.toString(entry.seq()), entry.type(), body(endpoint.tenantId(), entry), "pending", 0, null, null,
            endpoint.enabled() ? lease : null, null, now));
      }
    }
    if (made.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return store.insertDeliveries(tx, endpoint.tenantId(), endpoint.id(), made.stream().map(Delivery::id).toList(),
            made.stream().map(Delivery::eventSeq).toList(), made.stream().map(Delivery::eventType).toList(),
            endpoint.enabled() ? leaseSeconds : null)
        .map(created -> {
          // an entry that had its delivery already (a repeated round) is not sent again from here
          java.util.Set<String> fresh = new java.util.HashSet<>(created);
          return made.stream().filter(d -> fresh.contains(d.id())).map(d -> new WebhookStore.Due(d, endpoint)).toList();
        });
  }

  /** The POST body: {"type", "id", "tenantId", "timestamp", "data"}, id and data as the tenant socket has them. */
  static String body(String tenantId, WebhookStore.LogEntry entry) {
    return new JsonObject().put("type", entry.type()).put("id", Long.toString(entry.seq())).put("tenantId", tenantId)
        .put("timestamp", Timestamps.format(entry.createdAt())).put("data", entry.data()).encode();
  }
}
