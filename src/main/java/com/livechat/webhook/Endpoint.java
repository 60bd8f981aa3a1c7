package com.livechat.webhook;

import com.livechat.store.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/**
 * A tenant's webhook endpoint as stored (its secrets still sealed).
 *
 * @param events the event types it receives; null = every type
 * @param disabledReason null while enabled; "gone" (410), "failing" (5 days of failures), "manual"
 * @param previousSecretUntil the rotated-out secret signs beside the new one until then (null: none)
 * @param cursorSeq the tenant's event log up to here has its deliveries
 */
record Endpoint(String id, String tenantId, String url, List<String> events, String description, boolean enabled,
    String disabledReason, byte[] secretSealed, byte[] previousSecretSealed, OffsetDateTime previousSecretUntil,
    long cursorSeq, OffsetDateTime failingSince, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

  static final String COLUMNS = "id, tenant_id, url, events, description, enabled, disabled_reason, secret_enc, "
      + "previous_secret_enc, previous_secret_until, cursor_seq, failing_since, created_at, updated_at";

  static Endpoint from(Row r) {
    String[] events = r.getArrayOfStrings("events");
    return new Endpoint(r.getString("id"), r.getString("tenant_id"), r.getString("url"),
        events == null ? null : Arrays.asList(events), r.getString("description"), r.getBoolean("enabled"),
        r.getString("disabled_reason"), bytes(r, "secret_enc"), bytes(r, "previous_secret_enc"),
        r.getOffsetDateTime("previous_secret_until"), r.getLong("cursor_seq"), r.getOffsetDateTime("failing_since"),
        r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"));
  }

  private static byte[] bytes(Row r, String column) {
    var buffer = r.getBuffer(column);
    return buffer == null ? null : buffer.getBytes();
  }

  /** Whether events of {@code type} go to this endpoint. */
  boolean wants(String type) {
    return events == null || events.contains(type);
  }

  /** The API's view: never a secret. */
  JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("url", url)
        .put("events", events == null ? null : new JsonArray(events))
        .put("description", description)
        .put("enabled", enabled)
        .put("disabledReason", disabledReason)
        .put("createdAt", Timestamps.format(createdAt))
        .put("updatedAt", Timestamps.format(updatedAt));
  }
}
