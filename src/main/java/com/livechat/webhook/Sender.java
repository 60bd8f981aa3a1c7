package com.livechat.webhook;

import com.livechat.net.OutboundTargets;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * One delivery attempt over HTTP: a POST to the address the endpoint's host resolves to now, if
 * that address may be reached ({@link OutboundTargets}); redirects are not followed (a 3xx is a
 * failure); the whole answer must come within the timeout.
 */
final class Sender {

  /**
   * What an attempt got.
   *
   * @param status the HTTP status, or null when no answer came
   * @param error why it failed, for the dashboard (null on success)
   * @param retryAfter the receiver's Retry-After, or null
   */
  record Outcome(Integer status, String error, Duration retryAfter) {
    boolean delivered() {
      return status != null && status >= 200 && status < 300;
    }

    boolean gone() {
      return status != null && status == 410;
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final boolean allowPrivate;
  private final long timeoutMs;

  Sender(Vertx vertx, boolean allowPrivate, long timeoutMs, int maxInFlight) {
    this.vertx = vertx;
    this.allowPrivate = allowPrivate;
    this.timeoutMs = timeoutMs;
    this.client = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions()
            .setConnectTimeout((int) Math.min(timeoutMs, 10_000)).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(Math.max(8, maxInFlight))), new WebClientOptions().setFollowRedirects(false));
  }

  Future<Outcome> send(String url, String body, MultiMap headers) {
    Promise<Outcome> outcome = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, id -> outcome.tryComplete(new Outcome(null, "timeout after "
        + timeoutMs + " ms", null)));
    OutboundTargets.resolve(vertx, url, allowPrivate)
        .compose(address -> client.requestAbs(HttpMethod.POST, address, url).putHeaders(headers)
            .timeout(timeoutMs).as(BodyCodec.none()).sendBuffer(Buffer.buffer(body)))
        .map(Sender::outcome)
        .recover(err -> Future.succeededFuture(failure(err)))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          outcome.tryComplete(ar.result());
        });
    return outcome.future();
  }

  /** The answer's status and headers; its body is not read into memory (BodyCodec.none()). */
  private static Outcome outcome(HttpResponse<Void> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return new Outcome(status, null, null);
    }
    String error = status >= 300 && status < 400 ? "redirect (not followed)" : status == 410 ? "gone" : "HTTP " + status;
    return new Outcome(status, error, retryAfter(response.getHeader("Retry-After")));
  }

  /** Seconds or an HTTP date; anything else is ignored. */
  static Duration retryAfter(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      long seconds = Long.parseLong(header.strip());
      return seconds > 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException notSeconds) {
      try {
        Duration d = Duration.between(java.time.Instant.now(),
            ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        return d.isNegative() || d.isZero() ? null : d;
      } catch (RuntimeException notDate) {
        return null;
      }
    }
  }

  private static Outcome failure(Throwable err) {
    if (err instanceof OutboundTargets.Refused refused) {
      return new Outcome(null, "address not allowed: " + refused.getMessage(), null);
    }
    if (err instanceof UnknownHostException) {
      return new Outcome(null, "host does not resolve", null);
    }
    if (err instanceof ConnectException) {
      return new Outcome(null, "connection refused", null);
    }
    String message = String.valueOf(err.getMessage());
    return new Outcome(null, message.toLowerCase(java.util.Locale.ROOT).contains("timeout") ? "timeout"
        : message.length() > 200 ? message.substring(0, 200) : message, null);
  }

  void close() {
    client.close();
  }
}
