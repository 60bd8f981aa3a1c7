package com.livechat.dialer;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Set;

/**
 * When a contact may be called: between {@code start} and {@code end} local time, on {@code days},
 * in the contact's own zone (or the campaign's), evaluated at the moment of dialling. Never from a
 * number's area code. The window never leaves 08:00–21:00 local (validated when the campaign is
 * created, and held here again).
 */
public record CallingHours(LocalTime start, LocalTime end, Set<DayOfWeek> days) {

  public static final LocalTime EARLIEST = LocalTime.of(8, 0);
  public static final LocalTime LATEST = LocalTime.of(21, 0);

  public CallingHours {
    start = start.isBefore(EARLIEST) ? EARLIEST : start;
    end = end.isAfter(LATEST) ? LATEST : end;
    if (!start.isBefore(end) || days.isEmpty()) {
      throw new IllegalArgumentException("calling hours must be a non-empty window on at least one day");
    }
  }

  /** Whether {@code at} is inside the window in {@code zone}. */
  public boolean open(Instant at, ZoneId zone) {
    ZonedDateTime local = at.atZone(zone);
    LocalTime time = local.toLocalTime();
    return days.contains(local.getDayOfWeek()) && !time.isBefore(start) && time.isBefore(end);
  }

  /**
   * {@code at} itself when the window is open then, else the next moment it opens in {@code zone}
   * (a day whose start falls in a DST gap opens at the first valid instant after it).
   */
  public Instant next(Instant at, ZoneId zone) {
    if (open(at, zone)) {
      return at;
    }
    ZonedDateTime local = at.atZone(zone);
    LocalDate day = local.toLocalDate();
    for (int i = 0; i <= 8; i++) {
      LocalDate candidate = day.plusDays(i);
      if (!days.contains(candidate.getDayOfWeek())) {
        continue;
      }
      ZonedDateTime opens = ZonedDateTime.of(candidate, start, zone);
      if (opens.toInstant().isAfter(at)) {
        return opens.toInstant();
      }
    }
    throw new IllegalStateException("no calling window within a week");
  }
}
