package com.livechat.chat;

import java.util.Locale;

/**
 * What a tenant's assistant does when it cannot help a visitor (tenant config {@code handoff.mode}).
 * Whatever the mode, a conversation goes to a person only when an agent has the dashboard open;
 * with nobody there the assistant stays on and takes the visitor's contact details for a follow-up.
 */
public enum HandoffMode {
  /** Say plainly it does not know, and offer a person (or a follow-up); hand over when the visitor accepts or asks. */
  OFFER,
  /** Hand over at once when it cannot answer, as when the visitor asks for a person. */
  AUTO,
  /** Never hand over by itself nor on request: it offers a follow-up instead; agents can still take over. */
  NEVER;

  public static final HandoffMode DEFAULT = OFFER;

  /** @return the mode of this name (lower case, as in the config), or null for any other value */
  public static HandoffMode of(String name) {
    for (HandoffMode mode : values()) {
      if (mode.configName().equals(name)) {
        return mode;
      }
    }
    return null;
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
