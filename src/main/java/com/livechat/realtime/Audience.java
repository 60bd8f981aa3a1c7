package com.livechat.realtime;

import com.livechat.events.EventTypes;
import com.livechat.events.TenantEvent;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Who is at the other end of a socket, and so what it may see: a tenant's dashboard sees every
 * event of its tenant; a visitor sees only its own session's messages and a reduced view of its
 * conversations' updates (shared/API.md Part 3, "Visitor socket").
 *
 * @param sessionId the visitor's session; null for a dashboard
 */
record Audience(String sessionId) {

  static final Audience DASHBOARD = new Audience(null);

  /** The event types a visitor socket receives, with the same ids as the tenant socket. */
  static final List<String> VISITOR_TYPES = List.of(EventTypes.MESSAGE_NEW, EventTypes.MESSAGE_UPDATED,
      EventTypes.CONVERSATION_UPDATED);

  static Audience visitor(String sessionId) {
    if (sessionId == null) {
      throw new IllegalArgumentException("a visitor has a session");
    }
    return new Audience(sessionId);
  }

  boolean dashboard() {
    return sessionId == null;
  }

  /** Whether an event of the log is meant for this socket. */
  boolean sees(TenantEvent event) {
    return dashboard() || visibleToVisitor(event) && sessionId.equals(event.sessionId());
  }

  /** The frame this socket gets for an event it {@link #sees}. */
  String frame(TenantEvent event) {
    return dashboard() ? event.toFrame() : visitorFrame(event);
  }

  static boolean visibleToVisitor(TenantEvent event) {
    return event.sessionId() != null && VISITOR_TYPES.contains(event.type());
  }

  /**
   * A visitor's view of an event: a message whole; a conversation only as {id, status, aiEnabled,
   * channel} (never its contact data or its assignee).
   */
  static String visitorFrame(TenantEvent event) {
    if (!EventTypes.CONVERSATION_UPDATED.equals(event.type())) {
      return event.toFrame();
    }
    JsonObject c = event.data();
    return event.frame(new JsonObject()
        .put("id", c.getValue("id"))
        .put("status", c.getValue("status"))
        .put("aiEnabled", c.getValue("aiEnabled"))
        .put("channel", c.getValue("channel")));
  }
}
