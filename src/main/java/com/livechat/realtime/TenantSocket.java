package com.livechat.realtime;

import com.livechat.config.AppConfig;
import com.livechat.events.EventLog;
import com.livechat.events.TenantEvent;
import com.livechat.ops.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One authenticated socket, a dashboard's or a visitor's ({@link Audience}), used only on the event
 * loop that accepted it. It first replays the events after the client's lastEventId from the log,
 * holding live events back meanwhile, then passes live events through in seq order, each exactly
 * once. A dashboard sees every seq of its tenant, so a hole means something is missing and is read
 * from the log; a visitor sees only its session's events, whose seqs are not consecutive.
 * Ephemeral frames (typing, message:delta) are passed on only while the socket is live.
 */
final class TenantSocket {

  static final short CLOSE_TRY_AGAIN_LATER = 1013;
  static final short CLOSE_GOING_AWAY = 1001;

  private record Pending(long seq, Frame frame) {}

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final Frame.Sink sink;
  private final Context context;
  private final String tenantId;
  private final Audience audience;
  private final EventLog log;
  private final AppConfig.Realtime config;
  private final Metrics metrics;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private long lastSent;
  private boolean live;
  private boolean closed;

  TenantSocket(Vertx vertx, ServerWebSocket ws, Context context, String tenantId, Audience audience, EventLog log,
      AppConfig.Realtime config, Metrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.ws = ws;
    this.sink = Frame.Sink.of(ws);
    this.context = context;
    this.tenantId = tenantId;
    this.audience = audience;
    this.log = log;
    this.config = config;
  }

  String tenantId() {
    return tenantId;
  }

  Audience audience() {
    return audience;
  }

  Context context() {
    return context;
  }

  /**
   * Starts the stream once the channel has registered this socket at {@code joinedAt}.
   *
   * @param resumeAfter the client's lastEventId, or null to receive only what comes next
   */
  void start(long joinedAt, Long resumeAfter) {
    if (resumeAfter == null || resumeAfter >= joinedAt) {
      lastSent = resumeAfter == null ? joinedAt : resumeAfter;
      drainPending();
      return;
    }
    lastSent = resumeAfter;
    replay(joinedAt);
  }

  /** A live event from the channel (in seq order, gapless). */
  void offer(long seq, Frame frame) {
    if (closed || seq <= lastSent && live) {
      return;
    }
    if (!live) {
      if (pending.size() >= config.maxPendingEvents()) {
        close(CLOSE_TRY_AGAIN_LATER, "too far behind");
        return;
      }
      pending.add(new Pending(seq, frame));
      return;
    }
    if (seq == lastSent + 1 || !audience.dashboard() && seq > lastSent) {
      send(seq, frame);
    } else {
      // a hole between what this socket has and what the channel has: read it from the log
      live = false;
      pending.add(new Pending(seq, frame));
      replay(seq - 1);
    }
  }

  /** An ephemeral frame (no id, never replayed): sent only while live, dropped by a socket behind. */
  void offerEphemeral(Frame frame) {
    if (closed || !live || ws.isClosed() || sink.full()) {
      return;
    }
    sink.write(frame);
  }

  void closed() {
    closed = true;
    pending.clear();
  }

  private void send(long seq, Frame frame) {
    if (ws.isClosed()) {
      // closed by the peer, its close handler not run yet: the checks below would throw
      closed = true;
      return;
    }
    if (sink.full()) {
      // a socket that cannot keep up is dropped rather than allowed to hold memory or stall others
      metrics.slowSocketClosed();
      close(CLOSE_TRY_AGAIN_LATER, "too slow");
      return;
    }
    sink.write(frame);
    metrics.eventSent();
    lastSent = seq;
  }

  /** Sends the logged events with lastSent < seq <= upto, page by page, then whatever waited. */
  private void replay(long upto) {
    live = false;
    Future<List<TenantEvent>> page = audience.dashboard()
        ? log.range(tenantId, lastSent, upto, config.replayPageSize())
        : log.sessionRange(tenantId, audience.sessionId(), Audience.VISITOR_TYPES, lastSent, upto,
            config.replayPageSize());
    page.onComplete(ar -> {
      if (closed || ws.isClosed()) {
        return;
      }
      if (ar.failed()) {
        close(CLOSE_TRY_AGAIN_LATER, "event log unavailable");
        return;
      }
      for (TenantEvent e : ar.result()) {
        if (audience.dashboard() ? e.seq() == lastSent + 1 : e.seq() > lastSent && audience.sees(e)) {
          sink.write(Frame.of(audience.frame(e)));
          metrics.eventSent();
          lastSent = e.seq();
        }
      }
      boolean more = lastSent < upto && ar.result().size() == config.replayPageSize();
      Runnable next = more ? () -> replay(upto) : this::drainPending;
      if (sink.full()) {
        sink.whenDrained(() -> context.runOnContext(v -> next.run()));
      } else {
        next.run();
      }
    });
  }

  private void drainPending() {
    while (!pending.isEmpty()) {
      Pending p = pending.peek();
      if (p.seq() <= lastSent) {
        pending.poll();
      } else if (p.seq() == lastSent + 1 || !audience.dashboard()) {
        pending.poll();
        sink.write(p.frame());
        metrics.eventSent();
        lastSent = p.seq();
      } else {
        replay(p.seq() - 1);
        return;
      }
    }
    live = true;
  }

  /** Completes once the close handshake is over (at once when the socket was closed already). */
  Future<Void> close(short code, String reason) {
    if (closed || ws.isClosed()) {
      closed = true;
      return Future.succeededFuture();
    }
    closed = true;
    return ws.close(code, reason);
  }

  void ping() {
    if (!closed) {
      ws.writePing(Buffer.buffer());
    }
  }
}
