package com.livechat.chat.provider;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Replies through an OpenAI-compatible Chat Completions endpoint, behind a circuit breaker so that a
 * provider outage fails chats fast instead of piling up requests that each wait for the timeout.
 */
public final class OpenAiProvider implements AiProvider {

  /** Long enough for a TLS handshake to a distant region, short enough to notice a dead host. */
  private static final int MAX_CONNECT_TIMEOUT_MS = 10_000;

  /** Providers close idle keep-alive connections on their side; reusing one of those fails the request. */
  private static final int KEEP_ALIVE_SECONDS = 30;

  private final OpenAiSettings settings;
  private final WebClient client;
  private final CircuitBreaker breaker;

  public OpenAiProvider(Vertx vertx, OpenAiSettings settings) {
    Objects.requireNonNull(vertx, "vertx");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.client =
        WebClient.create(
            vertx,
            clientOptions(settings),
            new PoolOptions().setHttp1MaxSize(settings.maxConnections()));
    this.breaker =
        CircuitBreaker.create("ai-provider " + settings.baseUrl(), vertx, breakerOptions(settings))
            .failurePolicy(OpenAiProvider::isProviderFault);
  }

  @Override
  public Future<AiReply> complete(AiRequest request) {
    String model =
        request.model() == null || request.model().isBlank() ? settings.model() : request.model().trim();
    JsonObject body = ChatCompletionsJson.request(request, model);
    return breaker.<AiReply>execute(() -> post(body, model)).recover(this::asProviderException);
  }

  /** Stops the HTTP client; calls made afterwards fail with an {@link AiProviderException}. */
  public void close() {
    breaker.close();
    client.close();
  }

  private Future<AiReply> post(JsonObject body, String model) {
    // The breaker's timeout only fails the future; this one also aborts the exchange and frees the
    // pooled connection.
    HttpRequest<Buffer> request = client.postAbs(settings.chatCompletionsUrl()).timeout(settings.timeoutMs());
    if (settings.hasApiKey()) {
      request.bearerTokenAuthentication(settings.apiKey());
    }
    return request.sendJsonObject(body).compose(response -> read(response, model));
  }

  private static Future<AiReply> read(HttpResponse<Buffer> response, String model) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      try {
        return Future.succeededFuture(ChatCompletionsJson.reply(response.body(), model));
      } catch (AiProviderException e) {
        return Future.failedFuture(e);
      }
    }
    String detail = ChatCompletionsJson.errorDetail(response.body());
    String message = "AI provider answered HTTP " + status + (detail.isEmpty() ? "" : ": " + detail);
    return Future.failedFuture(isRefusal(status) ? new Refused(message) : new AiProviderException(message));
  }

  /**
   * A 4xx says this request was wrong (unknown model on one assistant, too many tokens), not that
   * the provider is down; counting it would let one misconfigured assistant open the circuit for
   * every tenant. Timeouts (408) and rate limits (429) are the provider struggling, so they count.
   */
  private static boolean isRefusal(int status) {
    return status >= 400 && status < 500 && status != 408 && status != 429;
  }

  private static boolean isProviderFault(Future<?> outcome) {
    return outcome.failed() && !(outcome.cause() instanceof Refused);
  }

  private Future<AiReply> asProviderException(Throwable failure) {
    AiProviderException exception;
    if (failure instanceof AiProviderException known) {
      exception = known;
    } else if (failure instanceof OpenCircuitException) {
      exception =
          new AiProviderException(
              "AI provider circuit is open after repeated failures; not calling it for now");
    } else if (failure instanceof io.vertx.circuitbreaker.TimeoutException
        || failure instanceof TimeoutException) {
      exception =
          new AiProviderException("AI provider did not answer within " + settings.timeoutMs() + " ms");
    } else {
      exception = new AiProviderException("AI provider unreachable: " + failure.getMessage(), failure);
    }
    return Future.failedFuture(withoutApiKey(exception));
  }

  /** Some providers echo the key they rejected; the message will be logged and may reach a client. */
  private AiProviderException withoutApiKey(AiProviderException exception) {
    String key = settings.apiKey();
    if (key.isEmpty() || !mentions(exception, key)) {
      return exception;
    }
    return new AiProviderException(exception.getMessage().replace(key, "***"));
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
        .setTimeout(settings.timeoutMs())
        .setResetTimeout(settings.breakerResetMs())
        .setFallbackOnFailure(false)
        // Without this the breaker publishes its state on the event bus every 2 s for nobody.
        .setNotificationAddress(null);
  }

  /** A failure caused by the request rather than the provider; see {@link #isRefusal(int)}. */
  private static final class Refused extends AiProviderException {

    Refused(String message) {
      super(message);
    }
  }
}
