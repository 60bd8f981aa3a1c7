package com.livechat.chat.provider;

import java.util.Locale;

/**
 * A provider could not produce a reply (down, timed out, refused, or answered garbage). The
 * {@link Reason} decides whether the attempt is retried and whether it counts against the
 * provider's circuit breaker; its label names the failure in metrics.
 */
public class AiProviderException extends RuntimeException {

  /** Why a provider gave no reply. */
  public enum Reason {
    /** HTTP 429. */
    RATE_LIMITED,
    /** HTTP 5xx or 408. */
    SERVER_ERROR,
    /**
     * No answer within the attempt's time limit, or (streaming) a silence between chunks over
     * {@code chunkTimeoutMs}.
     */
    TIMEOUT,
    /**
     * A streaming provider sent no token within {@code firstTokenTimeoutMs}: it is not retried, the
     * next provider answers.
     */
    FIRST_TOKEN_TIMEOUT,
    /** The connection could not be made or broke. */
    UNREACHABLE,
    /**
     * Nobody serves a bus provider's address (no worker is connected): the next provider answers at
     * once. Not retried and not counted by the breaker, so a worker that connects is asked at once.
     */
    NO_WORKER,
    /** A 2xx whose body is not a usable completion. */
    BAD_RESPONSE,
    /** Any other 4xx: this request was wrong, the provider is fine. */
    REFUSED,
    /** This node's connection pool to the provider has no room left for one more waiting request. */
    BUSY,
    /** The provider's circuit breaker is open. */
    CIRCUIT_OPEN,
    /** The turn's time budget ran out before this provider could answer. */
    NO_TIME,
    /** The model kept calling tools and never produced text. */
    TOOL_LOOP,
    /** The provider was closed (the node is stopping). */
    CLOSED,
    /**
     * The turn was called off ({@link ReplyStream#cancel()}) before any text was sent: not the
     * provider's fault, and nobody else is asked.
     */
    CANCELLED,
    OTHER;

    /** The lowercase name used as a metric label. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Reason reason;

  public AiProviderException(String message) {
    this(Reason.OTHER, message);
  }

  public AiProviderException(String message, Throwable cause) {
    this(Reason.OTHER, message, cause);
  }

  public AiProviderException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public AiProviderException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
