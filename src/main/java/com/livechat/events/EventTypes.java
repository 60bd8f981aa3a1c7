package com.livechat.events;

/** The event types of a tenant's log, as shared/API.md Part 3 names them. */
public final class EventTypes {

  public static final String CONVERSATION_NEW = "conversation:new";
  public static final String CONVERSATION_UPDATED = "conversation:updated";
  public static final String CONVERSATION_QUALIFIED = "conversation:qualified";
  public static final String MESSAGE_NEW = "message:new";
  /**
   * A stored message's text changed: a caller interrupted a spoken reply, and the message became
   * what they heard. Not among the five types of the published reference; clients ignore types
   * they do not know.
   */
  public static final String MESSAGE_UPDATED = "message:updated";
  public static final String CAMPAIGN_PROGRESS = "campaign:progress";

  private EventTypes() {}
}
