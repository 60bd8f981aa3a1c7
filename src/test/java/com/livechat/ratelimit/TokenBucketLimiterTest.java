package com.livechat.ratelimit;

import static com.livechat.ratelimit.TokenBucketLimiter.ALLOWED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket: refill math on a clock the test moves, Retry-After rounding, bounded memory. */
class TokenBucketLimiterTest {

  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong clock = new AtomicLong(123 * SECOND);

  private TokenBucketLimiter limiter(int capacity, long periodSeconds, int maxKeys) {
    // housekeeping on the calling thread, so that expiry and eviction happen when the test says
    return new TokenBucketLimiter(capacity, periodSeconds, maxKeys, clock::get, Runnable::run);
  }

  private void advance(double seconds) {
    clock.addAndGet((long) (seconds * SECOND));
  }

  @Test
  void aFullBucketAllowsItsCapacityAtOnceThenTellsWhenTheNextTokenComes() {
    TokenBucketLimiter limiter = limiter(3, 60, 100);
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    // 3 per 60 s: one token every 20 s
    assertThat(limiter.tryTake("k")).isEqualTo(20);
    // a refused take spends nothing
    assertThat(limiter.tryTake("k")).isEqualTo(20);
    advance(5);
    assertThat(limiter.tryTake("k")).isEqualTo(15);
  }

  @Test
  void tokensComeBackAtTheConfiguredRateAndNeverBeyondTheCapacity() {
    TokenBucketLimiter limiter = limiter(3, 60, 100);
    for (int i = 0; i < 3; i++) {
      limiter.tryTake("k");
    }
    advance(20);
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("k")).isEqualTo(20);
    advance(40);
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("k")).isNotEqualTo(ALLOWED);
    // a long idle time refills to the capacity, not more
    advance(3600);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    }
    assertThat(limiter.tryTake("k")).isEqualTo(20);
  }

  @Test
  void retryAfterIsRoundedUpToWholeSecondsAndIsAtLeastOne() {
    // 3 per 10 s: a token every 3.33 s
    TokenBucketLimiter limiter = limiter(3, 10, 100);
    for (int i = 0; i < 3; i++) {
      limiter.tryTake("k");
    }
    assertThat(limiter.tryTake("k")).isEqualTo(4);
    advance(3.3);
    assertThat(limiter.tryTake("k")).isEqualTo(1);
    clock.addAndGet(33_333_333L - 1);
    assertThat(limiter.tryTake("k")).as("a nanosecond to wait is still 1 s").isEqualTo(1);
    clock.addAndGet(1);
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(TokenBucketLimiter.retryAfterSeconds(1)).isEqualTo(1);
    assertThat(TokenBucketLimiter.retryAfterSeconds(SECOND)).isEqualTo(1);
    assertThat(TokenBucketLimiter.retryAfterSeconds(SECOND + 1)).isEqualTo(2);
  }

  @Test
  void keysHaveBucketsOfTheirOwn() {
    TokenBucketLimiter limiter = limiter(1, 60, 100);
    assertThat(limiter.tryTake("a")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("a")).isNotEqualTo(ALLOWED);
    assertThat(limiter.tryTake("b")).isEqualTo(ALLOWED);
  }

  @Test
  void aRefundGivesOneTokenBackButNeverMoreThanAFullBucket() {
    TokenBucketLimiter limiter = limiter(2, 60, 100);
    limiter.tryTake("k");
    limiter.tryTake("k");
    limiter.refund("k");
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("k")).isNotEqualTo(ALLOWED);

    TokenBucketLimiter full = limiter(2, 60, 100);
    full.tryTake("k");
    full.refund("k");
    full.refund("k");
    full.refund("k");
    assertThat(full.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(full.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(full.tryTake("k")).isNotEqualTo(ALLOWED);
    full.refund("never-taken");
    assertThat(full.trackedKeys()).isEqualTo(1);
  }

  @Test
  void capacityZeroMeansNoLimitAndTracksNothing() {
    TokenBucketLimiter limiter = limiter(0, 0, 100);
    assertThat(limiter.enabled()).isFalse();
    for (int i = 0; i < 1000; i++) {
      assertThat(limiter.tryTake("k" + (i % 3))).isEqualTo(ALLOWED);
    }
    assertThat(limiter.trackedKeys()).isZero();
  }

  @Test
  void aBucketIdleForAWholePeriodIsFullAgainAndForgotten() {
    TokenBucketLimiter limiter = limiter(2, 60, 100);
    limiter.tryTake("k");
    limiter.tryTake("k");
    advance(59);
    limiter.cleanUp();
    assertThat(limiter.trackedKeys()).as("not yet full: kept").isEqualTo(1);
    advance(1);
    limiter.cleanUp();
    assertThat(limiter.trackedKeys()).isZero();
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("k")).isEqualTo(ALLOWED);
    assertThat(limiter.tryTake("k")).isNotEqualTo(ALLOWED);
  }

  @Test
  void noMoreThanMaxKeysAreTrackedWhateverTheNumberOfKeysSeen() {
    TokenBucketLimiter limiter = limiter(5, 60, 100);
    for (int i = 0; i < 10_000; i++) {
      limiter.tryTake("attacker-" + i);
    }
    limiter.cleanUp();
    assertThat(limiter.trackedKeys()).isLessThanOrEqualTo(100);
  }

  @Test
  void concurrentTakesNeverHandOutMoreThanTheCapacity() throws Exception {
    TokenBucketLimiter limiter = limiter(1000, 3600, 100);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      results.add(threads.submit(() -> {
        start.await();
        int allowed = 0;
        for (int i = 0; i < 1000; i++) {
          if (limiter.tryTake("shared") == ALLOWED) {
            allowed++;
          }
        }
        return allowed;
      }));
    }
    start.countDown();
    int total = 0;
    for (Future<Integer> r : results) {
      total += r.get(30, TimeUnit.SECONDS);
    }
    threads.shutdown();
    assertThat(total).isEqualTo(1000);
  }

  @Test
  void impossibleSettingsAreRefused() {
    assertThatThrownBy(() -> limiter(-1, 60, 100)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> limiter(5, 0, 100)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> limiter(5, 60, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
