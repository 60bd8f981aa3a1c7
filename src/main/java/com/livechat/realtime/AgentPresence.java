package com.livechat.realtime;

import com.livechat.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many dashboards (authenticated tenant sockets) each tenant has open, cluster-wide: whether
 * an agent is there to take a conversation. Each node counts its own sockets and publishes its
 * counts on agents.presence (a change at once, everything every {@code refreshMs}); every node keeps
 * the others' counts by node id, so a read is a map lookup. A node that leaves the cluster, cleanly
 * or by crashing, is forgotten when the cluster manager reports it gone ({@link #nodeLeft}), and in
 * any case once it has not been heard for three refreshes — its dashboards never linger as ghosts.
 *
 * <p>Counts change on the context of the {@link RealtimeVerticle} (the hub's); {@link #online} may
 * be read from any thread.
 */
public final class AgentPresence {

  /** A node is forgotten after this many refresh periods without a word from it. */
  static final int MISSED_REFRESHES = 3;

  private record Remote(Map<String, Integer> dashboards, long heardAt) {}

  private final Vertx vertx;
  private final String nodeId;
  private final long refreshMs;
  private Context context;
  private final Map<String, Integer> local = new HashMap<>();
  private final Map<String, Remote> remotes = new HashMap<>();
  private final Map<String, Integer> totals = new ConcurrentHashMap<>();

  public AgentPresence(Vertx vertx, String nodeId, long refreshMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.refreshMs = refreshMs;
  }

  /** Dashboards of the tenant open on any node of the cluster. */
  public int online(String tenantId) {
    return totals.getOrDefault(tenantId, 0);
  }

  /** Every tenant with at least one dashboard open, with how many. */
  public Map<String, Integer> all() {
    return Map.copyOf(totals);
  }

  /**
   * Starts on the realtime verticle's context: ready once its consumer is registered; then it says
   * hello, and every node answers with its counts.
   */
  Future<Void> start(Context context) {
    this.context = context;
    var consumer = vertx.eventBus().<JsonObject>consumer(Addresses.AGENTS_PRESENCE, msg -> heard(msg.body()));
    vertx.setPeriodic(refreshMs, id -> {
      forgetSilentNodes();
      publish(snapshot(), true, false);
    });
    return consumer.completion().onSuccess(v -> publish(snapshot(), true, true));
  }

  void dashboardOpened(String tenantId) {
    changeLocal(tenantId, 1);
  }

  void dashboardClosed(String tenantId) {
    changeLocal(tenantId, -1);
  }

  /** The cluster manager says a node is gone: its dashboards are closed with it. */
  public void nodeLeft(String leftNodeId) {
    if (context == null) {
      return;
    }
    context.runOnContext(v -> {
      Remote gone = remotes.remove(leftNodeId);
      if (gone != null) {
        gone.dashboards().keySet().forEach(this::recount);
      }
    });
  }

  private void changeLocal(String tenantId, int delta) {
    int now = Math.max(0, local.getOrDefault(tenantId, 0) + delta);
    if (now == 0) {
      local.remove(tenantId);
    } else {
      local.put(tenantId, now);
    }
    recount(tenantId);
    publish(new JsonObject().put(tenantId, now), false, false);
  }

  private void publish(JsonObject dashboards, boolean full, boolean hello) {
    vertx.eventBus().publish(Addresses.AGENTS_PRESENCE, new JsonObject().put("nodeId", nodeId)
        .put("dashboards", dashboards).put("full", full).put("hello", hello));
  }

  private void heard(JsonObject body) {
    String from = body.getString("nodeId");
    if (from == null || from.equals(nodeId)) {
      return;
    }
    JsonObject counts = body.getJsonObject("dashboards", new JsonObject());
    Remote before = remotes.get(from);
    Map<String, Integer> dashboards = before == null || body.getBoolean("full", false)
        ? new HashMap<>() : new HashMap<>(before.dashboards());
    Set<String> touched = new HashSet<>(before == null ? Set.of() : before.dashboards().keySet());
    for (String tenantId : counts.fieldNames()) {
      Object n = counts.getValue(tenantId);
      if (n instanceof Number number && number.intValue() > 0) {
        dashboards.put(tenantId, number.intValue());
      } else {
        dashboards.remove(tenantId);
      }
      touched.add(tenantId);
    }
    remotes.put(from, new Remote(dashboards, System.nanoTime()));
    touched.forEach(this::recount);
    if (body.getBoolean("hello", false)) {
      // a node that just joined learns of this node's dashboards now, not at the next refresh
      publish(snapshot(), true, false);
    }
  }

  private JsonObject snapshot() {
    JsonObject counts = new JsonObject();
    local.forEach(counts::put);
    return counts;
  }

  private void forgetSilentNodes() {
    long oldest = System.nanoTime() - MISSED_REFRESHES * refreshMs * 1_000_000L;
    Set<String> silent = new HashSet<>();
    remotes.forEach((id, remote) -> {
      if (remote.heardAt() - oldest < 0) {
        silent.add(id);
      }
    });
    silent.forEach(id -> remotes.remove(id).dashboards().keySet().forEach(this::recount));
  }

  private void recount(String tenantId) {
    int total = local.getOrDefault(tenantId, 0);
    for (Remote remote : remotes.values()) {
      total += remote.dashboards().getOrDefault(tenantId, 0);
    }
    if (total == 0) {
      totals.remove(tenantId);
    } else {
      totals.put(tenantId, total);
    }
  }
}
