package com.livechat.chat.provider;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assistant's providers in order: each remote provider in turn, then the fallback (the local
 * assistant), which answers when every remote one has failed. A turn has one time budget for the
 * whole chain; each attempt gets at most what is left of it, and once less than {@link
 * OpenAiProvider#MIN_ATTEMPT_MS} is left the remaining remote providers are skipped. {@link AiReply#model()} always names who answered.
 *
 * <p>The turn's {@link ReplyStream} gets the text as it is written. The next provider is only
 * asked while nothing has been sent; a reply cut short after text went out is the answer (marked
 * interrupted). A provider that answered without streaming (one with {@code stream} off, the
 * local assistant) has its whole text passed on as one delta. A turn called off before any text
 * fails with reason CANCELLED, and nobody else is asked.
 *
 * <p>Build one per node, so that each provider has one circuit breaker and one connection pool per
 * node; it is safe to call from every event loop.
 */
public final class ProviderChain implements AiProvider {

  private static final Logger LOG = LoggerFactory.getLogger(ProviderChain.class);

  /** The fallback's name in logs and metrics. */
  public static final String FALLBACK_NAME = "local";

  private final List<OpenAiProvider> remotes;
  private final AiProvider fallback;
  private final long chainTimeoutMs;
  private final Metrics metrics;

  /**
   * @param remotes tried in this order
   * @param fallback answers when every remote provider failed or the budget ran out
   * @param chainTimeoutMs the time budget of one turn across the remote providers
   * @param metrics where answers and failures per provider are counted; null for none
   */
  public ProviderChain(List<OpenAiProvider> remotes, AiProvider fallback, long chainTimeoutMs, Metrics metrics) {
    this.remotes = List.copyOf(remotes);
    this.fallback = Objects.requireNonNull(fallback, "fallback");
    if (chainTimeoutMs <= 0) {
      throw new IllegalArgumentException("chainTimeoutMs must be positive, was " + chainTimeoutMs);
    }
    this.chainTimeoutMs = chainTimeoutMs;
    this.metrics = metrics;
  }

  /** The remote providers, in order. */
  public List<OpenAiProvider> remotes() {
    return remotes;
  }

  @Override
  public Future<AiReply> complete(AiRequest request, ReplyStream stream) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(chainTimeoutMs);
    return attempt(request, stream, 0, deadline);
  }

  /** Closes the remote providers' HTTP clients and breakers. */
  public void close() {
    remotes.forEach(OpenAiProvider::close);
  }

  private Future<AiReply> attempt(AiRequest request, ReplyStream stream, int index, long deadline) {
    if (stream.isCancelled()) {
      return Future.failedFuture(new AiProviderException(Reason.CANCELLED, "the turn was called off"));
    }
    if (index == remotes.size()) {
      return answerFromFallback(request, stream);
    }
    OpenAiProvider provider = remotes.get(index);
    if (deadline - System.nanoTime() < TimeUnit.MILLISECONDS.toNanos(OpenAiProvider.MIN_ATTEMPT_MS)) {
      failed(provider, index, new AiProviderException(Reason.NO_TIME,
          "the turn's " + chainTimeoutMs + " ms budget is spent"));
      return attempt(request, stream, index + 1, deadline);
    }
    Future<AiReply> reply;
    try {
      reply = provider.complete(request, stream, deadline);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply.transform(outcome -> {
      if (outcome.succeeded()) {
        return Future.succeededFuture(answered(provider.name(), outcome.result(), stream));
      }
      Throwable cause = outcome.cause();
      if (cause instanceof AiProviderException known && known.reason() == Reason.CANCELLED) {
        LOG.debug("AI provider {}: the turn was called off before it answered", provider.name());
        return Future.failedFuture(cause);
      }
      if (stream.started()) {
        // A provider ends a reply it began with what it said; should one fail instead, the visitor
        // still has that text, and another provider must not start over under it.
        LOG.warn("AI provider {} failed after it had sent text: {}", provider.name(), cause.getMessage());
        String text = stream.text();
        return Future.succeededFuture(answered(provider.name(), new AiReply(text, provider.settings().model(),
            (text.length() + 3) / 4, new JsonObject(), false, List.of(), true), stream));
      }
      failed(provider, index, cause);
      return attempt(request, stream, index + 1, deadline);
    });
  }

  private Future<AiReply> answerFromFallback(AiRequest request, ReplyStream stream) {
    Future<AiReply> reply;
    try {
      reply = fallback.complete(request, stream);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply.map(r -> answered(FALLBACK_NAME, r, stream));
  }

  /** Counts the reply, and passes its text on whole when its provider did not stream it. */
  private AiReply answered(String provider, AiReply reply, ReplyStream stream) {
    count(provider);
    if (reply.interrupted()) {
      if (metrics != null) {
        metrics.aiReplyInterrupted(provider);
      }
    } else if (!stream.started() && reply.content() != null) {
      stream.delta(reply.content());
    }
    return reply;
  }

  private void failed(OpenAiProvider provider, int index, Throwable cause) {
    AiProviderException.Reason reason = cause instanceof AiProviderException known
        ? known.reason() : AiProviderException.Reason.OTHER;
    String next = index + 1 < remotes.size() ? remotes.get(index + 1).name() : FALLBACK_NAME;
    // An open circuit already said so when it opened; logging each turn it turns away would flood.
    if (reason == AiProviderException.Reason.CIRCUIT_OPEN || reason == AiProviderException.Reason.NO_TIME) {
      LOG.debug("AI provider {} skipped ({}); trying {}", provider.name(), cause.getMessage(), next);
    } else {
      LOG.warn("AI provider {} failed ({}): {}; trying {}", provider.name(), reason.label(), cause.getMessage(), next);
    }
    if (metrics != null) {
      metrics.aiProviderFailure(provider.name(), reason.label());
    }
  }

  private void count(String provider) {
    if (metrics != null) {
      metrics.aiReply(provider);
    }
  }
}
