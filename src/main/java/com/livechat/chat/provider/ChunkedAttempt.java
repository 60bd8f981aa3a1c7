package com.livechat.chat.provider;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.chat.provider.ChatCompletionsJson.Completion;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What every streamed attempt shares, whatever carries its chunks (HTTP Server-Sent Events,
 * {@link StreamedAttempt}; the event bus, {@link BusAttempt}): the time limits (the whole attempt,
 * the first token, the silence between chunks), each chunk's text passed on to the {@link
 * ReplyStream} as it comes, the {@link Completion} assembled, and the outcome: the completion, or a
 * failure that becomes an {@link Interrupted} once text went out. Every method runs on the context
 * the attempt was started on.
 */
abstract class ChunkedAttempt {

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

  protected final Vertx vertx;
  protected final Context context;
  protected final JsonObject body;
  protected final ReplyStream stream;
  protected final long attemptMs;
  protected final StreamedCompletion completion;
  /** Who answers, in messages: "AI provider", "bus provider ai.provider.mine". */
  private final String who;
  private final long firstTokenTimeoutMs;
  private final long chunkTimeoutMs;
  private final Promise<Completion> result = Promise.promise();
  private boolean over;
  private long attemptTimer = -1;
  private long firstTokenTimer = -1;
  private long chunkTimer = -1;

  /**
   * @param body the request, already asking for a stream
   * @param attemptMs the whole attempt's limit; the first-token limit is cut to it
   */
  ChunkedAttempt(Vertx vertx, Context context, JsonObject body, String model, ReplyStream stream, long attemptMs,
      OpenAiSettings settings, String who) {
    this.vertx = vertx;
    this.context = context;
    this.body = body;
    this.stream = stream;
    this.attemptMs = attemptMs;
    this.firstTokenTimeoutMs = settings.firstTokenTimeoutMs();
    this.chunkTimeoutMs = settings.chunkTimeoutMs();
    this.completion = new StreamedCompletion(model);
    this.who = who;
  }

  /** Starts the attempt on its context. */
  final Future<Completion> start() {
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
        ? new AiProviderException(Reason.TIMEOUT, who + "'s stream did not finish within " + attemptMs + " ms")
        : new AiProviderException(Reason.TIMEOUT, who + " did not answer within " + attemptMs + " ms")));
    if (firstTokenTimeoutMs < attemptMs) {
      firstTokenTimer = vertx.setTimer(firstTokenTimeoutMs, t -> {
        firstTokenTimer = -1;
        fail(new AiProviderException(Reason.FIRST_TOKEN_TIMEOUT,
            who + " sent no token within " + firstTokenTimeoutMs + " ms"));
      });
    }
    // stream.cancel() may come from another thread; the attempt's state is only touched on its context
    stream.cancelled().onComplete(v -> context.runOnContext(x -> cancelled()));
    send();
  }

  /** Sends the request; its chunks go to {@link #pass}, its end to {@link #finish} or {@link #fail}. */
  protected abstract void send();

  /** The attempt is over: done, or failed (called off included), when the upstream work must stop. */
  protected abstract void stopped(boolean failed);

  /** Whether the attempt is over: later callbacks do nothing. */
  protected final boolean over() {
    return over;
  }

  /** One chunk's data (a chat.completion.chunk, or [DONE]): its visible text goes to the stream. */
  protected final void pass(String data) {
    String visible = completion.accept(data);
    if (completion.started() && firstTokenTimer != -1) {
      vertx.cancelTimer(firstTokenTimer);
      firstTokenTimer = -1;
    }
    stream.delta(visible);
  }

  /** The completion as the chunks made it. */
  protected final void finish() {
    try {
      succeed(completion.completion());
    } catch (AiProviderException e) {
      fail(e);
    }
  }

  protected final void succeed(Completion done) {
    if (over) {
      return;
    }
    over = true;
    cancelTimers();
    stopped(false);
    result.complete(done);
  }

  private void cancelled() {
    fail(new AiProviderException(Reason.CANCELLED, "the turn was called off"), false);
  }

  protected final void fail(AiProviderException cause) {
    fail(cause, true);
  }

  private void fail(AiProviderException cause, boolean providerFault) {
    if (over) {
      return;
    }
    over = true;
    cancelTimers();
    stopped(true);
    if (!stream.started()) {
      result.fail(cause);
      return;
    }
    String text = stream.text();
    Integer usage = completion.usageTokens();
    int tokens = usage != null ? usage : ChatCompletionsJson.estimatedTokens(body, text);
    result.fail(new Interrupted(cause, text, completion.model(), tokens, providerFault));
  }

  /** Another chunk came: the silence allowed before the next one starts over. */
  protected final void armChunkTimer() {
    if (chunkTimer != -1) {
      vertx.cancelTimer(chunkTimer);
    }
    chunkTimer = vertx.setTimer(chunkTimeoutMs, t -> {
      chunkTimer = -1;
      fail(new AiProviderException(Reason.TIMEOUT,
          who + "'s stream went silent for more than " + chunkTimeoutMs + " ms"));
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
