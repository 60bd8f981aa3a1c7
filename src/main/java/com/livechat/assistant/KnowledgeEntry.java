package com.livechat.assistant;

import com.livechat.store.Timestamps;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;

/** A knowledge-base entry of an assistant: a passage its answers are grounded in. */
public record KnowledgeEntry(
    String id,
    String tenantId,
    String assistantId,
    String title,
    String content,
    OffsetDateTime createdAt) {

  static final String COLUMNS = "id, tenant_id, assistant_id, title, content, created_at";

  static KnowledgeEntry from(Row row) {
    return new KnowledgeEntry(
        row.getString("id"),
        row.getString("tenant_id"),
        row.getString("assistant_id"),
        row.getString("title"),
        row.getString("content"),
        row.getOffsetDateTime("created_at"));
  }

  /** The API shape: {id, assistantId, title, content, createdAt}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("assistantId", assistantId)
        .put("title", title)
        .put("content", content)
        .put("createdAt", Timestamps.format(createdAt));
  }
}
