package com.livechat.chat.provider;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.chat.provider.ChatCompletionsJson.Completion;
import com.livechat.chat.provider.ChatCompletionsJson.Prompt;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replies through an OpenAI-compatible Chat Completions endpoint. Each attempt passes through the
 * provider's circuit breaker, so that an outage fails chats fast instead of piling up requests that
 * each wait for the timeout; 429, 5xx, 408, timeouts and connection failures are retried with
 * exponential backoff (or after the provider's Retry-After). Tool calls are answered and the
 * conversation continued until the model says something, as the protocol wants.
 *
 * <p>One instance per provider per node: the breaker and the WebClient are safe to share between
 * event loops (the breaker guards its state with a lock; the client's pool hands each caller's
 * callbacks back to the caller's context).
 */
public final class OpenAiProvider implements AiProvider {

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiProvider.class);

  /** Tool-call round trips after the first request; a model still only calling tools then has failed. */
  static final int MAX_TOOL_FOLLOW_UPS = 2;

  /**
   * The least time worth starting an attempt with: with less left in the turn, no provider answers
   * in time, and the next one (or the local assistant) had better have it.
   */
  public static final long MIN_ATTEMPT_MS = 100;

  /** A {@link #complete(AiRequest, long)} deadline that never comes. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  /** Long enough for a TLS handshake to a distant region, short enough to notice a dead host. */
  private static final int MAX_CONNECT_TIMEOUT_MS = 10_000;

  /** Providers close idle keep-alive connections on their side; reusing one of those fails the request. */
  private static final int KEEP_ALIVE_SECONDS = 30;

  private final Vertx vertx;
  private final OpenAiSettings settings;
  private final WebClient client;
  private final CircuitBreaker breaker;
  private volatile boolean closed;

  public OpenAiProvider(Vertx vertx, OpenAiSettings settings) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.client =
        WebClient.create(
            vertx,
            clientOptions(settings),
            // Requests beyond the pool wait for a connection, each within its attempt's time limit;
            // the queue is bounded so that an overload fails over at once instead of piling up.
            new PoolOptions()
                .setHttp1MaxSize(settings.maxConnections())
                .setMaxWaitQueueSize(settings.maxConnections()));
    String name = settings.name();
    this.breaker =
        CircuitBreaker.create("ai-provider " + name, vertx, breakerOptions(settings))
            .failurePolicy(OpenAiProvider::countsAgainstBreaker)
            .openHandler(v -> LOG.warn("AI provider {}: circuit opened after repeated failures; "
                + "not calling it for {} ms", name, settings.breakerResetMs()))
            .halfOpenHandler(v -> LOG.info("AI provider {}: circuit half-open, letting one request through", name))
            .closeHandler(v -> LOG.info("AI provider {}: circuit closed", name));
  }

  public String name() {
    return settings.name();
  }

  public OpenAiSettings settings() {
    return settings;
  }

  @Override
  public Future<AiReply> complete(AiRequest request) {
    return complete(request, NO_DEADLINE);
  }

  /**
   * @param deadlineNanos the {@link System#nanoTime()} by which the reply must be in, retries and
   *     tool round trips included; each attempt's time limit is the smaller of {@code timeoutMs}
   *     and the time left
   * @return the reply, or a failed future with an {@link AiProviderException} (never with the API key
   *     in its message)
   */
  public Future<AiReply> complete(AiRequest request, long deadlineNanos) {
    Future<AiReply> reply;
    try {
      Prompt prompt = ChatCompletionsJson.prompt(request, modelFor(request), settings.tools());
      reply = converse(prompt, prompt.messages(), 0, 0, new JsonObject(), deadlineNanos);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply.recover(failure -> Future.failedFuture(withoutApiKey(classify(failure, settings.timeoutMs()))));
  }

  /** Stops the HTTP client; calls made afterwards fail with an {@link AiProviderException}. */
  public void close() {
    closed = true;
    breaker.close();
    client.close();
  }

  private String modelFor(AiRequest request) {
    String own = request.model();
    return settings.assistantModel() && own != null && !own.isBlank() ? own.trim() : settings.model();
  }

  /** One request of the turn, then one more per round of tool calls that came without text. */
  private Future<AiReply> converse(
      Prompt prompt, JsonArray messages, int followUps, int tokensSoFar, JsonObject contact, long deadline) {
    JsonObject body = followUps == 0 ? prompt.body() : prompt.withMessages(messages);
    return exchange(body, body.getString("model"), deadline, 0).compose(completion -> {
      int tokens = tokensSoFar + completion.tokens();
      completion.mergeContactInto(contact);
      if (completion.requestsHuman() || completion.content() != null) {
        return Future.succeededFuture(new AiReply(completion.content(), completion.model(), tokens, contact,
            completion.requestsHuman(), prompt.sources()));
      }
      if (followUps >= MAX_TOOL_FOLLOW_UPS) {
        return Future.failedFuture(new AiProviderException(Reason.TOOL_LOOP,
            "AI provider still answered only tool calls after " + followUps + " follow-up requests"));
      }
      JsonArray next = messages.copy();
      completion.followUpMessages().forEach(next::add);
      return converse(prompt, next, followUps + 1, tokens, contact, deadline);
    });
  }

  /** One completion: attempts through the breaker, with retries while they make sense. */
  private Future<Completion> exchange(JsonObject body, String model, long deadline, int retry) {
    if (closed) {
      return Future.failedFuture(new AiProviderException(Reason.CLOSED, "AI provider is closed"));
    }
    long leftMs = millisLeft(deadline);
    if (leftMs < MIN_ATTEMPT_MS) {
      return Future.failedFuture(new AiProviderException(Reason.NO_TIME, "no time left in the turn for the AI provider"));
    }
    long attemptMs = Math.min(settings.timeoutMs(), leftMs);
    return breaker.<Completion>execute(() -> post(body, model, attemptMs)).recover(failure -> {
      AiProviderException known = classify(failure, attemptMs);
      if (retry >= settings.maxRetries() || !isRetryable(known.reason())) {
        return Future.failedFuture(known);
      }
      Long retryAfterMs = known instanceof StatusFailure status ? status.retryAfterMs : null;
      if (retryAfterMs != null && retryAfterMs > settings.retryMaxMs()) {
        // Waiting that long would hold the visitor; the next provider can answer now.
        return Future.failedFuture(new AiProviderException(known.reason(), known.getMessage()
            + " (Retry-After " + retryAfterMs + " ms is beyond retryMaxMs; not waiting)", known));
      }
      long delayMs = retryAfterMs != null ? retryAfterMs : backoffMs(retry);
      if (delayMs + MIN_ATTEMPT_MS > millisLeft(deadline)) {
        return Future.failedFuture(known);
      }
      LOG.debug("AI provider {}: retrying in {} ms after: {}", settings.name(), delayMs, known.getMessage());
      return vertx.timer(Math.max(1, delayMs)).compose(fired -> exchange(body, model, deadline, retry + 1));
    });
  }

  private Future<Completion> post(JsonObject body, String model, long attemptMs) {
    try {
      // The request's timeout bounds the wait for a pooled connection and each silence of the
      // exchange, and aborts it (freeing the connection); the future's timeout bounds the whole.
      HttpRequest<Buffer> request = client.postAbs(settings.chatCompletionsUrl()).timeout(attemptMs);
      if (settings.hasApiKey()) {
        request.bearerTokenAuthentication(settings.apiKey());
      }
      return request.sendJsonObject(body)
          .timeout(attemptMs, TimeUnit.MILLISECONDS)
          .recover(failure -> Future.failedFuture(classify(failure, attemptMs)))
          .compose(response -> read(response, model));
    } catch (RuntimeException e) {
      return Future.failedFuture(classify(e, attemptMs));
    }
  }

  private static Future<Completion> read(HttpResponse<Buffer> response, String model) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      try {
        return Future.succeededFuture(ChatCompletionsJson.completion(response.body(), model));
      } catch (AiProviderException e) {
        return Future.failedFuture(e);
      }
    }
    String detail = ChatCompletionsJson.errorDetail(response.body());
    String message = "AI provider answered HTTP " + status + (detail.isEmpty() ? "" : ": " + detail);
    Long retryAfterMs =
        retryAfterMs(response.getHeader("retry-after-ms"), response.getHeader("Retry-After"), System.currentTimeMillis());
    return Future.failedFuture(new StatusFailure(statusReason(status), message, retryAfterMs));
  }

  /**
   * A 4xx says this request was wrong (unknown model on one assistant, too many tokens), not that
   * the provider is down. Timeouts (408) and rate limits (429) are the provider struggling.
   */
  private static Reason statusReason(int status) {
    if (status == 429) {
      return Reason.RATE_LIMITED;
    }
    if (status == 408 || status >= 500) {
      return Reason.SERVER_ERROR;
    }
    return status >= 400 ? Reason.REFUSED : Reason.BAD_RESPONSE;
  }

  private static boolean isRetryable(Reason reason) {
    return reason == Reason.RATE_LIMITED
        || reason == Reason.SERVER_ERROR
        || reason == Reason.TIMEOUT
        || reason == Reason.UNREACHABLE;
  }

  /**
   * A refused request would let one misconfigured assistant open the circuit for every tenant, and
   * a full connection pool is this node's load, not the provider's fault; neither counts.
   */
  private static boolean countsAgainstBreaker(Future<?> outcome) {
    if (!outcome.failed()) {
      return false;
    }
    return !(outcome.cause() instanceof AiProviderException known)
        || (known.reason() != Reason.REFUSED && known.reason() != Reason.BUSY && known.reason() != Reason.CLOSED);
  }

  private static AiProviderException classify(Throwable failure, long attemptMs) {
    if (failure instanceof AiProviderException known) {
      return known;
    }
    if (failure instanceof OpenCircuitException) {
      return new AiProviderException(Reason.CIRCUIT_OPEN,
          "AI provider circuit is open after repeated failures; not calling it for now");
    }
    if (failure instanceof TimeoutException || failure instanceof io.vertx.circuitbreaker.TimeoutException) {
      return new AiProviderException(Reason.TIMEOUT, "AI provider did not answer within " + attemptMs + " ms");
    }
    if (failure instanceof ConnectionPoolTooBusyException) {
      return new AiProviderException(Reason.BUSY,
          "AI provider has all its connections and waiting places of this node in use", failure);
    }
    return new AiProviderException(Reason.UNREACHABLE, "AI provider unreachable: " + failure.getMessage(), failure);
  }

  /**
   * How long the provider asked us to wait: OpenAI's {@code retry-after-ms} when present, else the
   * standard {@code Retry-After} in seconds or as an HTTP date; null when absent or unreadable.
   */
  static Long retryAfterMs(String retryAfterMsHeader, String retryAfterHeader, long nowMillis) {
    Double millis = decimal(retryAfterMsHeader);
    if (millis != null) {
      return (long) Math.ceil(millis);
    }
    Double seconds = decimal(retryAfterHeader);
    if (seconds != null) {
      return (long) Math.ceil(seconds * 1000);
    }
    if (retryAfterHeader == null || retryAfterHeader.isBlank()) {
      return null;
    }
    try {
      long at = ZonedDateTime.parse(retryAfterHeader.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
          .toInstant().toEpochMilli();
      return Math.max(0, at - nowMillis);
    } catch (DateTimeParseException unreadable) {
      return null;
    }
  }

  private static Double decimal(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      double value = Double.parseDouble(text.trim());
      return Double.isFinite(value) && value >= 0 ? value : null;
    } catch (NumberFormatException notANumber) {
      return null;
    }
  }

  /** Exponential from retryBaseMs, capped at retryMaxMs, with jitter over its upper half. */
  long backoffMs(int retry) {
    long exponential = retry >= 30 ? Long.MAX_VALUE : settings.retryBaseMs() * (1L << retry);
    long capped = exponential <= 0 ? settings.retryMaxMs() : Math.min(settings.retryMaxMs(), exponential);
    long half = capped / 2;
    return half + ThreadLocalRandom.current().nextLong(capped - half + 1);
  }

  private static long millisLeft(long deadlineNanos) {
    if (deadlineNanos == NO_DEADLINE) {
      return Long.MAX_VALUE;
    }
    return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
  }

  /** Some providers echo the key they rejected; the message will be logged and may reach a client. */
  private AiProviderException withoutApiKey(AiProviderException exception) {
    String key = settings.apiKey();
    if (key.isEmpty() || !mentions(exception, key)) {
      return exception;
    }
    return new AiProviderException(exception.reason(), exception.getMessage().replace(key, "***"));
  }

  private static boolean mentions(Throwable failure, String text) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(text)) {
        return true;
      }
    }
    return false;
  }

  private static WebClientOptions clientOptions(OpenAiSettings settings) {
    int timeoutMs = (int) Math.min(settings.timeoutMs(), Integer.MAX_VALUE - 1_000);
    WebClientOptions options = new WebClientOptions();
    options
        .setKeepAlive(true)
        .setKeepAliveTimeout(KEEP_ALIVE_SECONDS)
        .setConnectTimeout(Math.min(timeoutMs, MAX_CONNECT_TIMEOUT_MS))
        .setDecompressionSupported(true)
        // A redirect would carry the bearer token to wherever it points.
        .setFollowRedirects(false);
    // A bit beyond the request timeout, so a slow completion reports as a timeout and only a socket
    // that went silent outside any request is reaped by this.
    options.setIdleTimeoutUnit(TimeUnit.MILLISECONDS).setIdleTimeout(timeoutMs + 1_000);
    return options;
  }

  private static CircuitBreakerOptions breakerOptions(OpenAiSettings settings) {
    return new CircuitBreakerOptions()
        .setMaxFailures(settings.breakerMaxFailures())
        // Each attempt has its own time limit (the time left in the turn may be shorter than
        // timeoutMs); post() enforces it, and the timeout it reports counts as a failure.
        .setTimeout(-1)
        .setResetTimeout(settings.breakerResetMs())
        .setFallbackOnFailure(false)
        // Without this the breaker publishes its state on the event bus every 2 s for nobody.
        .setNotificationAddress(null);
  }

  /** An HTTP status that is not a success, with how long the provider asked us to wait, if it did. */
  private static final class StatusFailure extends AiProviderException {

    final Long retryAfterMs;

    StatusFailure(Reason reason, String message, Long retryAfterMs) {
      super(reason, message);
      this.retryAfterMs = retryAfterMs;
    }
  }
}
