package com.livechat.events;

import io.vertx.core.json.JsonObject;

/**
 * One entry of a tenant's event log. {@code seq} is gapless per tenant and is the event id
 * clients see (as a decimal string) and resume from.
 *
 * @param sessionId the visitor session the event concerns (its conversation's session), or null
 *     when no visitor sees it
 */
public record TenantEvent(String tenantId, long seq, String type, JsonObject data, String sessionId) {

  public TenantEvent(String tenantId, long seq, String type, JsonObject data) {
    this(tenantId, seq, type, data, null);
  }

  public String id() {
    return Long.toString(seq);
  }

  /** The event inside a batch on the event bus: {"seq", "type", "data", "sessionId"?} (the batch names the tenant). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("seq", seq).put("type", type).put("data", data);
    return sessionId == null ? json : json.put("sessionId", sessionId);
  }

  public static TenantEvent fromJson(String tenantId, JsonObject json) {
    return new TenantEvent(tenantId, json.getLong("seq"), json.getString("type"), json.getJsonObject("data"),
        json.getString("sessionId"));
  }

  /** The frame a dashboard socket receives: {"type", "id", "data"}. */
  public String toFrame() {
    return frame(data);
  }

  /** The frame with other data (a visitor's reduced view of the same event), same type and id. */
  public String frame(JsonObject shownData) {
    return new JsonObject().put("type", type).put("id", id()).put("data", shownData).encode();
  }
}
