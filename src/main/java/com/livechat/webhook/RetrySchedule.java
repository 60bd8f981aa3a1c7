package com.livechat.webhook;

import java.time.Duration;
import java.util.List;

/**
 * When a failed delivery is tried again: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after its
 * first seven failures (eight attempts in all, about 28 hours), each within ±10 % (so that the
 * retries of many deliveries that failed together do not arrive together), or later when the
 * receiver's {@code Retry-After} asks for more (at most a day).
 */
final class RetrySchedule {

  static final List<Duration> DELAYS = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
      Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
  static final double JITTER = 0.10;
  static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

  private RetrySchedule() {}

  /**
   * The wait after failed attempt {@code attempt} (1 = the first), or null when it was the last.
   *
   * @param jitter in [-1, 1]: the share of {@link #JITTER} to add
   * @param retryAfter what the receiver asked for, or null
   */
  static Duration after(int attempt, double jitter, Duration retryAfter) {
    if (attempt < 1 || attempt > DELAYS.size()) {
      return null;
    }
    Duration base = DELAYS.get(attempt - 1);
    Duration delay = Duration.ofMillis(Math.round(base.toMillis() * (1 + JITTER * Math.max(-1, Math.min(1, jitter)))));
    if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
      return retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
    }
    return delay;
  }
}
