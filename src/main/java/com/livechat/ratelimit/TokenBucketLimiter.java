package com.livechat.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Token buckets keyed by string: each key may spend {@code capacity} tokens at once and gets them
 * back at a steady {@code capacity} per {@code periodSeconds}. Thread-safe and lock-free on the hot
 * path (one compare-and-set), so the HTTP verticle instances of a node, on their own event loops,
 * share one limiter.
 *
 * <p>A bucket is a single number, the instant at which it will be full again (the "theoretical
 * arrival time" of GCRA, equivalent to a token bucket with continuous refill). Memory stays bounded:
 * a key not used for {@code periodSeconds} is full again and its entry is dropped, and at most
 * {@code maxKeys} keys are tracked. Past that cap the cache evicts by frequency (Caffeine's
 * W-TinyLFU): a flood of one-off keys mostly displaces other one-off keys, not the busy ones. An
 * evicted key that comes back starts with a full bucket, so at the cap a client can at worst get a
 * fresh burst; the cap is for memory, not accuracy.
 */
public final class TokenBucketLimiter {

  /** What {@link #tryTake} returns when a token was taken. */
  public static final long ALLOWED = 0;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final int capacity;
  private final long intervalNanos;
  private final long burstNanos;
  private final Ticker ticker;
  private final Cache<String, AtomicLong> buckets;

  /** @param capacity tokens of a full bucket; 0 = no limit (every take is allowed, nothing is tracked) */
  public TokenBucketLimiter(int capacity, long periodSeconds, int maxKeys) {
    this(capacity, periodSeconds, maxKeys, Ticker.systemTicker(), ForkJoinPool.commonPool());
  }

  /** @param ticker the clock (nanoseconds); @param executor where the cache's housekeeping runs */
  TokenBucketLimiter(int capacity, long periodSeconds, int maxKeys, Ticker ticker, Executor executor) {
    if (capacity < 0 || (capacity > 0 && periodSeconds < 1) || maxKeys < 1) {
      throw new IllegalArgumentException("capacity >= 0, periodSeconds >= 1 and maxKeys >= 1 are required");
    }
    this.capacity = capacity;
    this.intervalNanos = capacity == 0 ? 0 : Math.max(1, periodSeconds * NANOS_PER_SECOND / capacity);
    this.burstNanos = intervalNanos * capacity;
    this.ticker = ticker;
    this.buckets = capacity == 0 ? null : Caffeine.newBuilder()
        .maximumSize(maxKeys)
        // after a whole period without a take a bucket is full again: forgetting it changes nothing
        .expireAfterAccess(Duration.ofNanos(burstNanos))
        .ticker(ticker)
        .executor(executor)
        .build();
  }

  public boolean enabled() {
    return buckets != null;
  }

  public int capacity() {
    return capacity;
  }

  /**
   * Takes one token of {@code key}'s bucket.
   *
   * @return {@link #ALLOWED} (0) when a token was taken; otherwise the whole seconds until one will
   *     be available, rounded up and at least 1 (a Retry-After value); nothing is taken then
   */
  public long tryTake(String key) {
    if (buckets == null) {
      return ALLOWED;
    }
    AtomicLong fullAt = buckets.get(key, k -> new AtomicLong(Long.MIN_VALUE));
    long now = ticker.read();
    while (true) {
      long current = fullAt.get();
      long next = Math.max(current, now) + intervalNanos;
      long wait = next - now - burstNanos;
      if (wait > 0) {
        return retryAfterSeconds(wait);
      }
      if (fullAt.compareAndSet(current, next)) {
        return ALLOWED;
      }
    }
  }

  /** Gives back one token taken from {@code key} (never beyond a full bucket). */
  public void refund(String key) {
    if (buckets == null) {
      return;
    }
    AtomicLong fullAt = buckets.getIfPresent(key);
    if (fullAt != null) {
      long now = ticker.read();
      fullAt.updateAndGet(t -> t <= now ? t : Math.max(t - intervalNanos, now));
    }
  }

  /** Keys currently tracked (approximate; includes entries due for removal). */
  public long trackedKeys() {
    return buckets == null ? 0 : buckets.estimatedSize();
  }

  /** Runs the cache's pending housekeeping (expiry, eviction) now; for tests. */
  void cleanUp() {
    if (buckets != null) {
      buckets.cleanUp();
    }
  }

  static long retryAfterSeconds(long waitNanos) {
    return Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
  }
}
