package com.livechat.events;

/** The event types of a tenant's log, as shared/API.md Part 3 names them. */
public final class EventTypes {

  public static final String CONVERSATION_NEW = "conversation:new";
  public static final String CONVERSATION_UPDATED = "conversation:updated";
  public static final String CONVERSATION_QUALIFIED = "conversation:qualified";
  public static final String MESSAGE_NEW = "message:new";
  public static final String CAMPAIGN_PROGRESS = "campaign:progress";

  private EventTypes() {}
}
