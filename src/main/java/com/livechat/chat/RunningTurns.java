package com.livechat.chat;

import com.livechat.chat.provider.ReplyStream;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The AI turns this node is writing right now, so that one can be called off: by its turn id (its
 * streamed HTTP request went away) or by its conversation (an agent took it over, on any node).
 * Shared by the node's chat verticles; a turn is cancelled on its own context.
 */
final class RunningTurns {

  private record Running(String tenantId, String conversationId, Context context, ReplyStream stream) {}

  private final Map<String, Running> byTurn = new ConcurrentHashMap<>();

  void started(String turnId, String tenantId, String conversationId, Context context, ReplyStream stream) {
    byTurn.put(turnId, new Running(tenantId, conversationId, context, stream));
  }

  void ended(String turnId) {
    byTurn.remove(turnId);
  }

  int size() {
    return byTurn.size();
  }

  /** A chat.cancel body: {"tenantId", "turnId"} or {"tenantId", "conversationId"}; both scoped to the tenant. */
  void cancel(JsonObject body) {
    String tenantId = body.getString("tenantId");
    String turnId = body.getString("turnId");
    String conversationId = body.getString("conversationId");
    if (tenantId == null) {
      return;
    }
    if (turnId != null) {
      Running r = byTurn.get(turnId);
      if (r != null && r.tenantId().equals(tenantId)) {
        r.context().runOnContext(v -> r.stream().cancel());
      }
      return;
    }
    if (conversationId != null) {
      for (Running r : byTurn.values()) {
        if (r.tenantId().equals(tenantId) && r.conversationId().equals(conversationId)) {
          r.context().runOnContext(v -> r.stream().cancel());
        }
      }
    }
  }
}
