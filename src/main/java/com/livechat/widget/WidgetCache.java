package com.livechat.widget;

import com.livechat.store.RowCache;
import io.vertx.core.Future;

/**
 * The node's widget tenants as the widget endpoints serve them (pre-encoded config, ETag, token
 * hashes), shared by every HTTP verticle instance; dropped on {@code tenant.changed}.
 */
public final class WidgetCache {

  private final RowCache<WidgetSnapshot> snapshots;

  public WidgetCache(WidgetStore store) {
    this.snapshots = new RowCache<>(tenantId -> store.find(tenantId).map(t -> t == null ? null : new WidgetSnapshot(t)));
  }

  /** @return the snapshot, or a future of null when no tenant has this id (see {@link RowCache#get}) */
  public Future<WidgetSnapshot> get(String tenantId) {
    return snapshots.get(tenantId);
  }

  public void invalidate(String tenantId) {
    snapshots.invalidate(tenantId);
  }
}
