package com.livechat.conversation;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Contact details learnt in a turn, to merge into the conversation's contact_data, and the
 * assistant's required fields: the first time all of them are known the conversation is qualified.
 */
public record ContactUpdate(JsonObject fields, List<String> requiredFields) {

  public static final ContactUpdate NONE = new ContactUpdate(new JsonObject(), List.of());

  boolean isEmpty() {
    return fields == null || fields.isEmpty();
  }
}
