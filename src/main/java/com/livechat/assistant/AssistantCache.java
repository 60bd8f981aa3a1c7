package com.livechat.assistant;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Node-wide cache of the assistants chat turns answer with, shared by every chat verticle
 * instance, so that a turn does not read its assistant row each time. An entry is dropped when any
 * node announces a change of that assistant on {@code assistant.changed}, and reloaded after a
 * while anyway so that a lost announcement cannot leave a node stale for long.
 */
public final class AssistantCache {

  private static final long POSITIVE_TTL_NANOS = 60_000_000_000L;
  private static final long NEGATIVE_TTL_NANOS = 2_000_000_000L;
  private static final int MAX_ENTRIES = 100_000;

  private record Entry(Future<Assistant> assistant, long loadedAt) {}

  private final AssistantStore store;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  public AssistantCache(AssistantStore store) {
    this.store = store;
  }

  /** The tenant's assistant, or a future of null when it has none with this id; completes on the caller's context. */
  public Future<Assistant> get(String tenantId, String assistantId) {
    String key = key(tenantId, assistantId);
    long now = System.nanoTime();
    Entry entry = entries.get(key);
    if (entry == null || !fresh(entry, now)) {
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
      Future<Assistant> loading = store.find(tenantId, assistantId);
      Entry loaded = new Entry(loading, now);
      entries.put(key, loaded);
      // a failed load (database down) must not be remembered
      loading.onFailure(err -> entries.remove(key, loaded));
      entry = loaded;
    }
    return onOwnContext(entry.assistant());
  }

  public void invalidate(String tenantId, String assistantId) {
    entries.remove(key(tenantId, assistantId));
  }

  /** A load started on another event loop completes there: come back to the caller's before going on. */
  private static Future<Assistant> onOwnContext(Future<Assistant> assistant) {
    Context own = Vertx.currentContext();
    if (assistant.isComplete() || own == null) {
      return assistant;
    }
    Promise<Assistant> here = Promise.promise();
    assistant.onComplete(ar -> own.runOnContext(v -> here.handle(ar)));
    return here.future();
  }

  private static String key(String tenantId, String assistantId) {
    return tenantId + '\n' + assistantId;
  }

  private static boolean fresh(Entry entry, long now) {
    Future<Assistant> f = entry.assistant();
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
