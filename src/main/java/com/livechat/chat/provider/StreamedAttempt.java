package com.livechat.chat.provider;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.chat.provider.ChatCompletionsJson.Completion;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * One streamed request to a Chat Completions endpoint: it reads the Server-Sent Events as they
 * arrive, passes each piece of text to the {@link ReplyStream} and assembles the {@link Completion}.
 * It keeps the attempt's time limits (the first token, the silence between chunks, the whole
 * attempt) and stops the upstream request when the turn is called off. Every callback runs on the
 * context it was started on, so deltas reach the stream in order on the caller's context.
 *
 * <p>Its future fails with an {@link AiProviderException}; once text has been sent a failure is an
 * {@link Interrupted} carrying what was said, which the provider turns into a reply.
 */
final class StreamedAttempt {

  /**
   * The stream broke, ran out of time or was called off after text had gone to the visitor. Its
   * reason is the cause's (CANCELLED when called off).
   */
  static final class Interrupted extends AiProviderException {

    private final String text;
    private final String model;
    private final int tokens;
    private final boolean providerFault;

    Interrupted(AiProviderException cause, String text, String model, int tokens, boolean providerFault) {
      super(cause.reason(), "AI provider's reply was cut short after " + text.length() + " characters: "
          + cause.getMessage(), cause);
      this.text = text;
      this.model = model;
      this.tokens = tokens;
      this.providerFault = providerFault;
    }

    /** Exactly what was sent. */
    String text() {
      return text;
    }

    String model() {
      return model;
    }

    /** The usage of the round when it came, else an estimate. */
    int tokens() {
      return tokens;
    }

