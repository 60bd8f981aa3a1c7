package com.livechat.conversation;

import com.livechat.store.Timestamps;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;

public record Conversation(
    String id,
    String tenantId,
    String assistantId,
    String sessionId,
    String channel,
    String status,
    boolean aiEnabled,
    JsonObject contactData,
    boolean qualified,
    String assigneeId,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt,
    OffsetDateTime lastMessageAt,
    String linkedConversationId,
    JsonObject metadata) {

  static final String COLUMNS = "id, tenant_id, assistant_id, session_id, channel, status, ai_enabled, "
      + "contact_data, qualified, assignee_id, created_at, updated_at, last_message_at, linked_conversation_id, "
      + "metadata";

  static Conversation from(Row row) {
    return new Conversation(
        row.getString("id"),
        row.getString("tenant_id"),
        row.getString("assistant_id"),
        row.getString("session_id"),
        row.getString("channel"),
        row.getString("status"),
        row.getBoolean("ai_enabled"),
        row.getJsonObject("contact_data"),
        row.getBoolean("qualified"),
        row.getString("assignee_id"),
        row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("updated_at"),
        row.getOffsetDateTime("last_message_at"),
        row.getString("linked_conversation_id"),
        row.getJsonObject("metadata"));
  }

  /** The API shape of shared/API.md Part 2. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("channel", channel)
        .put("status", status)
        .put("assistantId", assistantId)
        .put("sessionId", sessionId)
        .put("contact_data", contactData == null ? new JsonObject() : contactData)
        .put("qualified", qualified)
        .put("aiEnabled", aiEnabled)
        .put("assigneeId", assigneeId)
        .put("createdAt", Timestamps.format(createdAt))
        .put("updatedAt", Timestamps.format(updatedAt))
        .put("lastMessageAt", Timestamps.format(lastMessageAt))
        .put("linkedConversationId", linkedConversationId)
        .put("metadata", metadata == null ? new JsonObject() : metadata);
  }
}
