package com.livechat.webhook;

import com.livechat.error.AppError;
import com.livechat.events.EventTypes;
import com.livechat.http.Bodies;
import com.livechat.net.OutboundTargets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The bodies of POST and PATCH /api/webhooks, validated field by field.
 *
 * @param url null in a PATCH that leaves it
 * @param events null = every type (in a PATCH, only when {@code eventsGiven})
 * @param description null = none (in a PATCH, only when {@code descriptionGiven})
 * @param enabled null when not given
 */
record WebhookInput(String url, List<String> events, boolean eventsGiven, String description,
    boolean descriptionGiven, Boolean enabled) {

  static final int URL_MAX = 2048;
  static final int DESCRIPTION_MAX = 500;
  static final int EVENTS_MAX = 20;
  /** The event types an endpoint may subscribe to: those of the tenant socket. */
  static final List<String> TYPES = List.of(EventTypes.CONVERSATION_NEW, EventTypes.CONVERSATION_UPDATED,
      EventTypes.CONVERSATION_QUALIFIED, EventTypes.MESSAGE_NEW, EventTypes.MESSAGE_UPDATED,
      EventTypes.CAMPAIGN_PROGRESS);

  private static final List<String> CREATE_FIELDS = List.of("description", "events", "url");
  private static final List<String> PATCH_FIELDS = List.of("description", "enabled", "events", "url");

  static WebhookInput create(JsonObject body, boolean allowPrivate) {
    Bodies.onlyFields(body, CREATE_FIELDS);
    if (!body.containsKey("url")) {
      throw AppError.invalid("invalid_url", "url is required: the https URL that receives the events.");
    }
    return new WebhookInput(url(body.getValue("url"), allowPrivate), events(body.getValue("events")), true,
        description(body.getValue("description")), true, null);
  }

  static WebhookInput patch(JsonObject body, boolean allowPrivate) {
    Bodies.onlyFields(body, PATCH_FIELDS);
    String url = body.containsKey("url") ? url(body.getValue("url"), allowPrivate) : null;
    boolean eventsGiven = body.containsKey("events");
    boolean descriptionGiven = body.containsKey("description");
    Boolean enabled = null;
    if (body.containsKey("enabled")) {
      if (!(body.getValue("enabled") instanceof Boolean b)) {
        throw AppError.invalid("invalid_enabled", "enabled must be true or false.");
      }
      enabled = b;
    }
    return new WebhookInput(url, eventsGiven ? events(body.getValue("events")) : null, eventsGiven,
        descriptionGiven ? description(body.getValue("description")) : null, descriptionGiven, enabled);
  }

  private static String url(Object value, boolean allowPrivate) {
    String rule = "url must be an absolute " + (allowPrivate ? "http(s)" : "https") + " URL of at most " + URL_MAX
        + " characters";
    if (!(value instanceof String url) || url.isBlank() || url.strip().length() > URL_MAX) {
      throw AppError.invalid("invalid_url", rule + ".");
    }
    String problem = OutboundTargets.problem(url.strip(), true);
    if (problem != null) {
      throw AppError.invalid("invalid_url", rule + ": " + problem + ".");
    }
    String notAllowed = OutboundTargets.problem(url.strip(), allowPrivate);
    if (notAllowed != null) {
      throw AppError.invalid("webhook_url_not_allowed", "This URL cannot receive webhooks: " + notAllowed
          + ". Deliveries go to public https servers only.");
    }
    return url.strip();
  }

  /** Null: every type. */
  private static List<String> events(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > EVENTS_MAX) {
      throw AppError.invalid("invalid_events", "events must be null (every type) or a list of 1 to " + EVENTS_MAX
          + " of " + String.join(", ", TYPES) + ".");
    }
    LinkedHashSet<String> types = new LinkedHashSet<>();
    for (Object type : array) {
      if (!(type instanceof String t) || !TYPES.contains(t)) {
        throw AppError.invalid("invalid_events", "Unknown event type " + type + "; the types are "
            + String.join(", ", TYPES) + ".");
      }
      types.add(t);
    }
    return new ArrayList<>(types);
  }

  private static String description(Object value) {
    if (value == null) {
      return null;
    }
    String d = value instanceof String s ? s.strip() : null;
    if (d == null || d.codePointCount(0, d.length()) > DESCRIPTION_MAX) {
      throw AppError.invalid("invalid_description", "description must be a string of at most " + DESCRIPTION_MAX
          + " characters.");
    }
    return d.isEmpty() ? null : d;
  }
}
