package com.livechat.widget;

import com.livechat.chat.HandoffMode;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * What the widget endpoints need to know of a tenant: its public widget config, the origins
 * allowed to call it (empty = any), the hashes of its live widget tokens, and whether browsers
 * must present a visitor token instead of the widget token (secure mode), and what its assistant
 * does when it cannot help (the chat engine reads it from here: the cache is dropped on every change).
 */
public record WidgetTenant(
    String id,
    String name,
    JsonObject widgetConfig,
    List<String> allowedOrigins,
    List<TokenHash> tokens,
    boolean requireVisitorToken,
    HandoffMode handoffMode) {

  /** @param expiresAt null while the token is current; set once it has been rotated out */
  public record TokenHash(byte[] hash, Instant expiresAt) {}

  public String defaultAssistantId() {
    return widgetConfig.getString("assistantId");
  }
}
