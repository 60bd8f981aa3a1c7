package com.livechat.http;

import com.livechat.error.AppError.Kind;
import com.livechat.error.AppError;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.MDC;

/** The single place where errors become HTTP statuses and the JSON error shape of shared/API.md. */
public final class ErrorMapper {

  private static final String FORM_DECODER_PACKAGE = HttpPostRequestDecoder.class.getPackageName() + ".";

  private ErrorMapper() {}

  public static int status(Kind kind) {
    return switch (kind) {
      case INVALID -> 400;
      case UNAUTHORIZED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case METHOD_NOT_ALLOWED -> 405;
      case CONFLICT -> 409;
      case TOO_LARGE -> 413;
      case UPGRADE_REQUIRED -> 426;
      case TOO_MANY -> 429;
      case INTERNAL -> 500;
      case UNAVAILABLE -> 503;
      case URI_TOO_LONG -> 414;
      case HEADERS_TOO_LARGE -> 431;
    };
  }

  /** For the router's status-only failures (e.g. BodyHandler's 413, the router's 404/405). */
  public static AppError forStatus(int status) {
    return switch (status) {
      case 400 -> AppError.invalid("bad_request", "The request is malformed.");
      case 401 -> AppError.unauthorized("unauthorized", "Missing or invalid credentials.");
      case 403 -> AppError.forbidden("forbidden", "Not allowed.");
      case 404 -> AppError.notFound("not_found", "No such resource.");
      case 405 -> AppError.of(Kind.METHOD_NOT_ALLOWED, "method_not_allowed",
          "This method is not allowed on this resource.");
      case 413 -> AppError.of(Kind.TOO_LARGE, "body_too_large", "The request body is too large.");
      case 503 -> AppError.unavailable("service_unavailable", "The service is unavailable; retry shortly.");
      default -> status >= 500 ? AppError.internal() : AppError.invalid("bad_request", "The request was rejected.");
    };
  }

  /** The one error shape: {"success": false, "error": {"code", "message"}}. */
  public static JsonObject body(AppError error) {
    return new JsonObject()
        .put("success", false)
        .put("error", new JsonObject().put("code", error.code()).put("message", error.getMessage()));
  }

  /**
   * Classifies a request's failure: the form decoder's refusal of a body that is not a well-formed
   * form (a bad percent-escape, a field without a name, too many fields) is the client's 400;
   * anything else as {@link AppError#from}.
   */
  private static AppError fromFailure(Throwable failure) {
    if (failure instanceof HttpPostRequestDecoder.TooManyFormFieldsException) {
      return AppError.invalid("too_many_parameters", "The form has too many fields.");
    }
    if (failure instanceof HttpPostRequestDecoder.ErrorDataDecoderException || isFormDecoderRefusal(failure)) {
      return AppError.invalid("invalid_form", "The request body is not a well-formed form "
          + "(application/x-www-form-urlencoded).");
    }
    return AppError.from(failure);
  }

  /** Netty's form decoder refuses a field without a name ("=x") with a bare IllegalArgumentException. */
  private static boolean isFormDecoderRefusal(Throwable failure) {
    if (!(failure instanceof IllegalArgumentException)) {
      return false;
    }
    for (StackTraceElement frame : failure.getStackTrace()) {
      if (frame.getClassName().startsWith(FORM_DECODER_PACKAGE)) {
        return true;
      }
    }
    return false;
  }

  public static void respond(RoutingContext ctx, Throwable failure) {
    respond(ctx.response(), classify(ctx.response(), failure));
  }

  /**
   * The failure's error ({@link #fromFailure}) with the request's id in the MDC, so that the line an unexpected failure
   * is logged with names the request (its X-Request-Id, in the access log too).
   */
  public static AppError classify(HttpServerResponse response, Throwable failure) {
    if (failure instanceof AppError error) {
      return error;
    }
    String requestId = RequestIds.of(response);
    if (requestId == null) {
      return fromFailure(failure);
    }
    try (MDC.MDCCloseable ignored = MDC.putCloseable(RequestIds.MDC_KEY, requestId)) {
      return fromFailure(failure);
    }
  }

  public static void respond(HttpServerResponse response, AppError error) {
    if (response.ended()) {
      return; // already answered: a stopping node's 503, a reset
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    JsonObject body = body(error);
    response.setStatusCode(status(error.kind())).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (error.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
    } else if (error.kind() == Kind.UNAVAILABLE) {
      // every 503 says when to come back, also one that crossed the bus without a time
      response.putHeader("Retry-After", String.valueOf(AppError.UNAVAILABLE_RETRY_AFTER_SECONDS));
    }
    response.end(Buffer.buffer(body.encode()));
  }
}
