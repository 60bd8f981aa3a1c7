package com.livechat.store;

import io.vertx.core.json.JsonObject;

/**
 * One entry of a tenant's event log. {@code seq} is gapless per tenant and is the event id
 * clients see (as a decimal string) and resume from.
 */
public record TenantEvent(String tenantId, long seq, String type, JsonObject data) {

  public static final String CONVERSATION_NEW = "conversation:new";
  public static final String CONVERSATION_UPDATED = "conversation:updated";
  public static final String CONVERSATION_QUALIFIED = "conversation:qualified";
  public static final String MESSAGE_NEW = "message:new";
  public static final String CAMPAIGN_PROGRESS = "campaign:progress";

  public String id() {
    return Long.toString(seq);
  }

  /** The event as it travels on the event bus. */
  public JsonObject toJson() {
    return new JsonObject().put("tenantId", tenantId).put("seq", seq).put("type", type).put("data", data);
  }

  public static TenantEvent fromJson(JsonObject json) {
    return new TenantEvent(json.getString("tenantId"), json.getLong("seq"), json.getString("type"),
        json.getJsonObject("data"));
  }

  /** The frame a dashboard socket receives: {"type", "id", "data"}. */
  public String toFrame() {
    return new JsonObject().put("type", type).put("id", id()).put("data", data).encode();
  }
}
