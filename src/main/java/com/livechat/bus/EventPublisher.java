package com.livechat.bus;

import com.livechat.store.TenantEvent;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * Announces committed events on the clustered event bus, at the tenant's address. Every node with
 * a socket of that tenant has exactly one consumer there, so each event crosses the network once
 * per interested node. Producers never know who listens; a node that misses an announcement
 * catches up from the event log.
 */
public final class EventPublisher {

  private final Vertx vertx;

  public EventPublisher(Vertx vertx) {
    this.vertx = vertx;
  }

  public void publish(List<TenantEvent> events) {
    for (TenantEvent e : events) {
      vertx.eventBus().publish(Addresses.tenantEvents(e.tenantId()), e.toJson());
    }
  }
}
