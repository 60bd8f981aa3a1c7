package com.livechat.campaign;

import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import com.livechat.store.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of POST /api/campaigns, validated field by field in the order of {@link #FIELDS}. Only
 * name, assistantId, fromNumber and timezone are required; an absent (or null) optional field, or
 * a field of callingHours, pacing or retry, takes the default below. Whether the assistant and the
 * number are the tenant's is checked against the database afterwards ({@link Campaigns#create}).
 */
final class CampaignInput {

  static final int NAME_MAX = 100;
  static final int VOICEMAIL_MESSAGE_MAX = 1000;
  static final LocalTime EARLIEST = LocalTime.of(8, 0);
  static final LocalTime LATEST = LocalTime.of(21, 0);
  static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
  private static final Pattern HH_MM = Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]");
  /** The region ids of the JDK's tz database (getAvailableZoneIds() copies the set on each call). */
  private static final Set<String> ZONES = Set.copyOf(ZoneId.getAvailableZoneIds());

  static final Campaign.CallingHours DEFAULT_CALLING_HOURS = new Campaign.CallingHours(LocalTime.of(9, 0),
      LocalTime.of(20, 0), EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY));
  static final Campaign.Pacing DEFAULT_PACING = new Campaign.Pacing(10, 5);
  static final Campaign.Retry DEFAULT_RETRY = new Campaign.Retry(3, 10, 60);

  private static final List<String> FIELDS = List.of("name", "assistantId", "fromNumber", "timezone", "callingHours",
      "pacing", "retry", "voicemail", "voicemailMessage", "startAt");

  private CampaignInput() {}

  /** The campaign the body describes, as a draft of {@code tenantId} with id {@code id}; any rule broken is a 400. */
  static Campaign parse(JsonObject body, String tenantId, String id) {
    Bodies.onlyFields(body, FIELDS);
    String name = Bodies.requiredText(body, "name", 1, NAME_MAX);
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw AppError.invalid("invalid_name", "name must not contain control characters.");
    }
    if (!(body.getValue("assistantId") instanceof String assistantId) || assistantId.isEmpty()) {
      throw AppError.invalid("invalid_assistant_id", "assistantId is required: the id of one of your assistants.");
    }
    String fromNumber = Bodies.required(body, "fromNumber", E164,
        "one of your assistants' phone numbers in E.164, such as +14165559999");
    ZoneId timezone = zone(body.getValue("timezone"));
    if (timezone == null) {
      throw AppError.invalid("invalid_timezone", "timezone is required: an IANA zone such as America/Toronto.");
    }
    Campaign.CallingHours callingHours = callingHours(body.getValue("callingHours"));
    Campaign.Pacing pacing = pacing(body.getValue("pacing"));
    Campaign.Retry retry = retry(body.getValue("retry"));
    Campaign.Voicemail voicemail = voicemail(body.getValue("voicemail"));
    String voicemailMessage = voicemailMessage(body.getValue("voicemailMessage"), voicemail);
    Instant startAt = startAt(body.getValue("startAt"));
    return new Campaign(id, tenantId, name, assistantId, fromNumber, timezone, callingHours, pacing, retry, voicemail,
        voicemailMessage, startAt, Campaign.Status.DRAFT, null, null);
  }

  /**
   * An IANA region id (America/New_York, Europe/Paris, UTC), or null when {@code value} is not one:
   * fixed offsets (+02:00, UTC+2, Z) are not accepted, because a region follows daylight saving.
   */
  static ZoneId zone(Object value) {
    if (value instanceof String s && ZONES.contains(s)) {
      return ZoneId.of(s);
    }
    return null;
  }

  private static Campaign.CallingHours callingHours(Object value) {
    if (value == null) {
      return DEFAULT_CALLING_HOURS;
    }
    AppError invalid = AppError.invalid("invalid_calling_hours", "callingHours must be {\"start\": \"HH:mm\", "
        + "\"end\": \"HH:mm\", \"days\": [...]}: start before end, both within 08:00–21:00, and days a non-empty "
        + "list of distinct days among " + String.join(", ", Campaign.DAY_NAMES) + ".");
    if (!(value instanceof JsonObject json) || !Set.of("start", "end", "days").containsAll(json.fieldNames())) {
      throw invalid;
    }
    LocalTime start = time(json.getValue("start"), DEFAULT_CALLING_HOURS.start(), invalid);
    LocalTime end = time(json.getValue("end"), DEFAULT_CALLING_HOURS.end(), invalid);
    if (!start.isBefore(end) || start.isBefore(EARLIEST) || end.isAfter(LATEST)) {
      throw invalid;
    }
    Object days = json.getValue("days");
    if (days == null) {
      return new Campaign.CallingHours(start, end, DEFAULT_CALLING_HOURS.days());
    }
    if (!(days instanceof JsonArray array) || array.isEmpty()) {
      throw invalid;
    }
    Set<DayOfWeek> chosen = EnumSet.noneOf(DayOfWeek.class);
    for (Object day : array) {
      int index = Campaign.DAY_NAMES.indexOf(day);
      if (index < 0 || !chosen.add(DayOfWeek.of(index + 1))) {
        throw invalid;
      }
    }
    return new Campaign.CallingHours(start, end, chosen);
  }

  private static LocalTime time(Object value, LocalTime absent, AppError invalid) {
    if (value == null) {
      return absent;
    }
    if (!(value instanceof String s) || !HH_MM.matcher(s).matches()) {
      throw invalid;
    }
    return LocalTime.parse(s);
  }

  private static Campaign.Pacing pacing(Object value) {
    if (value == null) {
      return DEFAULT_PACING;
    }
    AppError invalid = AppError.invalid("invalid_pacing", "pacing must be {\"callsPerMinute\": 1–600, "
        + "\"maxConcurrent\": 1–100}, whole numbers.");
    if (!(value instanceof JsonObject json)
        || !Set.of("callsPerMinute", "maxConcurrent").containsAll(json.fieldNames())) {
      throw invalid;
    }
    return new Campaign.Pacing(
        integer(json.getValue("callsPerMinute"), DEFAULT_PACING.callsPerMinute(), 1, 600, invalid),
        integer(json.getValue("maxConcurrent"), DEFAULT_PACING.maxConcurrent(), 1, 100, invalid));
  }

  private static Campaign.Retry retry(Object value) {
    if (value == null) {
      return DEFAULT_RETRY;
    }
    AppError invalid = AppError.invalid("invalid_retry", "retry must be {\"maxAttempts\": 1–10, "
        + "\"busyDelayMinutes\": 1–10080, \"noAnswerDelayMinutes\": 1–10080}, whole numbers.");
    if (!(value instanceof JsonObject json)
        || !Set.of("maxAttempts", "busyDelayMinutes", "noAnswerDelayMinutes").containsAll(json.fieldNames())) {
      throw invalid;
    }
    return new Campaign.Retry(integer(json.getValue("maxAttempts"), DEFAULT_RETRY.maxAttempts(), 1, 10, invalid),
        integer(json.getValue("busyDelayMinutes"), DEFAULT_RETRY.busyDelayMinutes(), 1, 10_080, invalid),
        integer(json.getValue("noAnswerDelayMinutes"), DEFAULT_RETRY.noAnswerDelayMinutes(), 1, 10_080, invalid));
  }

  private static int integer(Object value, int absent, int min, int max, AppError invalid) {
    if (value == null) {
      return absent;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= min
        && ((Number) value).longValue() <= max) {
      return ((Number) value).intValue();
    }
    throw invalid;
  }

  private static Campaign.Voicemail voicemail(Object value) {
    if (value == null) {
      return Campaign.Voicemail.HANGUP;
    }
    if ("hangup".equals(value)) {
      return Campaign.Voicemail.HANGUP;
    }
    if ("leave_message".equals(value)) {
      return Campaign.Voicemail.LEAVE_MESSAGE;
    }
    throw AppError.invalid("invalid_voicemail", "voicemail must be \"hangup\" or \"leave_message\".");
  }

  /** Required with leave_message; kept (but unused) with hangup. */
  private static String voicemailMessage(Object value, Campaign.Voicemail voicemail) {
    AppError invalid = AppError.invalid("invalid_voicemail_message", "voicemailMessage must be a text of 1 to "
        + VOICEMAIL_MESSAGE_MAX + " characters without control characters other than line breaks"
        + (voicemail == Campaign.Voicemail.LEAVE_MESSAGE ? "; it is required with voicemail \"leave_message\"." : "."));
    if (value == null) {
      if (voicemail == Campaign.Voicemail.LEAVE_MESSAGE) {
        throw invalid;
      }
      return null;
    }
    if (!(value instanceof String s)) {
      throw invalid;
    }
    String message = s.strip();
    int length = message.codePointCount(0, message.length());
    if (length < 1 || length > VOICEMAIL_MESSAGE_MAX
        || message.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t')) {
      throw invalid;
    }
    return message;
  }

  private static Instant startAt(Object value) {
    if (value == null) {
      return null;
    }
    OffsetDateTime time = value instanceof String s ? Timestamps.parse(s) : null;
    if (time != null) {
      return time.toInstant();
    }
    throw AppError.invalid("invalid_start_at", "startAt must be null or an ISO-8601 time with an offset, such as "
        + "2024-01-15T10:00:00Z.");
  }
}
