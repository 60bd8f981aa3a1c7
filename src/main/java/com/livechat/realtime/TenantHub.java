package com.livechat.realtime;

import com.livechat.config.AppConfig;
import com.livechat.events.EventLog;
import com.livechat.ops.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The node's registry of tenant channels: one {@link TenantChannel} (and so one clustered
 * event-bus consumer) per tenant with at least one socket on this node, created with the first
 * socket and removed with the last. Channels live on the context of the {@link RealtimeVerticle}
 * that owns the hub; sockets live on the event loop of the HTTP verticle that accepted them.
 */
public final class TenantHub {

  private final Vertx vertx;
  private final EventLog log;
  private final AppConfig.Realtime config;
  private Context hubContext;
  private final Map<String, TenantChannel> channels = new HashMap<>();
  private final Metrics metrics;
  private final AgentPresence presence;
  // dashboards counted in the presence, and those whose join has not completed (a socket that
  // leaves meanwhile is never counted)
  private final Set<TenantSocket> dashboards = new HashSet<>();
  private final Set<TenantSocket> joining = new HashSet<>();

  public TenantHub(Vertx vertx, EventLog log, AppConfig.Realtime config, Metrics metrics, AgentPresence presence) {
    this.vertx = vertx;
    this.presence = presence;
    this.log = log;
    this.config = config;
    this.metrics = metrics;
  }

  /** Called by the owning verticle as it starts: from then on channels live on its context. */
  Future<Void> start(Context context) {
    this.hubContext = context;
    return presence.start(context);
  }

  /** Who has the dashboard open, cluster-wide. */
  public AgentPresence presence() {
    return presence;
  }

  /**
   * Attaches a socket to its tenant's channel. Completes (on the socket's context) once the
   * socket is registered: from then on it receives every event with a seq above the returned
   * position, which is the last seq the channel had delivered when the socket joined.
   */
  Future<Long> join(TenantSocket socket) {
    Promise<Long> joined = Promise.promise();
    Context socketContext = socket.context();
    hubContext.runOnContext(v -> {
      TenantChannel channel = channels.computeIfAbsent(socket.tenantId(),
          id -> new TenantChannel(vertx, id, log, config, metrics, () -> {
            channels.remove(id);
            metrics.channelCount(channels.size());
          }));
      metrics.channelCount(channels.size());
      metrics.socketOpened();
      if (socket.audience().dashboard()) {
        joining.add(socket);
      }
      channel.add(socket).onComplete(ar -> {
        if (joining.remove(socket) && ar.succeeded()) {
          dashboards.add(socket);
          presence.dashboardOpened(socket.tenantId());
        }
        socketContext.runOnContext(x -> joined.handle(ar));
      });
    });
    return joined.future();
  }

  void leave(TenantSocket socket) {
    hubContext.runOnContext(v -> {
      metrics.socketClosed();
      if (socket.audience().dashboard()) {
        if (dashboards.remove(socket)) {
          presence.dashboardClosed(socket.tenantId());
        } else {
          joining.remove(socket);
        }
      }
      TenantChannel channel = channels.get(socket.tenantId());
      if (channel != null) {
        channel.remove(socket);
      }
    });
  }

  /**
   * Closes every authenticated socket of this node, dashboards' and visitors', with {@code code} and
   * {@code reason}: at a graceful shutdown 1001 "going away", so that clients reconnect (through
   * the load balancer, to another node) and resume from their lastEventId. Completes with the number
   * of sockets closed once their close handshakes are over; sockets that authenticate later are
   * not affected.
   */
  public Future<Integer> closeAll(short code, String reason) {
    if (hubContext == null) {
      return Future.succeededFuture(0);
    }
    Promise<Integer> closed = Promise.promise();
    hubContext.runOnContext(v -> {
      List<Future<Integer>> perTenant = new ArrayList<>();
      channels.values().forEach(channel -> perTenant.add(channel.closeSockets(code, reason)));
      Future.all(perTenant)
          .map(counts -> counts.<Integer>list().stream().mapToInt(Integer::intValue).sum())
          .onComplete(closed);
    });
    return closed.future();
  }

  /** For tests and metrics: tenants with a channel (and so a consumer) on this node. */
  public Future<Integer> channelCount() {
    Promise<Integer> count = Promise.promise();
    hubContext.runOnContext(v -> count.complete(channels.size()));
    return count.future();
  }
}
