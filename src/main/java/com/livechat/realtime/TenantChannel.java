package com.livechat.realtime;

import com.livechat.bus.Addresses;
import com.livechat.config.AppConfig;
import com.livechat.events.EventLog;
import com.livechat.events.TenantEvent;
import com.livechat.ops.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tenant's events on this node: a single clustered consumer, turned into a gapless stream in
 * seq order, fanned out to the event loops that hold the tenant's sockets. Events that arrive out
 * of order wait briefly for the missing ones, then the gap is read from the event log; a periodic
 * look at the log's last seq catches an announcement this node never got (a producer that died
 * after its commit, or a subscription other nodes had not seen yet). Used only on the hub context.
 */
final class TenantChannel {

  private static final Logger LOG = LoggerFactory.getLogger(TenantChannel.class);

  /** The sockets of one event loop; the list is touched only on that loop, the count only on the hub. */
  private static final class LoopGroup {
    final Context context;
    final List<TenantSocket> sockets = new ArrayList<>();
    int count;

    LoopGroup(Context context) {
      this.context = context;
    }
  }

  private final String tenantId;
  private final EventLog log;
  private final AppConfig.Realtime config;
  private final Runnable onEmpty;
  private final Vertx vertx;
  private final Promise<Void> ready = Promise.promise();
  private final Map<Context, LoopGroup> groups = new HashMap<>();
  private final TreeMap<Long, TenantEvent> waiting = new TreeMap<>();
  private final List<TenantEvent> early = new ArrayList<>();
  private final MessageConsumer<JsonObject> consumer;
  private final long pollTimer;
  private long lastSeq = -1;
  private long gapTimer = -1;
  private boolean reading;
  private int sockets;
  private boolean closed;

  TenantChannel(Vertx vertx, String tenantId, EventLog log, AppConfig.Realtime config, Metrics metrics,
      Runnable onEmpty) {
    this.vertx = vertx;
    this.tenantId = tenantId;
    this.log = log;
    this.config = config;
    this.onEmpty = onEmpty;
    // one message per committed transaction: {"tenantId", "events": [...]} (events.Outbox)
    this.consumer = vertx.eventBus().consumer(Addresses.tenantEvents(tenantId), message -> {
      JsonArray events = message.body().getJsonArray("events");
      metrics.busBatchReceived(events.size());
      for (int i = 0; i < events.size(); i++) {
        onEvent(TenantEvent.fromJson(tenantId, events.getJsonObject(i)));
      }
    });
    this.pollTimer = vertx.setPeriodic(config.pollIntervalMs(), id -> poll());
    // the position is read only once the consumer is registered: nothing committed after it is missed
    consumer.completion()
        .compose(v -> log.lastSeq(tenantId))
        .onSuccess(seq -> {
          lastSeq = seq;
          List<TenantEvent> arrived = new ArrayList<>(early);
          early.clear();
          arrived.forEach(this::onEvent);
          ready.complete();
        })
        .onFailure(err -> {
          LOG.warn("Tenant channel {} could not start: {}", tenantId, err.getMessage());
          ready.tryFail(err);
          close();
        });
  }

  Future<Long> add(TenantSocket socket) {
    return ready.future().map(v -> {
      if (closed) {
        throw new IllegalStateException("channel closed");
      }
      LoopGroup group = groups.computeIfAbsent(socket.context(), LoopGroup::new);
      group.count++;
      sockets++;
      long position = lastSeq;
      // queued on the socket's loop before any later delivery, so the socket misses nothing after position
      group.context.runOnContext(v2 -> group.sockets.add(socket));
      return position;
    });
  }

  void remove(TenantSocket socket) {
    LoopGroup group = groups.get(socket.context());
    if (group == null) {
      return;
    }
    group.context.runOnContext(v -> group.sockets.remove(socket));
    group.count--;
    sockets--;
    if (group.count == 0) {
      groups.remove(socket.context());
    }
    if (sockets == 0) {
      close();
    }
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(pollTimer);
    if (gapTimer != -1) {
      vertx.cancelTimer(gapTimer);
    }
    consumer.unregister();
    onEmpty.run();
  }

  private void onEvent(TenantEvent event) {
    if (closed) {
      return;
    }
    if (lastSeq < 0) {
      early.add(event);
      return;
    }
    if (event.seq() <= lastSeq) {
      return;
    }
    waiting.put(event.seq(), event);
    TenantEvent next;
    while ((next = waiting.remove(lastSeq + 1)) != null) {
      deliver(next);
    }
    if (!waiting.isEmpty() && gapTimer == -1) {
      gapTimer = vertx.setTimer(config.gapWaitMs(), id -> {
        gapTimer = -1;
        if (!waiting.isEmpty()) {
          readLog(waiting.firstKey() - 1);
        }
      });
    }
  }

  private void poll() {
    if (closed || lastSeq < 0 || reading) {
      return;
    }
    log.lastSeq(tenantId).onSuccess(last -> {
      if (last > lastSeq) {
        readLog(last);
      }
    });
  }

  /** Reads the events after lastSeq up to {@code upto} from the log and delivers them in order. */
  private void readLog(long upto) {
    if (reading || closed) {
      return;
    }
    reading = true;
    log.range(tenantId, lastSeq, upto, config.replayPageSize())
        .onComplete(ar -> {
          reading = false;
          if (ar.failed()) {
            LOG.warn("Tenant channel {} could not read its log: {}", tenantId, ar.cause().getMessage());
            return;
          }
          ar.result().forEach(this::onEvent);
          if (!closed && lastSeq < upto && !ar.result().isEmpty()) {
            readLog(upto);
          }
        });
  }

  private void deliver(TenantEvent event) {
    lastSeq = event.seq();
    long seq = event.seq();
    Frame frame = Frame.of(event.toFrame());
    for (LoopGroup group : groups.values()) {
      group.context.runOnContext(v -> {
        for (int i = 0, n = group.sockets.size(); i < n && i < group.sockets.size(); i++) {
          group.sockets.get(i).offer(seq, frame);
        }
      });
    }
  }
}
