package com.livechat.chat.provider;

import com.livechat.conversation.LeadFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The functions an LLM provider may call: {@code request_human} (hand the conversation to the
 * team) and {@code update_contact} (record what the visitor said about themselves), in the Chat
 * Completions {@code tools} format.
 */
public final class AiTools {

  public static final String REQUEST_HUMAN = "request_human";
  public static final String UPDATE_CONTACT = "update_contact";

  private static final JsonArray DEFINITIONS = build();

  private AiTools() {}

  /** The {@code tools} array of a request; a fresh copy, the caller may change it. */
  static JsonArray definitions() {
    return DEFINITIONS.copy();
  }

  private static JsonArray build() {
    JsonObject contactProperties = new JsonObject();
    LeadFields.DESCRIPTIONS.forEach((name, description) -> contactProperties.put(name, field(description)));
    return new JsonArray()
        .add(function(REQUEST_HUMAN,
            "Hand the conversation over to a human member of the team. Call it when the visitor asks "
                + "for a person, when you cannot help with their question, or when the matter needs a "
                + "human decision (a complaint, a refund, something about their own account).",
            new JsonObject()
                .put("type", "object")
                .put("properties", new JsonObject().put("reason",
                    field("Why a human is needed, in one short sentence.")))
                .put("additionalProperties", false)))
        .add(function(UPDATE_CONTACT,
            "Record contact or qualification details the visitor has stated in this conversation. "
                + "Call it as soon as the visitor gives any of them, with only the fields they actually "
                + "gave; never guess or invent a value. Then continue the conversation normally.",
            new JsonObject()
                .put("type", "object")
                .put("properties", contactProperties)
                .put("additionalProperties", false)));
  }

  /**
   * The contact fields of one {@code update_contact} call ({@link LeadFields#ALL}, any other name
   * is ignored): values as trimmed strings (a number, such as a budget, becomes its decimal text),
   * blank values and those over {@link LeadFields#MAX_SENT_CHARS} left out.
   */
  static JsonObject contactFields(JsonObject arguments) {
    JsonObject contact = new JsonObject();
    if (arguments == null) {
      return contact;
    }
    for (String field : LeadFields.ALL) {
      Object value = arguments.getValue(field);
      String text = value instanceof String s ? s.trim() : value instanceof Number n ? n.toString() : null;
      if (text != null && !text.isEmpty() && text.length() <= LeadFields.MAX_SENT_CHARS) {
        contact.put(field, text);
      }
    }
    return contact;
  }

  private static JsonObject function(String name, String description, JsonObject parameters) {
    return new JsonObject()
        .put("type", "function")
        .put("function", new JsonObject()
            .put("name", name)
            .put("description", description)
            .put("parameters", parameters));
  }

  private static JsonObject field(String description) {
    return new JsonObject().put("type", "string").put("description", description);
  }
}
