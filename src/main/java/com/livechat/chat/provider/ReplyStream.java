package com.livechat.chat.provider;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Where a turn's reply goes while it is being written, and how the turn is called off. A provider
 * that streams calls {@link #delta} with each piece of visible text, in order, on the caller's
 * context; one that does not stream has its whole text passed on by {@link ProviderChain} as one
 * delta. The text of all deltas of an answered turn is exactly the reply's content.
 *
 * <p>{@link #cancel()} (the visitor went away, an agent took the conversation over) stops the
 * upstream request: a provider that has not sent a token yet fails with reason CANCELLED and the
 * chain tries nobody else; one that has ends its reply with what it said, marked interrupted.
 */
public final class ReplyStream {

  /** Receives the visible pieces of the reply. */
  @FunctionalInterface
  public interface Sink {
    void delta(String text);
  }

  private final Sink sink;
  private final Promise<Void> cancelled = Promise.promise();
  private final StringBuilder sent = new StringBuilder();

  public ReplyStream(Sink sink) {
    this.sink = sink;
  }

  /** A stream nobody listens to: deltas are only remembered. */
  public static ReplyStream discarding() {
    return new ReplyStream(text -> {});
  }

  /** Passes a non-empty piece of text on. */
  public void delta(String text) {
    if (text == null || text.isEmpty() || cancelled.future().isComplete()) {
      return;
    }
    sent.append(text);
    sink.delta(text);
  }

  /** Whether any text has gone out: before that a failing provider can still hand over to the next. */
  public boolean started() {
    return !sent.isEmpty();
  }

  /** Everything sent so far. */
  public String text() {
    return sent.toString();
  }

  /** Calls the turn off; idempotent. */
  public void cancel() {
    cancelled.tryComplete();
  }

  public boolean isCancelled() {
    return cancelled.future().isComplete();
  }

  /** Completes when the turn is called off (never fails). */
  public Future<Void> cancelled() {
    return cancelled.future();
  }
}
