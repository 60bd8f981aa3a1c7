package com.livechat.usage;

/** A request would take a tenant over one of its monthly limits; nothing of it was stored or counted. */
public final class UsageLimitExceeded extends RuntimeException {

  public UsageLimitExceeded(String message) {
    super(message, null, false, false);
  }
}
