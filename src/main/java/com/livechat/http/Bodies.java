package com.livechat.http;

import com.livechat.error.AppError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.regex.Pattern;

/** Reading and validating JSON request bodies; every rule fails with a 400 and its own code. */
public final class Bodies {

  private Bodies() {}

  public static JsonObject object(RoutingContext ctx) {
    return object(ctx.body().buffer());
  }

  /** A request body that must be one JSON object (400 invalid_json otherwise). */
  public static JsonObject object(Buffer body) {
    if (body == null || body.length() == 0) {
      throw AppError.invalid("invalid_json", "A JSON object body is required.");
    }
    Object parsed;
    try {
      parsed = body.toJsonValue();
    } catch (DecodeException e) {
      throw AppError.invalid("invalid_json", "The request body is not valid JSON.");
    }
    if (!(parsed instanceof JsonObject json)) {
      throw AppError.invalid("invalid_json", "The request body must be a JSON object.");
    }
    // PostgreSQL text and jsonb cannot hold NUL; refuse it here rather than fail at the insert
    if (body.toString().contains("\\u0000")) {
      throw AppError.invalid("invalid_json", "The request body must not contain NUL characters.");
    }
    return json;
  }

  /**
   * Refuses a field outside {@code allowed} (listed in the message in that order) with {@code code};
   * {@code prefix} names the enclosing object ("widget."), {@code ignored} are accepted unlisted.
   */
  public static void onlyFields(JsonObject json, List<String> allowed, String code, String prefix, String... ignored) {
    for (String field : json.fieldNames()) {
      if (!allowed.contains(field) && !List.of(ignored).contains(field)) {
        throw AppError.invalid(code, "Unknown field " + prefix + field + "; allowed: " + String.join(", ", allowed) + ".");
      }
    }
  }

  /** {@link #onlyFields} for a request body's top level: code {@code invalid_field}. */
  /**
   * A JSON Merge Patch (RFC 7396) of {@code target} by {@code patch}, as a new object: a field of
   * the patch replaces the target's, an object merges into the target's object field by field, and
   * null removes the field (its default then applies).
   */
  public static JsonObject mergePatch(JsonObject target, JsonObject patch) {
    JsonObject merged = target.copy();
    for (String field : patch.fieldNames()) {
      Object value = patch.getValue(field);
      if (value == null) {
        merged.remove(field);
      } else if (value instanceof JsonObject nested && merged.getValue(field) instanceof JsonObject current) {
        merged.put(field, mergePatch(current, nested));
      } else {
        merged.put(field, value instanceof JsonObject nested ? mergePatch(new JsonObject(), nested) : value);
      }
    }
    return merged;
  }

  public static void onlyFields(JsonObject body, List<String> allowed) {
    onlyFields(body, allowed, "invalid_field", "");
  }

  /** A required string matching {@code pattern}; the code is {@code invalid_<field in snake case>}. */
  public static String required(JsonObject body, String field, Pattern pattern, String rule) {
    Object value = body.getValue(field);
    if (!(value instanceof String s) || !pattern.matcher(s).matches()) {
      throw AppError.invalid(code(field), field + (value == null ? " is required" : " is invalid") + ": " + rule + ".");
    }
    return s;
  }

  /** A required string, trimmed, with a length between min and max after trimming. */
  public static String requiredText(JsonObject body, String field, int min, int max) {
    Object value = body.getValue(field);
    if (!(value instanceof String s)) {
      throw AppError.invalid(code(field), field + " is required and must be a string.");
    }
    String trimmed = s.strip();
    int length = trimmed.codePointCount(0, trimmed.length());
    if (length < min || length > max) {
      throw AppError.invalid(code(field), field + " must be " + min + " to " + max + " characters.");
    }
    return trimmed;
  }

  /** An optional string: absent or null gives null, any other non-string is a 400. */
  public static String optionalString(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw AppError.invalid(code(field), field + " must be a string.");
    }
    return s;
  }

  static String code(String field) {
    return "invalid_" + field.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase();
  }
}
