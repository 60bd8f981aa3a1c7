package com.livechat.assistant;

import com.livechat.store.RowCache;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The assistants chat turns and calls answer with, cached per node so that a turn does not read
 * its assistant's row each time; an entry is dropped when any node announces a change of that
 * assistant on {@code assistant.changed}.
 */
public final class AssistantCache {

  private final RowCache<Assistant> assistants;

  public AssistantCache(AssistantStore store) {
    this.assistants = new RowCache<>(key -> {
      int split = key.indexOf('\n');
      return store.find(key.substring(0, split), key.substring(split + 1));
    });
  }

  /** The tenant's assistant, or a future of null when it has none with this id; completes on the caller's context. */
  public Future<Assistant> get(String tenantId, String assistantId) {
    Future<Assistant> assistant = assistants.get(key(tenantId, assistantId));
    Context own = Vertx.currentContext();
    if (assistant.isComplete() || own == null) {
      return assistant;
    }
    Promise<Assistant> here = Promise.promise();
    assistant.onComplete(ar -> own.runOnContext(v -> here.handle(ar)));
    return here.future();
  }

  public void invalidate(String tenantId, String assistantId) {
    assistants.invalidate(key(tenantId, assistantId));
  }

  private static String key(String tenantId, String assistantId) {
    return tenantId + '\n' + assistantId;
  }
}
