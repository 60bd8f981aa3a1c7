package com.livechat.chat.provider;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.chat.provider.ChatCompletionsJson.Completion;
import io.vertx.core.Context;
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
 * It keeps the attempt's time limits ({@link ChunkedAttempt}) and stops the upstream request when
 * the turn is called off. Every callback runs on the context it was started on, so deltas reach
 * the stream in order on the caller's context.
 *
 * <p>Its future fails with an {@link AiProviderException}; once text has been sent a failure is an
 * {@link ChunkedAttempt.Interrupted} carrying what was said, which the provider turns into a reply.
 */
final class StreamedAttempt extends ChunkedAttempt {

  private final HttpClient client;
  private final RequestOptions options;
  private final SseParser parser;
  private HttpClientRequest request;
  private boolean responseEnded;

  StreamedAttempt(Vertx vertx, Context context, HttpClient client, RequestOptions options, JsonObject body,
      String model, ReplyStream stream, long attemptMs, OpenAiSettings settings) {
    super(vertx, context, body, model, stream, attemptMs, settings, "AI provider");
    this.client = client;
    this.options = options;
    this.parser = new SseParser(this::onEvent);
  }

  @Override
  protected void send() {
    client.request(options).onComplete(obtained -> {
      if (obtained.failed()) {
        fail(OpenAiProvider.classify(obtained.cause(), attemptMs));
        return;
      }
      HttpClientRequest sent = obtained.result();
      if (over()) {
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

  @Override
  protected void stopped(boolean failed) {
    if (failed && request != null && !responseEnded) {
      // closes the connection (HTTP/1) or the stream (HTTP/2): the provider stops writing
      request.reset();
    }
  }

  private void onResponse(HttpClientResponse response) {
    if (over()) {
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
    if (over()) {
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
    if (!over() && completion.done()) {
      finish();
    }
  }

  private void onEvent(String data) {
    if (!over()) {
      pass(data);
    }
  }

  private void onEnd() {
    responseEnded = true;
    if (over()) {
      return;
    }
    try {
      parser.end();
    } catch (AiProviderException e) {
      fail(e);
      return;
    }
    if (over()) {
      return;
    }
    if (!completion.finished()) {
      fail(new AiProviderException(Reason.UNREACHABLE, "AI provider's stream ended before its completion finished"));
      return;
    }
    finish();
  }
}
