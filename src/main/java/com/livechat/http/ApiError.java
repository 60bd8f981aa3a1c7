package com.livechat.http;

import io.vertx.core.json.JsonObject;

/**
 * The one error type of the server: a kind (which fixes the HTTP status), a stable snake_case
 * code a client can switch on, and a human-readable message. {@link ErrorMapper} turns it into
 * the JSON error shape of shared/API.md; nothing else writes error responses.
 */
public final class ApiError extends RuntimeException {

  public enum Kind {
    INVALID(400),
    UNAUTHORIZED(401),
    FORBIDDEN(403),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    CONFLICT(409),
    TOO_LARGE(413),
    UPGRADE_REQUIRED(426),
    TOO_MANY(429),
    INTERNAL(500),
    UNAVAILABLE(503);

    public final int status;

    Kind(int status) {
      this.status = status;
    }

    static Kind ofStatus(int status) {
      for (Kind k : values()) {
        if (k.status == status) {
          return k;
        }
      }
      return status >= 500 ? INTERNAL : INVALID;
    }
  }

  private final Kind kind;
  private final String code;
  private final Long retryAfterSeconds;

  private ApiError(Kind kind, String code, String message, Long retryAfterSeconds) {
    super(message, null, false, false);
    this.kind = kind;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiError of(Kind kind, String code, String message) {
    return new ApiError(kind, code, message, null);
  }

  public static ApiError invalid(String code, String message) {
    return of(Kind.INVALID, code, message);
  }

  public static ApiError unauthorized(String code, String message) {
    return of(Kind.UNAUTHORIZED, code, message);
  }

  public static ApiError forbidden(String code, String message) {
    return of(Kind.FORBIDDEN, code, message);
  }

  public static ApiError notFound(String code, String message) {
    return of(Kind.NOT_FOUND, code, message);
  }

  public static ApiError conflict(String code, String message) {
    return of(Kind.CONFLICT, code, message);
  }

  public static ApiError unavailable(String code, String message) {
    return of(Kind.UNAVAILABLE, code, message);
  }

  public static ApiError tooMany(String code, String message, long retryAfterSeconds) {
    return new ApiError(Kind.TOO_MANY, code, message, retryAfterSeconds);
  }

  public Kind kind() {
    return kind;
  }

  public int status() {
    return kind.status;
  }

  public String code() {
    return code;
  }

  public Long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The error as it travels in an event-bus failure (status as failure code, this as message). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("code", code).put("message", getMessage());
    if (retryAfterSeconds != null) {
      json.put("retryAfter", retryAfterSeconds);
    }
    return json;
  }

  public static ApiError fromJson(int status, JsonObject json) {
    Long retry = json.getLong("retryAfter");
    return new ApiError(Kind.ofStatus(status), json.getString("code", "internal_error"),
        json.getString("message", "internal error"), retry);
  }
}
