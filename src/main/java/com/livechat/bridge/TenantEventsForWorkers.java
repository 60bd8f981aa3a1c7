package com.livechat.bridge;

import com.livechat.bus.Addresses;
import com.livechat.events.TenantEvent;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tenant's events for the workers of this node's bridge: while one of them is registered on
 * {@code bridge.events.<tenantId>}, this node hears the tenant's batches ({@code
 * tenant.events.<tenantId>}, the cluster's internal channel, which stays internal) and publishes
 * each event on this node alone as the frame a dashboard socket gets: {@code {"type", "id",
 * "data"}}. Each worker gets each event once, whichever node committed it; none is replayed.
 * Used on the bridge's context only.
 */
final class TenantEventsForWorkers {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final Map<String, MessageConsumer<JsonObject>> consumers = new HashMap<>();
  private final Map<String, Integer> listeners = new HashMap<>();
  private final Map<NetSocket, List<String>> bySocket = new HashMap<>();

  TenantEventsForWorkers(Vertx vertx) {
    this.vertx = vertx;
  }

  synchronized void attach(String tenantId, NetSocket socket) {
    bySocket.computeIfAbsent(socket, s -> new ArrayList<>()).add(tenantId);
    if (listeners.merge(tenantId, 1, Integer::sum) == 1) {
      consumers.put(tenantId, vertx.eventBus().<JsonObject>consumer(Addresses.tenantEvents(tenantId),
          message -> relay(tenantId, message.body())));
    }
  }

  /** The worker unregistered from the tenant's events (a registration it had). */
  synchronized void detach(String tenantId, NetSocket socket) {
    List<String> tenants = bySocket.get(socket);
    if (tenants != null && tenants.remove(tenantId)) {
      detach(tenantId);
    }
  }

  /** The connection closed: its registrations went with it. */
  synchronized void detachAll(NetSocket socket) {
    List<String> tenants = bySocket.remove(socket);
    if (tenants != null) {
      tenants.forEach(this::detach);
    }
  }

  private void detach(String tenantId) {
    Integer left = listeners.computeIfPresent(tenantId, (k, n) -> n > 1 ? n - 1 : null);
    if (left == null) {
      MessageConsumer<JsonObject> consumer = consumers.remove(tenantId);
      if (consumer != null) {
        consumer.unregister();
      }
    }
  }

  synchronized int tenantsHeard() {
    return consumers.size();
  }

  private void relay(String tenantId, JsonObject batch) {
    JsonArray events = batch.getJsonArray("events", new JsonArray());
    String address = Addresses.bridgeEvents(tenantId);
    for (int i = 0; i < events.size(); i++) {
      TenantEvent event = TenantEvent.fromJson(tenantId, events.getJsonObject(i));
      vertx.eventBus().publish(address, new JsonObject().put("type", event.type()).put("id", event.id())
          .put("data", event.data()), LOCAL);
    }
  }
}
