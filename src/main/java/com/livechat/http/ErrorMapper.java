package com.livechat.http;

import com.livechat.usage.UsageLimitExceeded;
import com.livechat.usage.UsagePeriod;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The single place where failures become HTTP statuses and the JSON error shape. */
public final class ErrorMapper {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {}

  /** Classifies any failure; unknown ones are bugs (500) and are logged with their stack. */
  public static ApiError toApiError(Throwable failure) {
    if (failure instanceof ApiError apiError) {
      return apiError;
    }
    if (failure instanceof ReplyException reply) {
      return fromReply(reply);
    }
    if (failure instanceof UsageLimitExceeded spent) {
      return ApiError.tooMany("usage_limit_exceeded", spent.getMessage(),
          UsagePeriod.secondsToNextPeriod(OffsetDateTime.now(ZoneOffset.UTC)));
    }
    if (failure instanceof DecodeException) {
      return ApiError.invalid("invalid_json", "The request body is not valid JSON.");
    }
    if (isDatabaseDown(failure)) {
      return ApiError.unavailable("service_unavailable", "The database is unreachable; retry shortly.");
    }
    LOG.error("Unexpected failure", failure);
    return ApiError.of(ApiError.Kind.INTERNAL, "internal_error", "An unexpected error occurred.");
  }

  /** For the router's status-only failures (e.g. BodyHandler's 413, the router's 404/405). */
  public static ApiError forStatus(int status) {
    return switch (status) {
      case 400 -> ApiError.invalid("bad_request", "The request is malformed.");
      case 401 -> ApiError.unauthorized("unauthorized", "Missing or invalid credentials.");
      case 403 -> ApiError.forbidden("forbidden", "Not allowed.");
      case 404 -> ApiError.notFound("not_found", "No such resource.");
      case 405 -> ApiError.of(ApiError.Kind.METHOD_NOT_ALLOWED, "method_not_allowed",
          "This method is not allowed on this resource.");
      case 413 -> ApiError.of(ApiError.Kind.TOO_LARGE, "body_too_large", "The request body is too large.");
      case 503 -> ApiError.unavailable("service_unavailable", "The service is unavailable; retry shortly.");
      default -> status >= 500
          ? ApiError.of(ApiError.Kind.INTERNAL, "internal_error", "An unexpected error occurred.")
          : ApiError.invalid("bad_request", "The request was rejected.");
    };
  }

  public static void respond(RoutingContext ctx, Throwable failure) {
    respond(ctx.response(), toApiError(failure));
  }

  public static void respond(HttpServerResponse response, ApiError error) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    JsonObject body = new JsonObject()
        .put("success", false)
        .put("error", new JsonObject().put("code", error.code()).put("message", error.getMessage()));
    response.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (error.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
    }
    response.end(Buffer.buffer(body.encode()));
  }

  private static ApiError fromReply(ReplyException reply) {
    if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() >= 400) {
      try {
        return ApiError.fromJson(reply.failureCode(), new JsonObject(reply.getMessage()));
      } catch (DecodeException e) {
        return ApiError.of(ApiError.Kind.INTERNAL, "internal_error", "An unexpected error occurred.");
      }
    }
    if (reply.failureType() == ReplyFailure.TIMEOUT) {
      return ApiError.unavailable("service_unavailable", "The request timed out; retry shortly.");
    }
    if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return ApiError.unavailable("service_unavailable", "The service is starting or stopping; retry shortly.");
    }
    LOG.error("Unexpected event-bus failure", reply);
    return ApiError.of(ApiError.Kind.INTERNAL, "internal_error", "An unexpected error occurred.");
  }

  private static boolean isDatabaseDown(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof ClosedConnectionException || t instanceof TimeoutException) {
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
