package com.livechat.chat.provider;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The functions an LLM provider may call: {@code request_human} (hand the conversation to the
 * team) and {@code update_contact} (record what the visitor said about themselves), in the Chat
 * Completions {@code tools} format.
 */
public final class AiTools {

  public static final String REQUEST_HUMAN = "request_human";
  public static final String UPDATE_CONTACT = "update_contact";

  /** The arguments of {@code update_contact}, all optional strings; any other name is ignored. */
  public static final List<String> CONTACT_FIELDS =
      List.of("name", "email", "phone", "company", "need", "budget", "timeline");

  /**
   * A longer value is dropped rather than cut: half an email address or phone number is worse than
   * none, and no real value of these fields comes near it.
   */
  public static final int MAX_CONTACT_VALUE_CHARS = 500;

  private static final JsonArray DEFINITIONS = build();

  private AiTools() {}

  /** The {@code tools} array of a request; a fresh copy, the caller may change it. */
  static JsonArray definitions() {
    return DEFINITIONS.copy();
  }

  private static JsonArray build() {
    JsonObject contactProperties = new JsonObject()
        .put("name", field("The visitor's name as they gave it."))
        .put("email", field("The visitor's email address."))
        .put("phone", field("The visitor's phone number, as written."))
        .put("company", field("The company or organisation the visitor belongs to."))
        .put("need", field("What the visitor is looking for, in a short phrase."))
        .put("budget", field("The budget the visitor mentioned, with its currency if given."))
        .put("timeline", field("When the visitor needs it, as they said it (e.g. \"next month\")."));
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
   * The contact fields of one {@code update_contact} call: known names only, values as trimmed
   * strings (a number, such as a budget, becomes its decimal text), blank or oversized values left
   * out.
   */
  static JsonObject contactFields(JsonObject arguments) {
    JsonObject contact = new JsonObject();
    if (arguments == null) {
      return contact;
    }
    for (String field : CONTACT_FIELDS) {
      Object value = arguments.getValue(field);
      String text = value instanceof String s ? s.trim() : value instanceof Number n ? n.toString() : null;
      if (text != null && !text.isEmpty() && text.length() <= MAX_CONTACT_VALUE_CHARS) {
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
