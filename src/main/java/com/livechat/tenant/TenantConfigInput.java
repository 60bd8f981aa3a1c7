package com.livechat.tenant;

import com.livechat.chat.HandoffMode;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.store.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The body of PUT /api/tenant/config, validated field by field: the widget config that GET
 * /api/widgets/:id/config serves, plus the origins allowed to embed the widget and whether
 * browsers must present a visitor token (secure mode; not served in the widget config). It
 * replaces the whole config: an absent optional field takes its default. The one exception is
 * {@code searchLanguage}, the knowledge base's text-search configuration: it is not part of the
 * widget config (GET /api/tenant shows it beside the config), so an absent one is left unchanged.
 * {@code handoff} ({"mode": "offer" | "auto" | "never"}, default offer) is what the assistant does
 * when it cannot help; like the origins, it is not served to widgets.
 */
record TenantConfigInput(String name, String assistantId, JsonObject widgetConfig, List<String> allowedOrigins,
    boolean requireVisitorToken, String searchLanguage, HandoffMode handoffMode) {

  static final int NAME_MAX = 100;
  static final int LOGO_MAX = 2048;
  static final int ORIGINS_MAX = 100;
  static final int ORIGIN_MAX = 255;
  static final String DEFAULT_COLOR = "#3B82F6";
  static final String DEFAULT_POSITION = "bottom-right";
  static final int SEARCH_LANGUAGE_MAX = 63;

  // sorted: the order an unknown-field error lists them in
  private static final List<String> FIELDS = List.of("allowedOrigins", "assistantId", "branding", "handoff", "name",
      "requireVisitorToken", "searchLanguage", "widget");
  private static final List<String> HANDOFF_FIELDS = List.of("mode");
  private static final List<String> WIDGET_FIELDS = List.of("position", "primaryColor");
  private static final List<String> BRANDING_FIELDS = List.of("logo");
  private static final Set<String> POSITIONS = Set.of("bottom-right", "bottom-left");
  // the shape of a PostgreSQL text-search configuration name; whether it exists is checked in the store
  private static final Pattern SEARCH_LANGUAGE = Pattern.compile("[a-z][a-z0-9_]{0," + (SEARCH_LANGUAGE_MAX - 1) + "}");
  private static final Pattern COLOR = Pattern.compile("#[0-9A-Fa-f]{6}");
  private static final String LABEL = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
  // scheme://host[:port] as browsers serialize an Origin header (lower case, no path)
  private static final Pattern ORIGIN = Pattern.compile(
      "([a-z][a-z0-9+.-]*)://(" + LABEL + "(?:\\." + LABEL + ")*|\\[[0-9a-f:.]+\\])(?::([0-9]{1,5}))?");

  static TenantConfigInput parse(JsonObject body) {
    Bodies.onlyFields(body, FIELDS);
    String name = Bodies.requiredText(body, "name", 1, NAME_MAX);
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw AppError.invalid("invalid_name", "name must not contain control characters.");
    }
    String assistantId = assistantId(body);
    JsonObject widget = object(body, "widget", WIDGET_FIELDS);
    JsonObject branding = object(body, "branding", BRANDING_FIELDS);
    JsonObject handoff = object(body, "handoff", HANDOFF_FIELDS);
    JsonObject config = new JsonObject()
        .put("name", name)
        .put("assistantId", assistantId)
        .put("widget", new JsonObject()
            .put("primaryColor", primaryColor(widget.getValue("primaryColor")))
            .put("position", position(widget.getValue("position"))))
        .put("branding", new JsonObject().put("logo", logo(branding.getValue("logo"))));
    return new TenantConfigInput(name, assistantId, config, origins(body.getValue("allowedOrigins")),
        requireVisitorToken(body.getValue("requireVisitorToken")), searchLanguage(body.getValue("searchLanguage")),
        handoffMode(handoff.getValue("mode")));
  }

  /**
   * Refuses a config that would unlink the widget's assistant: the widget could no longer answer.
   * A tenant that has none linked (its assistant was deleted) may leave it so.
   */
  TenantConfigInput keepingAnAssistant(JsonObject current) {
    if (assistantId == null && current.getValue("assistantId") != null) {
      throw AppError.invalid("assistant_required", "assistantId is required: without it the widget would have "
          + "no assistant to answer its visitors. Send the id of one of your assistants (GET /api/assistants), "
          + "or use PATCH /api/tenant/config to change only the fields you send.");
    }
    return this;
  }

  /**
   * PATCH: the fields sent (a JSON Merge Patch: nested objects merge, null removes) over the config
   * as it is; the result is checked as a whole PUT body would be.
   */
  static TenantConfigInput patch(JsonObject current, JsonObject patch) {
    Bodies.onlyFields(patch, FIELDS);
    return parse(Bodies.mergePatch(current, patch));
  }

  /** The config as PUT takes it and GET /api/tenant shows it; searchLanguage only when it was given. */
  JsonObject toJson() {
    JsonObject json = widgetConfig.copy().put("allowedOrigins", new JsonArray(allowedOrigins))
        .put("requireVisitorToken", requireVisitorToken)
        .put("handoff", new JsonObject().put("mode", handoffMode.configName()));
    return searchLanguage == null ? json : json.put("searchLanguage", searchLanguage);
  }

  static AppError invalidSearchLanguage(String allowed) {
    return AppError.invalid("invalid_search_language", "searchLanguage must be one of the text-search "
        + "configurations of the database: " + allowed + ".");
  }

  private static String assistantId(JsonObject body) {
    Object value = body.getValue("assistantId");
    if (value == null) {
      return null;
    }
    if (!(value instanceof String id)) {
      throw AppError.invalid("invalid_assistant_id", "assistantId must be null or the id of one of your assistants.");
    }
    if (!Ids.plausible(id)) {
      throw AppError.notFound("assistant_not_found", "assistantId is not one of your assistants.");
    }
    return id;
  }

  /** A nested object; absent or null is an empty one, so that its fields take their defaults. */
  private static JsonObject object(JsonObject body, String field, List<String> fields) {
    Object value = body.getValue(field);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject json)) {
      throw AppError.invalid("invalid_" + field, field + " must be an object.");
    }
    Bodies.onlyFields(json, fields, "invalid_" + field, field + ".");
    return json;
  }

  /** Absent or null: false (browsers may use the widget token). */
  private static boolean requireVisitorToken(Object value) {
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean required)) {
      throw AppError.invalid("invalid_require_visitor_token", "requireVisitorToken must be true or false.");
    }
    return required;
  }

  /** Absent or null: offer. */
  private static HandoffMode handoffMode(Object value) {
    if (value == null) {
      return HandoffMode.DEFAULT;
    }
    HandoffMode mode = value instanceof String s ? HandoffMode.of(s) : null;
    if (mode == null) {
      throw AppError.invalid("invalid_handoff_mode", "handoff.mode must be offer (the assistant offers a person, "
          + "or a follow-up when no agent is online), auto (it hands over at once when it cannot help and an agent "
          + "is online) or never (it never hands over; it offers a follow-up).");
    }
    return mode;
  }

  /** Case-insensitive; null when absent (the tenant's language is kept). */
  private static String searchLanguage(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof String s) {
      String language = s.toLowerCase(Locale.ROOT);
      if (SEARCH_LANGUAGE.matcher(language).matches()) {
        return language;
      }
    }
    throw AppError.invalid("invalid_search_language", "searchLanguage must be the name of a text-search "
        + "configuration of the database, such as english, german, french or simple.");
  }

  private static String primaryColor(Object value) {
    if (value == null) {
      return DEFAULT_COLOR;
    }
    if (!(value instanceof String color) || !COLOR.matcher(color).matches()) {
      throw AppError.invalid("invalid_primary_color", "widget.primaryColor must be a #RRGGBB hex color.");
    }
    return color;
  }

  private static String position(Object value) {
    if (value == null) {
      return DEFAULT_POSITION;
    }
    if (!(value instanceof String position) || !POSITIONS.contains(position)) {
      throw AppError.invalid("invalid_position", "widget.position must be bottom-right or bottom-left.");
    }
    return position;
  }

  private static String logo(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof String url && url.length() <= LOGO_MAX) {
      try {
        URI uri = new URI(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null) {
          return url;
        }
      } catch (URISyntaxException ignored) {
        // falls through to the 400
      }
    }
    throw AppError.invalid("invalid_logo", "branding.logo must be null or an http(s) URL of at most "
        + LOGO_MAX + " characters.");
  }

  /** Lower-cased, without a default port, without duplicates: the form browsers send in Origin. */
  private static List<String> origins(Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array) || array.size() > ORIGINS_MAX) {
      throw AppError.invalid("invalid_allowed_origins", "allowedOrigins must be an array of at most "
          + ORIGINS_MAX + " origins.");
    }
    Set<String> origins = new LinkedHashSet<>();
    for (Object entry : array) {
      origins.add(origin(entry));
    }
    return List.copyOf(origins);
  }

  private static String origin(Object entry) {
    if (entry instanceof String s && s.length() <= ORIGIN_MAX) {
      String origin = s.toLowerCase(Locale.ROOT);
      Matcher m = ORIGIN.matcher(origin);
      if (m.matches()) {
        String scheme = m.group(1);
        String port = m.group(3);
        if (port == null) {
          return origin;
        }
        int number = Integer.parseInt(port);
        if (number >= 1 && number <= 65535) {
          boolean defaultPort = scheme.equals("https") && number == 443 || scheme.equals("http") && number == 80;
          return scheme + "://" + m.group(2) + (defaultPort ? "" : ":" + number);
        }
      }
    }
    String shown = String.valueOf(entry);
    shown = shown.substring(0, Math.min(shown.length(), 80));
    throw AppError.invalid("invalid_allowed_origins", "allowedOrigins entries must be origins of the form "
        + "scheme://host[:port], without a path, of at most " + ORIGIN_MAX + " characters; got: " + shown);
  }
}
