package com.livechat.realtime;

import com.livechat.bus.Addresses;
import com.livechat.conversation.Conversation;
import com.livechat.conversation.ConversationStore;
import com.livechat.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ephemeral side of a tenant's stream: typing and the assistant's reply as it is written
 * ({@code message:delta}). They are published on the tenant's live address, which only nodes
 * holding sockets of that tenant consume (one consumer per node and tenant, in {@link
 * TenantChannel}), and never go into the event log. One per node, safe from every event loop.
 *
 * <p>Typing is throttled here too, before it costs a cluster message: one frame a second per
 * conversation and side from this node (each channel holds the same rule for the whole cluster).
 */
public final class LiveSignals {

  static final String TYPING = "typing";
  static final String DELTA = "message:delta";
  static final String TO_DASHBOARDS = "dashboards";
  static final String TO_VISITORS = "visitors";
  static final String TO_ALL = "all";

  /** Entries kept for the throttle and the session lookup before they are cleared. */
  private static final int MAX_ENTRIES = 50_000;

  private final Vertx vertx;
  private final ConversationStore conversations;
  private final Map<String, Long> typingSent = new ConcurrentHashMap<>();
  /** A conversation's session never changes: tenant/conversation → session, for typing on a tenant socket. */
  private final Map<String, String> sessions = new ConcurrentHashMap<>();

  public LiveSignals(Vertx vertx, ConversationStore conversations) {
    this.vertx = vertx;
    this.conversations = conversations;
  }

  /** A piece of the assistant's reply, for the session's visitor sockets and the tenant's dashboards. */
  public void delta(String tenantId, String sessionId, String conversationId, String turnId, String delta) {
    publish(tenantId, sessionId, DELTA, TO_ALL, new JsonObject().put("conversationId", conversationId)
        .put("turnId", turnId).put("delta", delta));
  }

  /** The assistant started writing: the visitor and the dashboards see it typing. */
  public void assistantTyping(String tenantId, String sessionId, String conversationId) {
    typing(tenantId, sessionId, conversationId, "assistant", TO_ALL);
  }

  /**
   * A visitor types in a conversation: the tenant's dashboards see it. Completes false, sending
   * nothing, when the conversation is not one of this session's.
   */
  public Future<Boolean> visitorTyping(String tenantId, String sessionId, String conversationId) {
    return sessionOf(tenantId, conversationId).map(s -> {
      if (!sessionId.equals(s)) {
        return false;
      }
      typing(tenantId, s, conversationId, "visitor", TO_DASHBOARDS);
      return true;
    });
  }

  /**
   * An agent types in a conversation of its tenant: that conversation's visitor sockets see it.
   * Completes false when the tenant has no such conversation (nothing is sent).
   */
  public Future<Boolean> agentTyping(String tenantId, String conversationId) {
    return sessionOf(tenantId, conversationId).map(s -> {
      if (s == null) {
        return false;
      }
      typing(tenantId, s, conversationId, "agent", TO_VISITORS);
      return true;
    });
  }

  /** The session of one of the tenant's conversations; null when the tenant has no such conversation. */
  private Future<String> sessionOf(String tenantId, String conversationId) {
    if (!Ids.plausible(conversationId)) {
      return Future.succeededFuture(null);
    }
    String key = tenantId + "/" + conversationId;
    String known = sessions.get(key);
    return known != null ? Future.succeededFuture(known)
        : conversations.find(tenantId, conversationId).map(c -> remember(key, c));
  }

  private String remember(String key, Conversation c) {
    if (c == null) {
      return null;
    }
    if (sessions.size() >= MAX_ENTRIES) {
      sessions.clear();
    }
    sessions.put(key, c.sessionId());
    return c.sessionId();
  }

  private void typing(String tenantId, String sessionId, String conversationId, String role, String to) {
    String key = tenantId + "/" + conversationId + "/" + role;
    long now = System.currentTimeMillis();
    Long last = typingSent.get(key);
    if (last != null && now - last < TenantChannel.TYPING_INTERVAL_MS) {
      return;
    }
    if (typingSent.size() >= MAX_ENTRIES) {
      typingSent.clear();
    }
    typingSent.put(key, now);
    publish(tenantId, sessionId, TYPING, to, new JsonObject().put("conversationId", conversationId).put("role", role));
  }

  private void publish(String tenantId, String sessionId, String type, String to, JsonObject data) {
    JsonObject body = new JsonObject().put("type", type).put("to", to).put("data", data);
    if (sessionId != null) {
      body.put("sessionId", sessionId);
    }
    vertx.eventBus().publish(Addresses.tenantLive(tenantId), body);
  }
}
