package com.livechat.webhook;

import com.livechat.store.Timestamps;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;

/**
 * One event's delivery to one endpoint, with what its last attempt got.
 *
 * @param eventSeq the tenant log entry it carries; null for a test ping
 * @param body the POST body, the same on every attempt: stored for a ping, built from the log entry
 *     for the others (null as read from the table alone)
 * @param status "pending" (due, waiting for a retry, or held while its endpoint is disabled),
 *     "delivered", "failed" (every retry used)
 */
record Delivery(String id, String tenantId, String endpointId, Long eventSeq, String eventId, String eventType,
    String body, String status, int attempts, Integer lastResponseCode, String lastError, OffsetDateTime nextAttemptAt,
    OffsetDateTime deliveredAt, OffsetDateTime createdAt) {

  static final String COLUMNS = "id, tenant_id, endpoint_id, event_seq, event_id, event_type, body, status, attempts, "
      + "last_response_code, last_error, next_attempt_at, delivered_at, created_at";

  static Delivery from(Row r) {
    return new Delivery(r.getString("id"), r.getString("tenant_id"), r.getString("endpoint_id"),
        r.getLong("event_seq"), r.getString("event_id"), r.getString("event_type"), r.getString("body"),
        r.getString("status"), r.getInteger("attempts"), r.getInteger("last_response_code"),
        r.getString("last_error"), r.getOffsetDateTime("next_attempt_at"), r.getOffsetDateTime("delivered_at"),
        r.getOffsetDateTime("created_at"));
  }

  Delivery withBody(String built) {
    return new Delivery(id, tenantId, endpointId, eventSeq, eventId, eventType, built, status, attempts,
        lastResponseCode, lastError, nextAttemptAt, deliveredAt, createdAt);
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("eventId", eventId)
        .put("type", eventType)
        .put("status", status)
        .put("attempts", attempts)
        .put("lastResponseCode", lastResponseCode)
        .put("lastError", lastError)
        .put("nextAttemptAt", nextAttemptAt == null ? null : Timestamps.format(nextAttemptAt))
        .put("createdAt", Timestamps.format(createdAt))
        .put("deliveredAt", deliveredAt == null ? null : Timestamps.format(deliveredAt));
  }
}
