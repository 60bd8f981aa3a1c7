package com.livechat.campaign;

import com.livechat.store.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A campaign with its settings parsed (shared/API.md Part 5), as stored in {@code campaigns}.
 *
 * @param timezone the zone of contacts that have none of their own
 * @param voicemailMessage what is left on a voicemail (mode {@link Voicemail#LEAVE_MESSAGE}); null or
 *     unused otherwise
 * @param startAt no contact is called before it; null = as soon as the campaign runs
 */
public record Campaign(
    String id,
    String tenantId,
    String name,
    String assistantId,
    String fromNumber,
    ZoneId timezone,
    CallingHours callingHours,
    Pacing pacing,
    Retry retry,
    Voicemail voicemail,
    String voicemailMessage,
    Instant startAt,
    Status status,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  static final String COLUMNS = "id, tenant_id, name, assistant_id, from_number, timezone, calling_hours, pacing, "
      + "retry, voicemail, voicemail_message, start_at, status, created_at, updated_at";

  /** The days of {@code callingHours.days}, as the API spells them, Monday first. */
  static final List<String> DAY_NAMES = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

  private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

  /** A campaign's state; see {@link Campaigns} for the transitions. */
  public enum Status {
    DRAFT, SCHEDULED, RUNNING, PAUSED, COMPLETED, CANCELLED;

    /** As stored and as the API spells it: lower case. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Status fromWire(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** Completed or cancelled: nothing more happens, no contact can be added. */
    public boolean closed() {
      return this == COMPLETED || this == CANCELLED;
    }
  }

  /** What happens when a machine answers. */
  public enum Voicemail {
    HANGUP, LEAVE_MESSAGE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Voicemail fromWire(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * Contacts are called from {@code start} (inclusive) to {@code end} (exclusive), local time in
   * their zone, on {@code days}; always within 08:00–21:00.
   */
  public record CallingHours(LocalTime start, LocalTime end, Set<DayOfWeek> days) {

    public CallingHours {
      days = Set.copyOf(days);
    }

    JsonObject toJson() {
      JsonArray names = new JsonArray();
      Set<DayOfWeek> mondayFirst = EnumSet.noneOf(DayOfWeek.class);
      mondayFirst.addAll(days);
      mondayFirst.forEach(day -> names.add(DAY_NAMES.get(day.getValue() - 1)));
      return new JsonObject().put("start", HH_MM.format(start)).put("end", HH_MM.format(end)).put("days", names);
    }

    static CallingHours fromJson(JsonObject json) {
      Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
      json.getJsonArray("days").forEach(day -> days.add(DayOfWeek.of(DAY_NAMES.indexOf((String) day) + 1)));
      return new CallingHours(LocalTime.parse(json.getString("start")), LocalTime.parse(json.getString("end")), days);
    }
  }

  /** At most {@code callsPerMinute} dials over any minute and {@code maxConcurrent} calls at once, cluster-wide. */
  public record Pacing(int callsPerMinute, int maxConcurrent) {

    JsonObject toJson() {
      return new JsonObject().put("callsPerMinute", callsPerMinute).put("maxConcurrent", maxConcurrent);
    }

    static Pacing fromJson(JsonObject json) {
      return new Pacing(json.getInteger("callsPerMinute"), json.getInteger("maxConcurrent"));
    }
  }

  /**
   * A contact is attempted at most {@code maxAttempts} times; a busy line is tried again after
   * {@code busyDelayMinutes}, an unanswered call after {@code noAnswerDelayMinutes}.
   */
  public record Retry(int maxAttempts, int busyDelayMinutes, int noAnswerDelayMinutes) {

    JsonObject toJson() {
      return new JsonObject().put("maxAttempts", maxAttempts).put("busyDelayMinutes", busyDelayMinutes)
          .put("noAnswerDelayMinutes", noAnswerDelayMinutes);
    }

    static Retry fromJson(JsonObject json) {
      return new Retry(json.getInteger("maxAttempts"), json.getInteger("busyDelayMinutes"),
          json.getInteger("noAnswerDelayMinutes"));
    }
  }

  static Campaign from(Row row) {
    OffsetDateTime startAt = row.getOffsetDateTime("start_at");
    return new Campaign(
        row.getString("id"),
        row.getString("tenant_id"),
        row.getString("name"),
        row.getString("assistant_id"),
        row.getString("from_number"),
        ZoneId.of(row.getString("timezone")),
        CallingHours.fromJson(row.getJsonObject("calling_hours")),
        Pacing.fromJson(row.getJsonObject("pacing")),
        Retry.fromJson(row.getJsonObject("retry")),
        Voicemail.fromWire(row.getString("voicemail")),
        row.getString("voicemail_message"),
        startAt == null ? null : startAt.toInstant(),
        Status.fromWire(row.getString("status")),
        row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("updated_at"));
  }

  /** The campaign with another status (as just written). */
  Campaign withStatus(Status next) {
    return new Campaign(id, tenantId, name, assistantId, fromNumber, timezone, callingHours, pacing, retry, voicemail,
        voicemailMessage, startAt, next, createdAt, updatedAt);
  }

  /** Whether {@code startAt} is still ahead of {@code now}. */
  boolean startsAfter(Instant now) {
    return startAt != null && startAt.isAfter(now);
  }

  /** The API's view, without counts. */
  JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("assistantId", assistantId)
        .put("fromNumber", fromNumber)
        .put("timezone", timezone.getId())
        .put("callingHours", callingHours.toJson())
        .put("pacing", pacing.toJson())
        .put("retry", retry.toJson())
        .put("voicemail", voicemail.wire())
        .put("voicemailMessage", voicemailMessage)
        .put("startAt", startAt == null ? null : Timestamps.format(OffsetDateTime.ofInstant(startAt, ZoneOffset.UTC)))
        .put("status", status.wire())
        .put("createdAt", Timestamps.format(createdAt))
        .put("updatedAt", Timestamps.format(updatedAt));
  }
}
