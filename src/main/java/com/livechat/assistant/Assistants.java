package com.livechat.assistant;

import com.livechat.bus.Addresses;
import com.livechat.error.AppError;
import com.livechat.store.Ids;
import com.livechat.store.Keyset;
import com.livechat.tenant.TenantChanges;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A tenant's assistants: managed from the dashboard, and chosen for each chat or call (the one a
 * visitor asks for, else the widget's). Chat turns read them through the node's cache; every
 * replace or delete is announced on assistant.changed so that no node answers with an old one.
 */
public final class Assistants {

  private final AssistantStore store;
  private final AssistantCache cache;
  private final TenantChanges tenantChanges;
  private final Vertx vertx;

  public Assistants(AssistantStore store, AssistantCache cache, TenantChanges tenantChanges, Vertx vertx) {
    this.store = store;
    this.cache = cache;
    this.tenantChanges = tenantChanges;
    this.vertx = vertx;
  }

  /** The tenant's assistant as stored now (the dashboard reads past the cache). */
  public Future<Assistant> find(String tenantId, String assistantId) {
    if (!Ids.plausible(assistantId)) {
      return Future.failedFuture(notFound());
    }
    return store.find(tenantId, assistantId).compose(Assistants::found);
  }

  public Future<List<AssistantStore.Listed>> list(String tenantId, Keyset after, int limit) {
    return store.list(tenantId, after, limit);
  }

  /**
   * Which assistant answers a visitor: {@code requestedId} when given (404 assistant_not_found if
   * it is not the tenant's), else {@code defaultId}, the widget's (400 no_assistant_configured when
   * there is none, or it was deleted since).
   */
  public Future<Assistant> resolve(String tenantId, String requestedId, String defaultId) {
    if (requestedId != null) {
      if (!Ids.plausible(requestedId)) {
        return Future.failedFuture(notFoundForWidget());
      }
      return cache.get(tenantId, requestedId)
          .compose(a -> a != null ? Future.succeededFuture(a) : Future.failedFuture(notFoundForWidget()));
    }
    if (defaultId == null || defaultId.isBlank()) {
      return Future.failedFuture(noAssistant());
    }
    return cache.get(tenantId, defaultId)
        .compose(a -> a != null ? Future.succeededFuture(a) : Future.failedFuture(noAssistant()));
  }

  public Future<Assistant> create(Assistant assistant) {
    return store.create(assistant).compose(write -> saved(write, assistant));
  }

  /** Replaces every writable field of the tenant's assistant {@code assistant.id()}. */
  public Future<Assistant> replace(Assistant assistant) {
    if (!Ids.plausible(assistant.id())) {
      return Future.failedFuture(notFound());
    }
    return store.replace(assistant)
        .compose(write -> saved(write, assistant))
        .onSuccess(a -> announce(a.tenantId(), a.id()));
  }

  /** A widget config that named the assistant is left without one (chat then answers no_assistant_configured). */
  public Future<Void> delete(String tenantId, String assistantId) {
    if (!Ids.plausible(assistantId)) {
      return Future.failedFuture(notFound());
    }
    return store.delete(tenantId, assistantId).compose(deleted -> {
      if (deleted == AssistantStore.Deleted.NOT_FOUND) {
        return Future.failedFuture(notFound());
      }
      announce(tenantId, assistantId);
      if (deleted == AssistantStore.Deleted.DELETED_AND_UNSET_IN_WIDGET_CONFIG) {
        tenantChanges.announce(tenantId);
      }
      return Future.succeededFuture();
    });
  }

  /** Drops this node's cached copy at once and tells every node to drop theirs. */
  private void announce(String tenantId, String assistantId) {
    cache.invalidate(tenantId, assistantId);
    vertx.eventBus().publish(Addresses.ASSISTANT_CHANGED,
        new JsonObject().put("tenantId", tenantId).put("assistantId", assistantId));
  }

  private static Future<Assistant> saved(AssistantStore.Write write, Assistant assistant) {
    if (!write.found()) {
      return Future.failedFuture(notFound());
    }
    if (write.takenPhoneNumber() != null) {
      return Future.failedFuture(AppError.conflict("phone_number_taken",
          write.takenPhoneNumber() + " is already the number of another assistant."));
    }
    return Future.succeededFuture(assistant);
  }

  private static <T> Future<T> found(T value) {
    return value != null ? Future.succeededFuture(value) : Future.failedFuture(notFound());
  }

  static AppError notFound() {
    return AppError.notFound("assistant_not_found", "No assistant of yours has this id.");
  }

  private static AppError notFoundForWidget() {
    return AppError.notFound("assistant_not_found", "No assistant of this widget has this id.");
  }

  private static AppError noAssistant() {
    return AppError.invalid("no_assistant_configured", "This widget has no assistant configured.");
  }
}
