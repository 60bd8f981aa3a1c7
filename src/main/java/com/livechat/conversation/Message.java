package com.livechat.conversation;

import com.livechat.store.Timestamps;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;

public record Message(
    String id,
    String conversationId,
    String role,
    String content,
    JsonObject metadata,
    OffsetDateTime createdAt) {

  static final String COLUMNS = "id, conversation_id, role, content, metadata, created_at";

  static Message from(Row row) {
    return new Message(
        row.getString("id"),
        row.getString("conversation_id"),
        row.getString("role"),
        row.getString("content"),
        row.getJsonObject("metadata"),
        row.getOffsetDateTime("created_at"));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("conversationId", conversationId)
        .put("role", role)
        .put("content", content)
        .put("createdAt", Timestamps.format(createdAt))
        .put("metadata", metadata == null ? new JsonObject() : metadata);
  }
}
