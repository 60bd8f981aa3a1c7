package com.livechat.chat.provider;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.chat.provider.ChatCompletionsJson.Completion;
import com.livechat.chat.provider.ChatCompletionsJson.Prompt;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
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
 * <p>A streaming provider (the default) is asked for Server-Sent Events and passes the text to the
 * turn's {@link ReplyStream} as it is written (see {@link StreamedAttempt}, {@link BusAttempt}). Before its first token
 * a provider that fails hands over to the next one, and one that sends nothing within {@code
 * firstTokenTimeoutMs} is not retried. After text went out nothing is retried or handed over: a
 * broken stream ends the reply with what was said ({@link AiReply#interrupted()}), and still counts
 * against the breaker.
 *
 * <p>One instance per provider per node: the breaker and the HTTP client are safe to share between
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

  /** Failures that say nothing about the provider's health; see {@link #countsAgainstBreaker}. */
  private static final Set<Reason> NOT_THE_PROVIDERS_FAULT =
      EnumSet.of(Reason.REFUSED, Reason.BUSY, Reason.CLOSED, Reason.CANCELLED, Reason.NO_WORKER);

  private final Vertx vertx;
  private final OpenAiSettings settings;
  /** Streamed requests; {@link #client} (whole answers) shares its connection pool. */
  private final HttpClientAgent http;
  private final WebClient client;
  private final CircuitBreaker breaker;
  private final BusStreams streams;
  private volatile boolean closed;

  public OpenAiProvider(Vertx vertx, OpenAiSettings settings) {
    this(vertx, settings, null);
  }

  /**
   * @param streams where a bus provider's streamed chunks come in on this node; null: a bus provider
   *     asks for whole answers
   */
  public OpenAiProvider(Vertx vertx, OpenAiSettings settings, BusStreams streams) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.streams = streams;
    this.http =
        vertx.createHttpClient(
            clientOptions(settings),
            // Requests beyond the pool wait for a connection, each within its attempt's time limit;
            // the queue is bounded so that an overload fails over at once instead of piling up.
            new PoolOptions()
                .setHttp1MaxSize(settings.maxConnections())
                .setMaxWaitQueueSize(settings.maxConnections()));
    // A redirect would carry the bearer token to wherever it points.
    this.client = WebClient.wrap(http, new WebClientOptions().setFollowRedirects(false));
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
  public Future<AiReply> complete(AiRequest request, ReplyStream stream) {
    return complete(request, stream, NO_DEADLINE);
  }

  /** A reply nobody watches being written, by a deadline. */
  public Future<AiReply> complete(AiRequest request, long deadlineNanos) {
    return complete(request, ReplyStream.discarding(), deadlineNanos);
  }

  /**
   * @param stream where the text goes as it is written (on the calling context), and how the turn
   *     is called off
   * @param deadlineNanos the {@link System#nanoTime()} by which the reply must be in, retries and
   *     tool round trips included; each attempt's time limit is the smaller of {@code timeoutMs}
   *     and the time left
   * @return the reply (interrupted when the stream broke or the turn was called off after text was
   *     sent), or a failed future with an {@link AiProviderException} (never with the API key in
   *     its message): CANCELLED when the turn was called off before any text
   */
  public Future<AiReply> complete(AiRequest request, ReplyStream stream, long deadlineNanos) {
    Future<AiReply> reply;
    try {
      Prompt prompt = ChatCompletionsJson.prompt(request, modelFor(request), settings.tools());
      Turn turn = new Turn(prompt, stream, vertx.getOrCreateContext(), deadlineNanos);
      reply = converse(turn, prompt.messages(), 0, 0, new JsonObject());
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
    http.close();
  }

  /** What every request of one turn shares. */
  private record Turn(Prompt prompt, ReplyStream stream, Context context, long deadline) {}

  private String modelFor(AiRequest request) {
    String own = request.model();
    return settings.assistantModel() && own != null && !own.isBlank() ? own.trim() : settings.model();
  }

  /**
   * One request of the turn, then one more per round of tool calls that came without text. Only
   * the last round has text, so the text streamed is the reply's content.
   */
  private Future<AiReply> converse(Turn turn, JsonArray messages, int followUps, int tokensSoFar, JsonObject contact) {
    Prompt prompt = turn.prompt();
    JsonObject body = followUps == 0 ? prompt.body() : prompt.withMessages(messages);
    return exchange(turn, body, body.getString("model"), 0).transform(outcome -> {
      if (outcome.failed()) {
        if (outcome.cause() instanceof ChunkedAttempt.Interrupted cut) {
          LOG.warn("AI provider {}: {}", settings.name(), withoutApiKey(cut).getMessage());
          return Future.succeededFuture(new AiReply(cut.text(), cut.model(), tokensSoFar + cut.tokens(), contact,
              false, prompt.sources(), true));
        }
        return Future.failedFuture(outcome.cause());
      }
      Completion completion = outcome.result();
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
      return converse(turn, next, followUps + 1, tokens, contact);
    });
  }

  /**
   * One completion: attempts through the breaker, with retries while they make sense. A reply cut
   * short after text was sent fails the attempt inside the breaker (so that it counts, unless the
   * turn was called off) and is never retried: {@link #converse} makes it the reply.
   */
  private Future<Completion> exchange(Turn turn, JsonObject body, String model, int retry) {
    if (closed) {
      return Future.failedFuture(new AiProviderException(Reason.CLOSED, "AI provider is closed"));
    }
    if (turn.stream().isCancelled()) {
      return Future.failedFuture(new AiProviderException(Reason.CANCELLED, "the turn was called off"));
    }
    long deadline = turn.deadline();
    long leftMs = millisLeft(deadline);
    if (leftMs < MIN_ATTEMPT_MS) {
      return Future.failedFuture(new AiProviderException(Reason.NO_TIME, "no time left in the turn for the AI provider"));
    }
    long attemptMs = Math.min(settings.timeoutMs(), leftMs);
    return breaker.<Completion>execute(() -> settings.stream() && (!settings.bus() || streams != null)
        ? streamed(turn, body, model, attemptMs)
        : whole(turn, body, model, attemptMs)).recover(failure -> {
      AiProviderException known = classify(failure, attemptMs);
      if (known instanceof ChunkedAttempt.Interrupted || retry >= settings.maxRetries()
          || !isRetryable(known.reason())) {
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
      return pause(turn.stream(), Math.max(1, delayMs)).compose(fired -> exchange(turn, body, model, retry + 1));
    });
  }

  /** Waits for a retry's backoff, or less when the turn is called off meanwhile. */
  private Future<Void> pause(ReplyStream stream, long delayMs) {
    Promise<Void> over = Promise.promise();
    long timer = vertx.setTimer(delayMs, t -> over.tryComplete());
    stream.cancelled().onComplete(v -> {
      vertx.cancelTimer(timer);
      over.tryComplete();
    });
    return over.future();
  }

  private Future<Completion> streamed(Turn turn, JsonObject body, String model, long attemptMs) {
    if (settings.bus()) {
      return new BusAttempt(vertx, turn.context(), settings.busAddress(), streams, ChatCompletionsJson.streaming(body),
          model, turn.stream(), attemptMs, settings).start();
    }
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(settings.chatCompletionsUrl())
        // bounds the wait for a pooled connection; the attempt keeps its other limits itself
        .setConnectTimeout(attemptMs)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.ACCEPT, "text/event-stream");
    if (settings.hasApiKey()) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + settings.apiKey());
    }
    try {
      return new StreamedAttempt(vertx, turn.context(), http, options, ChatCompletionsJson.streaming(body), model,
          turn.stream(), attemptMs, settings).start();
    } catch (RuntimeException e) {
      return Future.failedFuture(classify(e, attemptMs));
    }
  }

  /**
   * A whole answer in one body ({@code stream} off). The turn being called off fails the attempt
   * at once; the request itself runs on until it ends or times out.
   */
  private Future<Completion> whole(Turn turn, JsonObject body, String model, long attemptMs) {
    Promise<Completion> outcome = Promise.promise();
    post(body, model, attemptMs).onComplete(done -> {
      if (done.succeeded()) {
        outcome.tryComplete(done.result());
      } else {
        outcome.tryFail(done.cause());
      }
    });
    turn.stream().cancelled().onComplete(v ->
        outcome.tryFail(new AiProviderException(Reason.CANCELLED, "the turn was called off")));
    return outcome.future();
  }

  private Future<Completion> post(JsonObject body, String model, long attemptMs) {
    if (settings.bus()) {
      return BusAttempt.whole(vertx, settings.busAddress(), body, model, attemptMs);
    }
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
    return Future.failedFuture(statusFailure(status, response.body(), response.getHeader("retry-after-ms"),
        response.getHeader("Retry-After")));
  }

  /** A status that is not a success, with the provider's explanation and how long it asked us to wait. */
  static AiProviderException statusFailure(int status, Buffer body, String retryAfterMsHeader, String retryAfterHeader) {
    String detail = ChatCompletionsJson.errorDetail(body);
    String message = "AI provider answered HTTP " + status + (detail.isEmpty() ? "" : ": " + detail);
    Long retryAfterMs = retryAfterMs(retryAfterMsHeader, retryAfterHeader, System.currentTimeMillis());
    return new StatusFailure(statusReason(status), message, retryAfterMs);
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
   * A refused request would let one misconfigured assistant open the circuit for every tenant, a
   * full connection pool is this node's load, and a turn called off is the visitor's doing: none
   * is the provider's fault, none counts. A reply cut short by a broken stream does count.
   */
  private static boolean countsAgainstBreaker(Future<?> outcome) {
    if (!outcome.failed()) {
      return false;
    }
    if (outcome.cause() instanceof ChunkedAttempt.Interrupted cut) {
      return cut.providerFault();
    }
    return !(outcome.cause() instanceof AiProviderException known) || !NOT_THE_PROVIDERS_FAULT.contains(known.reason());
  }

  static AiProviderException classify(Throwable failure, long attemptMs) {
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

  private static HttpClientOptions clientOptions(OpenAiSettings settings) {
    int timeoutMs = (int) Math.min(settings.timeoutMs(), Integer.MAX_VALUE - 1_000);
    HttpClientOptions options = new HttpClientOptions();
    options
        .setKeepAlive(true)
        .setKeepAliveTimeout(KEEP_ALIVE_SECONDS)
        .setConnectTimeout(Math.min(timeoutMs, MAX_CONNECT_TIMEOUT_MS))
        .setDecompressionSupported(true);
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
