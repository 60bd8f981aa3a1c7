package com.livechat.dashboard;

import com.livechat.Services;
import com.livechat.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** After a committed change to a tenant's widget config, allowed origins or widget tokens. */
final class TenantChanges {

  private TenantChanges() {}

  /**
   * Drops this node's cached copy at once (so the caller's next request already sees the change)
   * and tells every node of the cluster to drop theirs.
   */
  static void announce(Vertx vertx, Services services, String tenantId) {
    services.tenants().invalidate(tenantId);
    vertx.eventBus().publish(Addresses.TENANT_CHANGED, new JsonObject().put("tenantId", tenantId));
  }
}
