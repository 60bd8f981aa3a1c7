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
 * seq order, fanned out to the event loops that hold the tenant's sockets (every event to the
 * dashboards, a session's own to its visitors). A second consumer, on the tenant's live address,
 * passes its ephemeral frames (typing, message:delta) on to the sockets they are meant for,
 * typing at most once a second per conversation and side. Events that arrive out
 * of order wait briefly for the missing ones, then the gap is read from the event log; a periodic
 * look at the log's last seq catches an announcement this node never got (a producer that died
 * after its commit, or a subscription other nodes had not seen yet). Used only on the hub context.
 */
final class TenantChannel {

  private static final Logger LOG = LoggerFactory.getLogger(TenantChannel.class);

  /**
   * The sockets of one event loop; the lists are touched only on that loop, the counts only on the
   * hub.
   */
  private static final class LoopGroup {
    final Context context;
    final List<TenantSocket> dashboards = new ArrayList<>();
    final Map<String, List<TenantSocket>> visitors = new HashMap<>();
    int count;
    int dashboardCount;
    final Map<String, Integer> sessionCounts = new HashMap<>();

    LoopGroup(Context context) {
      this.context = context;
    }

    boolean hasSession(String sessionId) {
      return sessionId != null && sessionCounts.containsKey(sessionId);
    }

    /** On the hub. */
    void counted(Audience audience, int delta) {
      count += delta;
      if (audience.dashboard()) {
        dashboardCount += delta;
      } else {
        sessionCounts.merge(audience.sessionId(), delta, (a, b) -> a + b == 0 ? null : a + b);
      }
    }

    /** On the loop. */
    void attach(TenantSocket socket) {
      if (socket.audience().dashboard()) {
        dashboards.add(socket);
      } else {
        visitors.computeIfAbsent(socket.audience().sessionId(), k -> new ArrayList<>()).add(socket);
      }
    }

    /** On the loop. */
    void detach(TenantSocket socket) {
      if (socket.audience().dashboard()) {
        dashboards.remove(socket);
        return;
      }
      List<TenantSocket> own = visitors.get(socket.audience().sessionId());
      if (own != null && own.remove(socket) && own.isEmpty()) {
        visitors.remove(socket.audience().sessionId());
      }
    }
  }

  /** Typing frames go out at most this often per conversation and side. */
  static final long TYPING_INTERVAL_MS = 1_000;

