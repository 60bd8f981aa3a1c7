package com.livechat.conversation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The contact details a conversation collects about a lead, in contact_data: the one list of them
 * (an assistant's qualification.requiredFields, the LLM's update_contact tool and the cleaning of
 * what it sends all use it), and the one length rule. A value a model sends that is longer than
 * {@link #MAX_SENT_CHARS} is dropped as garbage rather than cut (half an email address is worse than
 * none); what is kept is stored on one line, at most {@link #MAX_STORED_CHARS} characters.
 */
public final class LeadFields {

  /** Each field with what it holds, in the words an LLM is told (update_contact's parameters). */
  public static final Map<String, String> DESCRIPTIONS = descriptions();

  public static final List<String> ALL = List.copyOf(DESCRIPTIONS.keySet());

  /** The longest value a model may send for a field; a longer one is not a real value. */
  public static final int MAX_SENT_CHARS = 500;

  /** The longest free-text value stored (need, budget, …); a longer one is cut. */
  public static final int MAX_STORED_CHARS = 200;

  private LeadFields() {}

  private static Map<String, String> descriptions() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("name", "The visitor's name as they gave it.");
    fields.put("email", "The visitor's email address.");
    fields.put("phone", "The visitor's phone number, as written.");
    fields.put("company", "The company or organisation the visitor belongs to.");
    fields.put("need", "What the visitor is looking for, in a short phrase.");
    fields.put("budget", "The budget the visitor mentioned, with its currency if given.");
    fields.put("timeline", "When the visitor needs it, as they said it (e.g. \"next month\").");
    return Collections.unmodifiableMap(fields);
  }
}
