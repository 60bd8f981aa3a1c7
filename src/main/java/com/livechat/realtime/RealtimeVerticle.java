package com.livechat.realtime;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The node's tenant channels run here: one instance per node owns the {@link TenantHub}, whose
 * channels (one clustered consumer per tenant with sockets on this node) live on this verticle's
 * context. The sockets themselves stay on the HTTP verticles' event loops.
 */
public final class RealtimeVerticle extends VerticleBase {

  private final TenantHub hub;

  public RealtimeVerticle(TenantHub hub) {
    this.hub = hub;
  }

  @Override
  public Future<?> start() {
    return hub.start(context);
  }
}