    /** False when the turn was called off: the provider was fine. */
    boolean providerFault() {
      return providerFault;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final HttpClient client;
  private final RequestOptions options;
  private final JsonObject body;
  private final ReplyStream stream;
  private final long attemptMs;
  private final long firstTokenTimeoutMs;
  private final long chunkTimeoutMs;
  private final StreamedCompletion completion;
  private final SseParser parser;
  private final Promise<Completion> result = Promise.promise();
  private HttpClientRequest request;
  private boolean responseEnded;
  private boolean over;
  private long attemptTimer = -1;
  private long firstTokenTimer = -1;
  private long chunkTimer = -1;

  /**
   * @param body the request, already asking for a stream
   * @param attemptMs the whole attempt's limit; the first-token limit is cut to it
   */
  StreamedAttempt(Vertx vertx, Context context, HttpClient client, RequestOptions options, JsonObject body,
      String model, ReplyStream stream, long attemptMs, OpenAiSettings settings) {
    this.vertx = vertx;
    this.context = context;
    this.client = client;
    this.options = options;
    this.body = body;
    this.stream = stream;
    this.attemptMs = attemptMs;
    this.firstTokenTimeoutMs = settings.firstTokenTimeoutMs();
    this.chunkTimeoutMs = settings.chunkTimeoutMs();
    this.completion = new StreamedCompletion(model);
    this.parser = new SseParser(this::onEvent);
  }

  Future<Completion> start() {
    if (Vertx.currentContext() == context) {
      begin();
    } else {
      context.runOnContext(v -> begin());
    }
    return result.future();
  }

  private void begin() {
    if (stream.isCancelled()) {
      cancelled();
      return;
    }
    attemptTimer = vertx.setTimer(attemptMs, t -> fail(completion.started()
        ? new AiProviderException(Reason.TIMEOUT, "AI provider's stream did not finish within " + attemptMs + " ms")
        : new AiProviderException(Reason.TIMEOUT, "AI provider did not answer within " + attemptMs + " ms")));
    if (firstTokenTimeoutMs < attemptMs) {
      firstTokenTimer = vertx.setTimer(firstTokenTimeoutMs, t -> {
        firstTokenTimer = -1;
        fail(new AiProviderException(Reason.FIRST_TOKEN_TIMEOUT,
            "AI provider sent no token within " + firstTokenTimeoutMs + " ms"));
      });
    }
    // stream.cancel() may come from another thread; this attempt's state is only touched on its context
    stream.cancelled().onComplete(v -> context.runOnContext(x -> cancelled()));
    client.request(options).onComplete(obtained -> {
      if (obtained.failed()) {
        fail(OpenAiProvider.classify(obtained.cause(), attemptMs));
        return;
      }
      HttpClientRequest sent = obtained.result();
      if (over) {
        // timed out or called off while waiting for a connection
        sent.reset();
        return;
      }
      request = sent;
      sent.send(body.toBuffer()).onComplete(response -> {
        if (response.failed()) {
          fail(OpenAiProvider.classify(response.cause(), attemptMs));
        } else {
          onResponse(response.result());
        }
      });
    });
  }

  private void onResponse(HttpClientResponse response) {
    if (over) {
      return;
    }
    int status = response.statusCode();
    if (status < 200 || status >= 300) {
      response.body().onComplete(read -> fail(OpenAiProvider.statusFailure(status,
          read.succeeded() ? read.result() : null, response.getHeader("retry-after-ms"),
          response.getHeader("Retry-After"))));
      return;
    }
    String type = response.getHeader("Content-Type");
    if (type != null && type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      // a server that ignores "stream": true; the chain passes the whole text on as one delta
      response.body().onComplete(read -> {
        if (read.failed()) {
          fail(OpenAiProvider.classify(read.cause(), attemptMs));
          return;
        }
        try {
          succeed(ChatCompletionsJson.completion(read.result(), completion.model()));
        } catch (AiProviderException e) {
          fail(e);
        }
      });
      return;
    }
    armChunkTimer();
    response.exceptionHandler(e -> fail(new AiProviderException(Reason.UNREACHABLE,
        "AI provider's stream broke: " + e.getMessage(), e)));
    response.handler(this::onChunk);
    response.endHandler(v -> onEnd());
  }

  private void onChunk(Buffer chunk) {
    if (over) {
      return;
    }
    armChunkTimer();
    try {
      parser.feed(chunk);
    } catch (AiProviderException e) {
      fail(e);
      return;
    } catch (RuntimeException e) {
      fail(new AiProviderException(Reason.OTHER, "the streamed reply could not be passed on: " + e, e));
      return;
    }
    if (!over && completion.done()) {
      finish();
    }
  }

  private void onEvent(String data) {
    if (over) {
      return;
    }
    String visible = completion.accept(data);
    if (completion.started() && firstTokenTimer != -1) {
      vertx.cancelTimer(firstTokenTimer);
      firstTokenTimer = -1;
    }
    stream.delta(visible);
  }

  private void onEnd() {
    responseEnded = true;
    if (over) {
      return;
    }
    try {
      parser.end();
    } catch (AiProviderException e) {
      fail(e);
      return;
    }
    if (over) {
      return;
    }
    if (!completion.finished()) {
      fail(new AiProviderException(Reason.UNREACHABLE, "AI provider's stream ended before its completion finished"));
      return;
    }
    finish();
  }

  private void finish() {
    try {
      succeed(completion.completion());
    } catch (AiProviderException e) {
      fail(e);
    }
  }

  private void succeed(Completion done) {
    if (over) {
      return;
    }
    over = true;
    cancelTimers();
    result.complete(done);
  }

  private void cancelled() {
    fail(new AiProviderException(Reason.CANCELLED, "the turn was called off"), false);
  }

  private void fail(AiProviderException cause) {
    fail(cause, true);
  }

  private void fail(AiProviderException cause, boolean providerFault) {
    if (over) {
      return;
    }
    over = true;
    cancelTimers();
    if (request != null && !responseEnded) {
      // closes the connection (HTTP/1) or the stream (HTTP/2): the provider stops writing
      request.reset();
    }
    if (!stream.started()) {
      result.fail(cause);
      return;
    }
    String text = stream.text();
    Integer usage = completion.usageTokens();
    int tokens = usage != null ? usage : ChatCompletionsJson.estimatedTokens(body, text);
    result.fail(new Interrupted(cause, text, completion.model(), tokens, providerFault));
  }

  private void armChunkTimer() {
    if (chunkTimer != -1) {
      vertx.cancelTimer(chunkTimer);
    }
    chunkTimer = vertx.setTimer(chunkTimeoutMs, t -> {
      chunkTimer = -1;
      fail(new AiProviderException(Reason.TIMEOUT,
          "AI provider's stream went silent for more than " + chunkTimeoutMs + " ms"));
    });
  }

  private void cancelTimers() {
    for (long timer : new long[] {attemptTimer, firstTokenTimer, chunkTimer}) {
      if (timer != -1) {
        vertx.cancelTimer(timer);
      }
    }
    attemptTimer = -1;
    firstTokenTimer = -1;
    chunkTimer = -1;
  }
}
