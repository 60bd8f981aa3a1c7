package com.livechat.chat.provider;

import com.livechat.ops.Metrics;
import io.vertx.core.Future;
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
  public Future<AiReply> complete(AiRequest request) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(chainTimeoutMs);
    return attempt(request, 0, deadline);
  }

  /** Closes the remote providers' HTTP clients and breakers. */
  public void close() {
    remotes.forEach(OpenAiProvider::close);
  }

  private Future<AiReply> attempt(AiRequest request, int index, long deadline) {
    if (index == remotes.size()) {
      return answerFromFallback(request);
    }
    OpenAiProvider provider = remotes.get(index);
    if (deadline - System.nanoTime() < TimeUnit.MILLISECONDS.toNanos(OpenAiProvider.MIN_ATTEMPT_MS)) {
      failed(provider, index, new AiProviderException(AiProviderException.Reason.NO_TIME,
          "the turn's " + chainTimeoutMs + " ms budget is spent"));
      return attempt(request, index + 1, deadline);
    }
    Future<AiReply> reply;
    try {
      reply = provider.complete(request, deadline);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply.transform(outcome -> {
      if (outcome.succeeded()) {
        count(provider.name());
        return Future.succeededFuture(outcome.result());
      }
      failed(provider, index, outcome.cause());
      return attempt(request, index + 1, deadline);
    });
  }

  private Future<AiReply> answerFromFallback(AiRequest request) {
    Future<AiReply> reply;
    try {
      reply = fallback.complete(request);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply.onSuccess(r -> count(FALLBACK_NAME));
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
