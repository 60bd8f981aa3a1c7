package com.livechat.chat;

import com.livechat.http.ApiError;
import com.livechat.store.Assistant;
import com.livechat.store.ChatStore;
import io.vertx.core.Future;

/** Which assistant answers: the one asked for, else the widget's configured one. */
public final class AssistantResolver {

  private static final int MAX_ID_LENGTH = 128;

  private AssistantResolver() {}

  public static Future<Assistant> resolve(ChatStore store, String tenantId, String requestedId, String defaultId) {
    if (requestedId != null) {
      if (requestedId.isEmpty() || requestedId.length() > MAX_ID_LENGTH) {
        return Future.failedFuture(notFound());
      }
      return store.findAssistant(tenantId, requestedId)
          .compose(a -> a != null ? Future.succeededFuture(a) : Future.failedFuture(notFound()));
    }
    if (defaultId == null || defaultId.isBlank()) {
      return Future.failedFuture(noAssistant());
    }
    // a configured assistant that was deleted since is the same as none configured
    return store.findAssistant(tenantId, defaultId)
        .compose(a -> a != null ? Future.succeededFuture(a) : Future.failedFuture(noAssistant()));
  }

  private static ApiError notFound() {
    return ApiError.notFound("assistant_not_found", "No assistant of this widget has this id.");
  }

  private static ApiError noAssistant() {
    return ApiError.invalid("no_assistant_configured", "This widget has no assistant configured.");
  }
}
