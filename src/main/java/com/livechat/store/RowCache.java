package com.livechat.store;

import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A node-wide cache of rows read from the database, shared by every verticle instance of the node.
 * Its owner drops an entry when a node announces a change of it on the event bus; entries are
 * reloaded after {@link #POSITIVE_TTL_NANOS} anyway, so that a lost announcement cannot leave a
 * node stale for long. Ids that name nothing (a load gives null) are remembered briefly, so that a
 * flood of bogus ids does not become a flood of queries; a failed load is not remembered at all.
 * Concurrent gets of one key share one load.
 */
public final class RowCache<V> {

  static final long POSITIVE_TTL_NANOS = 60_000_000_000L;
  static final long NEGATIVE_TTL_NANOS = 2_000_000_000L;
  private static final int MAX_ENTRIES = 100_000;

  private record Entry<V>(Future<V> value, long loadedAt) {}

  private final Function<String, Future<V>> loader;
  private final ConcurrentHashMap<String, Entry<V>> entries = new ConcurrentHashMap<>();

  /** @param loader reads the row of a key; a future of null when there is none */
  public RowCache(Function<String, Future<V>> loader) {
    this.loader = loader;
  }

  /**
   * The cached value, or a load of it. A load started by a request on another event loop completes
   * there: a caller that goes on with it must come back to its own context.
   */
  public Future<V> get(String key) {
    long now = System.nanoTime();
    Entry<V> entry = entries.get(key);
    if (entry != null && fresh(entry, now)) {
      return entry.value();
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    Future<V> loading = loader.apply(key);
    Entry<V> loaded = new Entry<>(loading, now);
    entries.put(key, loaded);
    loading.onFailure(err -> entries.remove(key, loaded));
    return loading;
  }

  public void invalidate(String key) {
    entries.remove(key);
  }

  private static boolean fresh(Entry<?> entry, long now) {
    Future<?> f = entry.value();
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
