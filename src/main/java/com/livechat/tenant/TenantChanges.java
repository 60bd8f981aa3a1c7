package com.livechat.tenant;

import com.livechat.bus.Addresses;
import com.livechat.widget.WidgetCache;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** After a committed change to a tenant's widget config, allowed origins or widget tokens. */
public final class TenantChanges {

  private final Vertx vertx;
  private final WidgetCache widgets;

  public TenantChanges(Vertx vertx, WidgetCache widgets) {
    this.vertx = vertx;
    this.widgets = widgets;
  }

  /**
   * Drops this node's cached copy at once (so the caller's next request already sees the change)
   * and tells every node of the cluster to drop theirs (tenant.changed).
   */
  public void announce(String tenantId) {
    widgets.invalidate(tenantId);
    vertx.eventBus().publish(Addresses.TENANT_CHANGED, new JsonObject().put("tenantId", tenantId));
  }
}
