package com.livechat.store;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
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

  /**
   * An ISO-8601 date-time with an offset ("2024-01-15T10:00:00Z") in the years 1970 to 9999, or
   * null: Java reads years up to ±999,999,999, which neither date arithmetic nor PostgreSQL's
   * timestamptz can take.
   */
  public static OffsetDateTime parse(String text) {
    try {
      OffsetDateTime time = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      int year = time.withOffsetSameInstant(ZoneOffset.UTC).getYear();
      return year >= 1970 && year <= 9999 ? time : null;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  public static String period(OffsetDateTime time) {
    OffsetDateTime utc = time.withOffsetSameInstant(ZoneOffset.UTC);
    return String.format("%04d-%02d", utc.getYear(), utc.getMonthValue());
  }
}
