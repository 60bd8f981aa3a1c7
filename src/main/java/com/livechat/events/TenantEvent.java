package com.livechat.events;

import io.vertx.core.json.JsonObject;

/**
 * One entry of a tenant's event log. {@code seq} is gapless per tenant and is the event id
 * clients see (as a decimal string) and resume from.
 */
public record TenantEvent(String tenantId, long seq, String type, JsonObject data) {

  public String id() {
    return Long.toString(seq);
  }

  /** The event inside a batch on the event bus: {"seq", "type", "data"} (the batch names the tenant). */
  public JsonObject toJson() {
    return new JsonObject().put("seq", seq).put("type", type).put("data", data);
  }

  public static TenantEvent fromJson(String tenantId, JsonObject json) {
    return new TenantEvent(tenantId, json.getLong("seq"), json.getString("type"), json.getJsonObject("data"));
  }

  /** The frame a dashboard socket receives: {"type", "id", "data"}. */
  public String toFrame() {
    return new JsonObject().put("type", type).put("id", id()).put("data", data).encode();
  }
}
