package com.livechat.dialer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Calling hours in the contact's own zone, at the moment of dialling. */
class CallingHoursTest {

  private static final CallingHours WEEKDAYS = new CallingHours(LocalTime.of(9, 0), LocalTime.of(20, 0),
      EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY));

  @Test
  void theSameInstantIsOpenInOneZoneAndClosedInAnother() {
    // Tuesday 2026-12-01 15:00 UTC: 10:00 in New York, 16:00 in Paris, 00:00 (Wednesday) in Tokyo
    Instant at = Instant.parse("2026-12-01T15:00:00Z");
    assertThat(WEEKDAYS.open(at, ZoneId.of("America/New_York"))).isTrue();
    assertThat(WEEKDAYS.open(at, ZoneId.of("Europe/Paris"))).isTrue();
    assertThat(WEEKDAYS.open(at, ZoneId.of("Asia/Tokyo"))).isFalse();
    assertThat(WEEKDAYS.next(at, ZoneId.of("Asia/Tokyo"))).isEqualTo(Instant.parse("2026-12-02T00:00:00Z"));
  }

  @Test
  void afterTheEndItWaitsForTheNextDayAndOverTheWeekendForMonday() {
    ZoneId ny = ZoneId.of("America/New_York");
    // Friday 2026-12-04 20:30 local: the next window is Monday 09:00 local
    Instant friday = Instant.parse("2026-12-05T01:30:00Z");
    assertThat(WEEKDAYS.open(friday, ny)).isFalse();
    assertThat(WEEKDAYS.next(friday, ny)).isEqualTo(Instant.parse("2026-12-07T14:00:00Z"));
    // the end is exclusive
    assertThat(WEEKDAYS.open(Instant.parse("2026-12-02T01:00:00Z"), ny)).isFalse();
  }

  @Test
  void aWindowIsNeverWiderThanEightToNine() {
    CallingHours wide = new CallingHours(LocalTime.of(6, 0), LocalTime.of(23, 0), EnumSet.allOf(DayOfWeek.class));
    assertThat(wide.start()).isEqualTo(CallingHours.EARLIEST);
    assertThat(wide.end()).isEqualTo(CallingHours.LATEST);
    assertThat(wide.open(Instant.parse("2026-12-01T07:30:00Z"), ZoneId.of("UTC"))).isFalse();
  }

  @Test
  void aDaylightSavingGapOpensAtTheFirstValidInstant() {
    // Europe/Paris jumps from 02:00 to 03:00 on 2027-03-28; a window from 08:00 is unaffected,
    // and the day after a closed Saturday is found across the change
    CallingHours sundays = new CallingHours(LocalTime.of(8, 0), LocalTime.of(9, 0), EnumSet.of(DayOfWeek.SUNDAY));
    Instant saturday = Instant.parse("2027-03-27T12:00:00Z");
    assertThat(sundays.next(saturday, ZoneId.of("Europe/Paris"))).isEqualTo(Instant.parse("2027-03-28T06:00:00Z"));
  }
}