  private final String tenantId;
  private final EventLog log;
  private final AppConfig.Realtime config;
  private final Runnable onEmpty;
  private final Metrics metrics;
  private final Vertx vertx;
  private final Promise<Void> ready = Promise.promise();
  private final Map<Context, LoopGroup> groups = new HashMap<>();
  private final TreeMap<Long, TenantEvent> waiting = new TreeMap<>();
  private final List<TenantEvent> early = new ArrayList<>();
  private final MessageConsumer<JsonObject> consumer;
  private final MessageConsumer<JsonObject> liveConsumer;
  private final Map<String, Long> typingSent = new HashMap<>();
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
    this.metrics = metrics;
    // one message per committed transaction: {"tenantId", "events": [...]} (events.Outbox)
    this.consumer = vertx.eventBus().consumer(Addresses.tenantEvents(tenantId), message -> {
      JsonArray events = message.body().getJsonArray("events");
      metrics.busBatchReceived(events.size());
      for (int i = 0; i < events.size(); i++) {
        onEvent(TenantEvent.fromJson(tenantId, events.getJsonObject(i)));
      }
    });
    this.liveConsumer = vertx.eventBus().consumer(Addresses.tenantLive(tenantId), message -> onLive(message.body()));
    this.pollTimer = vertx.setPeriodic(config.pollIntervalMs(), id -> poll());
    // the position is read only once the consumer is registered: nothing committed after it is missed
    Future.all(consumer.completion(), liveConsumer.completion())
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
      group.counted(socket.audience(), 1);
      sockets++;
      long position = lastSeq;
      // queued on the socket's loop before any later delivery, so the socket misses nothing after position
      group.context.runOnContext(v2 -> group.attach(socket));
      return position;
    });
  }

  void remove(TenantSocket socket) {
    LoopGroup group = groups.get(socket.context());
    if (group == null) {
      return;
    }
    group.context.runOnContext(v -> group.detach(socket));
    group.counted(socket.audience(), -1);
    sockets--;
    if (group.count == 0) {
      groups.remove(socket.context());
    }
    if (sockets == 0) {
      close();
    }
  }

  /**
   * Closes every socket of the tenant on this node with {@code code}; completes with their number
   * once each close handshake is over (or failed). The sockets then leave as any closed socket does.
   */
  Future<Integer> closeSockets(short code, String reason) {
    List<Future<Integer>> perLoop = new ArrayList<>();
    for (LoopGroup group : groups.values()) {
      Promise<Integer> closed = Promise.promise();
      group.context.runOnContext(v -> {
        List<TenantSocket> all = new ArrayList<>(group.dashboards);
        group.visitors.values().forEach(all::addAll);
        List<Future<Void>> handshakes = all.stream().map(socket -> socket.close(code, reason)).toList();
        Future.join(handshakes).onComplete(ar -> closed.complete(all.size()));
      });
      perLoop.add(closed.future());
    }
    return Future.all(perLoop).map(counts -> counts.<Integer>list().stream().mapToInt(Integer::intValue).sum());
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
    liveConsumer.unregister();
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
    long now = System.currentTimeMillis();
    typingSent.values().removeIf(at -> now - at >= TYPING_INTERVAL_MS);
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
    String session = Audience.visibleToVisitor(event) ? event.sessionId() : null;
    // each frame is built once per event, and only when some socket here gets it
    Frame dashboardFrame = null;
    Frame visitorFrame = null;
    for (LoopGroup group : groups.values()) {
      boolean toDashboards = group.dashboardCount > 0;
      boolean toVisitors = group.hasSession(session);
      if (toDashboards && dashboardFrame == null) {
        dashboardFrame = Frame.of(event.toFrame());
      }
      if (toVisitors && visitorFrame == null) {
        visitorFrame = Frame.of(Audience.visitorFrame(event));
      }
      Frame dashboards = toDashboards ? dashboardFrame : null;
      Frame visitors = toVisitors ? visitorFrame : null;
      if (dashboards == null && visitors == null) {
        continue;
      }
      group.context.runOnContext(v -> {
        if (dashboards != null) {
          for (int i = 0, n = group.dashboards.size(); i < n && i < group.dashboards.size(); i++) {
            group.dashboards.get(i).offer(seq, dashboards);
          }
        }
        List<TenantSocket> own = visitors == null ? null : group.visitors.get(session);
        if (own != null) {
          for (int i = 0, n = own.size(); i < n && i < own.size(); i++) {
            own.get(i).offer(seq, visitors);
          }
        }
      });
    }
  }

  /**
   * An ephemeral frame from the tenant's live address ({@link LiveSignals}): {"type", "sessionId",
   * "to": "dashboards" | "visitors" | "all", "data"}. Never stored, never replayed.
   */
  private void onLive(JsonObject body) {
    metrics.liveFrameReceived();
    if (closed) {
      return;
    }
    String type = body.getString("type");
    JsonObject data = body.getJsonObject("data");
    String to = body.getString("to", LiveSignals.TO_ALL);
    if (type == null || data == null) {
      return;
    }
    if (LiveSignals.TYPING.equals(type)) {
      String key = data.getString("conversationId") + "/" + data.getString("role");
      long now = System.currentTimeMillis();
      Long last = typingSent.get(key);
      if (last != null && now - last < TYPING_INTERVAL_MS) {
        return;
      }
      typingSent.put(key, now);
    }
    String session = body.getString("sessionId");
    boolean forDashboards = !LiveSignals.TO_VISITORS.equals(to);
    boolean forVisitors = !LiveSignals.TO_DASHBOARDS.equals(to) && session != null;
    Frame frame = Frame.of(new JsonObject().put("type", type).put("data", data).encode());
    for (LoopGroup group : groups.values()) {
      boolean toDashboards = forDashboards && group.dashboardCount > 0;
      boolean toVisitors = forVisitors && group.hasSession(session);
      if (!toDashboards && !toVisitors) {
        continue;
      }
      group.context.runOnContext(v -> {
        if (toDashboards) {
          for (int i = 0, n = group.dashboards.size(); i < n && i < group.dashboards.size(); i++) {
            group.dashboards.get(i).offerEphemeral(frame);
          }
        }
        List<TenantSocket> own = toVisitors ? group.visitors.get(session) : null;
        if (own != null) {
          for (int i = 0, n = own.size(); i < n && i < own.size(); i++) {
            own.get(i).offerEphemeral(frame);
          }
        }
      });
    }
  }
}
