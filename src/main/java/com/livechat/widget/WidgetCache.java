package com.livechat.widget;

import com.livechat.widget.WidgetStore;
import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Node-wide cache of widget tenants, shared by every HTTP verticle instance. Entries are dropped
 * when any node announces a change on {@code tenant.changed}, and reloaded after a while anyway
 * so a lost announcement cannot leave a node stale for long. Unknown ids are remembered briefly
 * so that a flood of bogus widget ids does not become a flood of queries.
 */
public final class WidgetCache {

  private static final long POSITIVE_TTL_NANOS = 60_000_000_000L;
  private static final long NEGATIVE_TTL_NANOS = 2_000_000_000L;
  private static final int MAX_ENTRIES = 100_000;

  private record Entry(Future<WidgetSnapshot> snapshot, long loadedAt) {}

  private final WidgetStore store;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  public WidgetCache(WidgetStore store) {
    this.store = store;
  }

  /** @return the snapshot, or a future of null when no tenant has this id */
  public Future<WidgetSnapshot> get(String tenantId) {
    long now = System.nanoTime();
    Entry entry = entries.get(tenantId);
    if (entry != null && fresh(entry, now)) {
      return entry.snapshot();
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    Future<WidgetSnapshot> loading = store.find(tenantId).map(t -> t == null ? null : new WidgetSnapshot(t));
    Entry loaded = new Entry(loading, now);
    entries.put(tenantId, loaded);
    // a failed load (database down) must not be remembered
    loading.onFailure(err -> entries.remove(tenantId, loaded));
    return loading;
  }

  public void invalidate(String tenantId) {
    entries.remove(tenantId);
  }

  private static boolean fresh(Entry entry, long now) {
    Future<WidgetSnapshot> f = entry.snapshot();
    if (!f.isComplete()) {
      return true;
    }
    if (f.failed()) {
      return false;
    }
    long ttl = f.result() == null ? NEGATIVE_TTL_NANOS : POSITIVE_TTL_NANOS;
    return now - entry.loadedAt() < ttl;
  }
}
