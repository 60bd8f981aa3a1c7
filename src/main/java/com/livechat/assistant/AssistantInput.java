package com.livechat.assistant;

import com.livechat.conversation.LeadFields;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of POST and PUT /api/assistants, validated field by field. PUT replaces every writable
 * field, so an absent optional field takes its default, as on create.
 */
final class AssistantInput {

  static final int NAME_MAX = 100;
  static final int INSTRUCTIONS_MAX = 20_000;
  static final int MODEL_MAX = 100;
  static final int GREETING_MAX = 1000;
  static final double TEMPERATURE_MAX = 2.0;
  static final double DEFAULT_TEMPERATURE = 0.7;
  static final int MAX_TOKENS_MAX = 32_000;
  static final int DEFAULT_MAX_TOKENS = 512;
  static final int PHONE_NUMBERS_MAX = 10;
  static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
  static final int LANGUAGE_MAX = 35;
  static final int TTS_VOICE_MAX = 100;
  // BCP-47-like: a language, then up to three subtags (en-US, zh-Hans-CN); the carrier checks the rest
  static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}");

  private static final List<String> FIELDS = List.of("name", "instructions", "model", "greeting", "temperature",
      "maxTokens", "phoneNumbers", "qualification", "transferNumber", "voice");
  private static final List<String> VOICE_FIELDS = List.of("language", "ttsVoice");

  private AssistantInput() {}

  /** Refuses a field that no assistant has (PATCH checks its body before merging it). */
  static void checkFields(JsonObject body) {
    Bodies.onlyFields(body, FIELDS, "invalid_field", "", "id");
  }

  static Assistant parse(JsonObject body, String tenantId, String assistantId) {
    // "id" is accepted and ignored, so that a client may send back what GET gave it
    Bodies.onlyFields(body, FIELDS, "invalid_field", "", "id");
    String name = Bodies.requiredText(body, "name", 1, NAME_MAX);
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw AppError.invalid("invalid_name", "name must not contain control characters.");
    }
    String model = text(body, "model", MODEL_MAX).strip();
    if (model.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
      throw AppError.invalid("invalid_model", "model must not contain spaces or control characters.");
    }
    return new Assistant(assistantId, tenantId, name, text(body, "instructions", INSTRUCTIONS_MAX), model,
        text(body, "greeting", GREETING_MAX), temperature(body), maxTokens(body), phoneNumbers(body),
        qualification(body), transferNumber(body), voice(body));
  }

  /** An optional string of at most {@code max} characters; absent or null is empty. */
  private static String text(JsonObject body, String field, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      return "";
    }
    if (!(value instanceof String s) || s.codePointCount(0, s.length()) > max) {
      throw AppError.invalid("invalid_" + field, field + " must be a string of at most " + max + " characters.");
    }
    return s;
  }

  private static double temperature(JsonObject body) {
    Object value = body.getValue("temperature");
    if (value == null) {
      return DEFAULT_TEMPERATURE;
    }
    if (value instanceof Number n) {
      double t = n.doubleValue();
      if (t >= 0 && t <= TEMPERATURE_MAX) {
        return t;
      }
    }
    throw AppError.invalid("invalid_temperature", "temperature must be a number from 0 to 2.");
  }

  private static int maxTokens(JsonObject body) {
    Object value = body.getValue("maxTokens");
    if (value == null) {
      return DEFAULT_MAX_TOKENS;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 1
        && ((Number) value).longValue() <= MAX_TOKENS_MAX) {
      return ((Number) value).intValue();
    }
    throw AppError.invalid("invalid_max_tokens", "maxTokens must be an integer from 1 to " + MAX_TOKENS_MAX + ".");
  }

  private static List<String> phoneNumbers(JsonObject body) {
    Object value = body.getValue("phoneNumbers");
    if (value == null) {
      return List.of();
    }
    AppError invalid = AppError.invalid("invalid_phone_numbers", "phoneNumbers must be an array of at most "
        + PHONE_NUMBERS_MAX + " distinct E.164 numbers such as +14165559999.");
    if (!(value instanceof JsonArray array) || array.size() > PHONE_NUMBERS_MAX) {
      throw invalid;
    }
    List<String> numbers = new ArrayList<>();
    for (Object entry : array) {
      if (!(entry instanceof String number) || !E164.matcher(number).matches() || numbers.contains(number)) {
        throw invalid;
      }
      numbers.add(number);
    }
    return List.copyOf(numbers);
  }

  /** Where a voice handoff is dialled; absent or null: nowhere (the caller hears an apology). */
  private static String transferNumber(JsonObject body) {
    Object value = body.getValue("transferNumber");
    if (value == null) {
      return null;
    }
    if (!(value instanceof String number) || !E164.matcher(number).matches()) {
      throw AppError.invalid("invalid_transfer_number", "transferNumber must be null or an E.164 number such as "
          + "+14165559999.");
    }
    return number;
  }

  /** {"language", "ttsVoice"}, each optional, passed through to the carrier; absent or null: {}. */
  private static JsonObject voice(JsonObject body) {
    Object value = body.getValue("voice");
    if (value == null) {
      return new JsonObject();
    }
    AppError invalid = AppError.invalid("invalid_voice", "voice must be an object with an optional language "
        + "(a BCP-47 tag such as en-US, at most " + LANGUAGE_MAX + " characters) and an optional ttsVoice "
        + "(at most " + TTS_VOICE_MAX + " characters, no control characters).");
    if (!(value instanceof JsonObject json) || !VOICE_FIELDS.containsAll(json.fieldNames())) {
      throw invalid;
    }
    JsonObject voice = new JsonObject();
    Object language = json.getValue("language");
    if (language != null) {
      if (!(language instanceof String tag) || tag.length() > LANGUAGE_MAX || !LANGUAGE.matcher(tag).matches()) {
        throw invalid;
      }
      voice.put("language", tag);
    }
    Object ttsVoice = json.getValue("ttsVoice");
    if (ttsVoice != null) {
      if (!(ttsVoice instanceof String name) || name.codePointCount(0, name.length()) > TTS_VOICE_MAX
          || name.chars().anyMatch(Character::isISOControl)) {
        throw invalid;
      }
      voice.put("ttsVoice", name);
    }
    return voice;
  }

  private static JsonObject qualification(JsonObject body) {
    Object value = body.getValue("qualification");
    JsonArray fields = new JsonArray();
    if (value == null) {
      return new JsonObject().put("requiredFields", fields);
    }
    AppError invalid = AppError.invalid("invalid_qualification", "qualification must be {\"requiredFields\": [...]} "
        + "with distinct fields among " + String.join(", ", LeadFields.ALL) + ".");
    if (!(value instanceof JsonObject json) || !Set.of("requiredFields").containsAll(json.fieldNames())) {
      throw invalid;
    }
    Object required = json.getValue("requiredFields");
    if (required != null) {
      if (!(required instanceof JsonArray array)) {
        throw invalid;
      }
      Set<Object> seen = new HashSet<>();
      for (Object field : array) {
        if (!(field instanceof String) || !LeadFields.ALL.contains(field) || !seen.add(field)) {
          throw invalid;
        }
        fields.add(field);
      }
    }
    return new JsonObject().put("requiredFields", fields);
  }
}
