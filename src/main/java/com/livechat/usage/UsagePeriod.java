package com.livechat.usage;

import com.livechat.store.Timestamps;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Usage is counted per calendar month in UTC ("2024-01"). */
public final class UsagePeriod {

  private UsagePeriod() {}

  public static String current() {
    return Timestamps.period(OffsetDateTime.now(ZoneOffset.UTC));
  }

  /** Whole seconds (at least 1) from {@code now} to the start of the next month, UTC: the Retry-After of a spent limit. */
  public static long secondsToNextPeriod(OffsetDateTime now) {
    OffsetDateTime utc = now.withOffsetSameInstant(ZoneOffset.UTC);
    OffsetDateTime next = utc.withDayOfMonth(1).toLocalDate().atStartOfDay().atOffset(ZoneOffset.UTC).plusMonths(1);
    long millis = Duration.between(utc, next).toMillis();
    return Math.max(1, (millis + 999) / 1000);
  }
}
