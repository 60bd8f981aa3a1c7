package com.livechat.error;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.SocketException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one error type of the server: a kind (what went wrong, independent of any transport), a
 * stable snake_case code a client can switch on, and a human-readable message. HTTP turns the
 * kind into a status in one place ({@code http.ErrorMapper}); on the event bus it travels as
 * {@link #toJson()} with failure code {@link #BUS_FAILURE_CODE} (docs/EVENTBUS.md).
 */
public final class AppError extends RuntimeException {

  private static final Logger LOG = LoggerFactory.getLogger(AppError.class);

  /** The failure code of an event-bus reply that carries an AppError as its JSON message. */
  public static final int BUS_FAILURE_CODE = 1;

  public enum Kind {
    INVALID,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    CONFLICT,
    TOO_LARGE,
    UPGRADE_REQUIRED,
    TOO_MANY,
    INTERNAL,
    UNAVAILABLE,
    /** The request line was longer than the server reads (414). */
    URI_TOO_LONG,
    /** The request's headers were larger than the server reads (431). */
    HEADERS_TOO_LARGE;

    /** The kind's name on the wire: lower case ("not_found"). */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Kind fromWire(String name) {
      if (name != null) {
        for (Kind k : values()) {
          if (k.wireName().equals(name)) {
            return k;
          }
        }
      }
      return INTERNAL;
    }
  }

  private final Kind kind;
  private final String code;
  private final Long retryAfterSeconds;

  private AppError(Kind kind, String code, String message, Long retryAfterSeconds) {
    super(message, null, false, false);
    this.kind = kind;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static AppError of(Kind kind, String code, String message) {
    return new AppError(kind, code, message, null);
  }

  public static AppError invalid(String code, String message) {
    return of(Kind.INVALID, code, message);
  }

  public static AppError unauthorized(String code, String message) {
    return of(Kind.UNAUTHORIZED, code, message);
  }

  public static AppError forbidden(String code, String message) {
    return of(Kind.FORBIDDEN, code, message);
  }

  public static AppError notFound(String code, String message) {
    return of(Kind.NOT_FOUND, code, message);
  }

  public static AppError conflict(String code, String message) {
    return of(Kind.CONFLICT, code, message);
  }

  /** How long a client is asked to wait after a 503 that names no time of its own (Retry-After). */
  public static final long UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

  /** Unavailable for now: a 503 with {@code Retry-After: 5}. */
  public static AppError unavailable(String code, String message) {
    return new AppError(Kind.UNAVAILABLE, code, message, UNAVAILABLE_RETRY_AFTER_SECONDS);
  }

  public static AppError internal() {
    return of(Kind.INTERNAL, "internal_error", "An unexpected error occurred.");
  }

  public static AppError tooMany(String code, String message, long retryAfterSeconds) {
    return new AppError(Kind.TOO_MANY, code, message, retryAfterSeconds);
  }

  /**
   * Classifies any failure: an AppError as it is, one that crossed the event bus back into one, a
   * lost database as 503; anything else is a bug (internal_error) and is logged with its stack.
   */
  public static AppError from(Throwable failure) {
    if (failure instanceof AppError error) {
      return error;
    }
    if (failure instanceof ReplyException reply) {
      return fromReply(reply);
    }
    if (failure instanceof DecodeException) {
      return invalid("invalid_json", "The request body is not valid JSON.");
    }
    if (isDatabaseDown(failure)) {
      return unavailable("service_unavailable", "The database is unreachable; retry shortly.");
    }
    LOG.error("Unexpected failure", failure);
    return internal();
  }

  public Kind kind() {
    return kind;
  }

  public String code() {
    return code;
  }

  public Long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The error as it travels on the event bus: {"kind", "code", "message", "retryAfter"?}. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("kind", kind.wireName()).put("code", code).put("message", getMessage());
    if (retryAfterSeconds != null) {
      json.put("retryAfter", retryAfterSeconds);
    }
    return json;
  }

  public static AppError fromJson(JsonObject json) {
    return new AppError(Kind.fromWire(json.getString("kind")), json.getString("code", "internal_error"),
        json.getString("message", "internal error"), json.getLong("retryAfter"));
  }

  private static AppError fromReply(ReplyException reply) {
    if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == BUS_FAILURE_CODE) {
      try {
        return fromJson(new JsonObject(reply.getMessage()));
      } catch (DecodeException | ClassCastException e) {
        return internal();
      }
    }
    if (reply.failureType() == ReplyFailure.TIMEOUT) {
      return unavailable("service_unavailable", "The request timed out; retry shortly.");
    }
    if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return unavailable("service_unavailable", "The service is starting or stopping; retry shortly.");
    }
    LOG.error("Unexpected event-bus failure", reply);
    return internal();
  }

  private static boolean isDatabaseDown(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      // SocketException: refused (ConnectException) or reset, as when PostgreSQL stops under a query
      if (t instanceof SocketException || t instanceof ClosedConnectionException || t instanceof TimeoutException) {
        return true;
      }
      // the pool or a client closed under a request by a stopping node
      if ("Pool closed".equals(t.getMessage()) || "Client is closed".equals(t.getMessage())) {
        return true;
      }
      if (t instanceof PgException pg && pg.getSqlState() != null) {
        String state = pg.getSqlState();
        // 08 connection exceptions, 53 insufficient resources, 57P01-03 shutdown / cannot connect now
        if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
