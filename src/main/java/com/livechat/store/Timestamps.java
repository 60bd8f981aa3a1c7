package com.livechat.store;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** ISO-8601 UTC strings, second precision, as in shared/API.md ("2024-01-15T10:00:00Z"). */
public final class Timestamps {

  private Timestamps() {}

  public static String format(OffsetDateTime time) {
    if (time == null) {
      return null;
    }
    return DateTimeFormatter.ISO_INSTANT.format(time.toInstant().truncatedTo(ChronoUnit.SECONDS));
  }

  public static String period(OffsetDateTime time) {
    OffsetDateTime utc = time.withOffsetSameInstant(ZoneOffset.UTC);
    return String.format("%04d-%02d", utc.getYear(), utc.getMonthValue());
  }
}
