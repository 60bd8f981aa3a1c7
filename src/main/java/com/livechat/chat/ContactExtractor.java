package com.livechat.chat;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import com.livechat.conversation.LeadFields;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contact details of a lead. Deterministic extractors read them from every visitor message
 * (an email address, a phone number normalised to E.164, "my name is …"); an LLM may add more
 * through its update_contact tool, whose arguments pass through {@link #clean} before they are
 * stored, so that whatever a model sends, contact_data only holds the known fields, sane values.
 */
public final class ContactExtractor {

  private static final Pattern EMAIL = Pattern.compile(
      "(?<![\\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
          + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,24}(?![\\w-])");
  // a run of digits with the separators people type: +1 (416) 555-0199, 416.555.0199, 020 7946 0958
  private static final Pattern PHONE = Pattern.compile("(?<![\\w+])\\+?\\d[\\d\\s().-]{5,20}\\d(?!\\w)");
  private static final Pattern NAME = Pattern.compile(
      "(?iu)\\b(?:my name is|my name's|name is|i am called|call me|this is)\\s+"
          + "(\\p{L}[\\p{L}'-]*(?:\\s+\\p{L}[\\p{L}'-]*){0,2})");
  /** Words that end a name: "my name is Ann and I …", "this is Bob from Acme". */
  private static final Set<String> NOT_NAMES = Set.of("and", "from", "at", "with", "of", "i", "im", "i'm", "my", "the",
      "a", "an", "here", "but", "so", "or", "to", "for", "in", "on", "is", "not", "just", "interested", "looking",
      "calling", "writing", "about", "regarding", "speaking", "again");

  private final PhoneNumberUtil phones = PhoneNumberUtil.getInstance();
  private final String defaultRegion;

  /** @param defaultRegion ISO 3166 region of numbers typed without a country code, e.g. "US" */
  public ContactExtractor(String defaultRegion) {
    this.defaultRegion = defaultRegion == null ? "US" : defaultRegion.toUpperCase(Locale.ROOT);
    if (!phones.getSupportedRegions().contains(this.defaultRegion)) {
      throw new IllegalArgumentException("unknown phone region: " + defaultRegion);
    }
  }

  /**
   * Loads the phone-number metadata of every region now. libphonenumber reads a region's metadata
   * from the jar the first time a number of that region is parsed: done lazily, that read would
   * block an event loop. Call it once at start-up, from a plain thread.
   */
  public static void preloadPhoneMetadata() {
    PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    for (String region : util.getSupportedRegions()) {
      util.getExampleNumber(region);
    }
    for (int code : util.getSupportedGlobalNetworkCallingCodes()) {
      util.getExampleNumberForNonGeoEntity(code);
    }
  }

  /** What a visitor's message says about them; an empty object when nothing. */
  public JsonObject fromMessage(String text) {
    JsonObject found = new JsonObject();
    Matcher email = EMAIL.matcher(text);
    if (email.find()) {
      found.put("email", email.group().toLowerCase(Locale.ROOT));
    }
    Matcher phone = PHONE.matcher(text);
    while (phone.find()) {
      String e164 = e164(phone.group());
      if (e164 != null) {
        found.put("phone", e164);
        break;
      }
    }
    Matcher name = NAME.matcher(text);
    if (name.find()) {
      String clean = name(name.group(1));
      if (clean != null) {
        found.put("name", clean);
      }
    }
    return found;
  }

  /** The message with the contact details it gives blanked out: what is left of it to answer. */
  public static String withoutContactDetails(String text) {
    String rest = EMAIL.matcher(text).replaceAll(" ");
    rest = PHONE.matcher(rest).replaceAll(" ");
    return NAME.matcher(rest).replaceAll(" ");
  }

  /**
   * Keeps the known fields of what a model sent, as trimmed strings; an email must look like one and
   * a phone must be a valid number (stored as E.164); anything else is dropped.
   */
  public JsonObject clean(JsonObject sent) {
    JsonObject out = new JsonObject();
    if (sent == null) {
      return out;
    }
    for (String field : LeadFields.ALL) {
      if (!(sent.getValue(field) instanceof String raw) || raw.isBlank()) {
        continue;
      }
      String value = raw.strip();
      switch (field) {
        case "email" -> {
          Matcher m = EMAIL.matcher(value);
          if (m.matches()) {
            out.put(field, value.toLowerCase(Locale.ROOT));
          }
        }
        case "phone" -> {
          String e164 = e164(value);
          if (e164 != null) {
            out.put(field, e164);
          }
        }
        default -> {
          String oneLine = value.replaceAll("\\s+", " ");
          int max = LeadFields.MAX_STORED_CHARS;
          out.put(field, oneLine.length() > max ? oneLine.substring(0, max) : oneLine);
        }
      }
    }
    return out;
  }

  /** The number in E.164 (+14165550199), or null when it is not a valid phone number. */
  String e164(String text) {
    String digits = text.replaceAll("[^0-9]", "");
    if (digits.length() < 7 || digits.length() > 15) {
      return null;
    }
    try {
      Phonenumber.PhoneNumber number = phones.parse(text, defaultRegion);
      return phones.isValidNumber(number) ? phones.format(number, PhoneNumberUtil.PhoneNumberFormat.E164) : null;
    } catch (NumberParseException e) {
      return null;
    }
  }

  private static String name(String words) {
    StringBuilder out = new StringBuilder();
    for (String word : words.trim().split("\\s+")) {
      if (NOT_NAMES.contains(word.toLowerCase(Locale.ROOT))) {
        break;
      }
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
    }
    return out.length() == 0 ? null : out.toString();
  }
}
