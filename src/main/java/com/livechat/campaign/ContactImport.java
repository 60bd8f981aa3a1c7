package com.livechat.campaign;

import com.livechat.chat.ContactExtractor;
import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * The contacts of one POST /api/campaigns/:id/contacts, read from a JSON body ({@code {"contacts":
 * [...]}}) or a CSV one (a header row; {@code phone} required, {@code name} and {@code timezone}
 * known, every other column a variable), and checked row by row: a bad row is rejected on its own
 * (its number and why), a phone repeated within the request is dropped. What can only be known
 * from the database (phones already in the campaign, the do-not-call list, the campaign's size)
 * is left to {@link CampaignStore#addContacts}. CPU work on up to 5 MB: run it off the event loop.
 */
final class ContactImport {

  static final int MAX_ROWS = 10_000;
  static final int MAX_VARIABLES = 20;
  static final int VALUE_MAX = 500;
  static final int NAME_MAX = 100;
  /** The rejections listed in a response; rejectedCount has them all. */
  static final int LISTED_REJECTIONS_MAX = 1000;
  static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,39}");
  private static final int PHONE_TEXT_MAX = 64;
  private static final Set<String> CONTACT_FIELDS = Set.of("phone", "name", "timezone", "variables");
  private static final Set<String> KNOWN_COLUMNS = Set.of("phone", "name", "timezone");
  private static final CSVFormat CSV = CSVFormat.RFC4180.builder()
      .setHeader()
      .setSkipHeaderRecord(true)
      .setIgnoreEmptyLines(true)
      .setAllowMissingColumnNames(false)
      .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW)
      .get();

  /** A valid row: its phone in E.164; name and timezone null when absent (the campaign's zone applies). */
  record Contact(int row, String phone, String name, String timezone, JsonObject variables) {}

  record Rejection(int row, String code, String message) {
    JsonObject toJson() {
      return new JsonObject().put("row", row).put("code", code).put("message", message);
    }
  }

  /**
   * @param contacts the valid rows, in order, no phone twice
   * @param rejected the first {@link #LISTED_REJECTIONS_MAX} rejections
   * @param rejectedCount every rejection
   * @param duplicates valid rows dropped because an earlier row of the request has their phone
   */
  record Parsed(List<Contact> contacts, List<Rejection> rejected, int rejectedCount, int duplicates) {}

  private final ContactExtractor phones;

  /** @param phones normalises phones to E.164 (numbers without a country code: its default region) */
  ContactImport(ContactExtractor phones) {
    this.phones = phones;
  }

  /** {"contacts": [{"phone", "name", "timezone", "variables": {...}}]}; rows are numbered from 1. */
  Parsed json(Buffer body) {
    JsonObject json = Bodies.object(body);
    Bodies.onlyFields(json, List.of("contacts"));
    if (!(json.getValue("contacts") instanceof JsonArray contacts)) {
      throw AppError.invalid("invalid_contacts", "contacts is required: an array of {\"phone\", \"name\", "
          + "\"timezone\", \"variables\"}.");
    }
    if (contacts.size() > MAX_ROWS) {
      throw tooMany();
    }
    Rows rows = new Rows();
    for (int i = 0; i < contacts.size(); i++) {
      rows.add(i + 1, contacts.getValue(i));
    }
    return rows.parsed();
  }

  /**
   * UTF-8 CSV, with or without a byte-order mark, CRLF or LF line ends, RFC 4180 quoting (fields
   * with commas, quotes or line breaks inside double quotes, a quote doubled). Read as a stream
   * from the request's buffer. Rows are numbered from 1 = the first data row; blank lines are
   * skipped and not numbered.
   */
  Parsed csv(Buffer body) {
    ByteBuf bytes = body == null ? Unpooled.EMPTY_BUFFER : body instanceof BufferInternal internal
        ? internal.getByteBuf() : Unpooled.wrappedBuffer(body.getBytes());
    int at = bytes.readerIndex();
    if (bytes.readableBytes() >= 3 && bytes.getByte(at) == (byte) 0xEF && bytes.getByte(at + 1) == (byte) 0xBB
        && bytes.getByte(at + 2) == (byte) 0xBF) {
      bytes.skipBytes(3);
    }
    // a decoder of its own reports malformed input (a reader made with the charset would replace it)
    Reader reader = new InputStreamReader(new ByteBufInputStream(bytes), StandardCharsets.UTF_8.newDecoder());
    int row = 0;
    try (CSVParser parser = CSV.parse(reader)) {
      Columns columns = Columns.of(parser.getHeaderNames());
      Rows rows = new Rows();
      for (CSVRecord record : parser) {
        row++;
        if (row > MAX_ROWS) {
          throw tooMany();
        }
        rows.add(row, columns.contact(record));
      }
      return rows.parsed();
    } catch (UncheckedIOException e) {
      throw malformed(e.getCause(), row + 1);
    } catch (IOException e) {
      throw malformed(e, row + 1);
    } catch (IllegalArgumentException e) {
      // the header: a column without a name, or two with the same name
      throw AppError.invalid("invalid_csv", "The CSV header is invalid: " + e.getMessage());
    }
  }

  private static AppError malformed(IOException e, int row) {
    if (e instanceof CharacterCodingException) {
      return AppError.invalid("invalid_csv", "The CSV is not valid UTF-8.");
    }
    return AppError.invalid("invalid_csv", "The CSV is malformed at data row " + row + ": " + e.getMessage());
  }

  private static AppError tooMany() {
    return AppError.of(AppError.Kind.TOO_LARGE, "too_many_contacts",
        "At most " + MAX_ROWS + " contacts can be sent in one request; nothing was stored.");
  }

  /** The CSV header: which column is phone, name and timezone, and the variables of the others. */
  private record Columns(int phone, int name, int timezone, Map<Integer, String> variables) {

    static Columns of(List<String> header) {
      int phone = -1;
      int name = -1;
      int timezone = -1;
      Map<Integer, String> variables = new LinkedHashMap<>();
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < header.size(); i++) {
        String column = header.get(i).strip();
        String known = column.toLowerCase(Locale.ROOT);
        if (KNOWN_COLUMNS.contains(known)) {
          if (!seen.add(known)) {
            throw AppError.invalid("invalid_csv", "The CSV header has the column " + known + " twice.");
          }
          switch (known) {
            case "phone" -> phone = i;
            case "name" -> name = i;
            default -> timezone = i;
          }
        } else {
          if (!VARIABLE_NAME.matcher(column).matches()) {
            throw AppError.invalid("invalid_variable", "The CSV column \"" + shorten(column) + "\" is not a valid "
                + "variable name: a letter or _, then up to 39 letters, digits or _.");
          }
          variables.put(i, column);
        }
      }
      if (phone < 0) {
        throw AppError.invalid("missing_phone_column", "The CSV header must have a phone column (name, timezone "
            + "and variables are optional).");
      }
      if (variables.size() > MAX_VARIABLES) {
        throw AppError.invalid("invalid_variable", "The CSV has " + variables.size() + " variable columns; at most "
            + MAX_VARIABLES + " are allowed.");
      }
      return new Columns(phone, name, timezone, variables);
    }

    /** The row as a JSON contact, to be checked like one; a row with more fields than the header is refused. */
    Object contact(CSVRecord record) {
      int columns = 1 + (name >= 0 ? 1 : 0) + (timezone >= 0 ? 1 : 0) + variables.size();
      if (record.size() > columns) {
        return new Rejection(0, "invalid_row", "The row has " + record.size() + " fields; the header has " + columns
            + ".");
      }
      JsonObject contact = new JsonObject().put("phone", cell(record, phone));
      if (name >= 0 && !cell(record, name).isBlank()) {
        contact.put("name", cell(record, name));
      }
      if (timezone >= 0 && !cell(record, timezone).isBlank()) {
        contact.put("timezone", cell(record, timezone).strip());
      }
      JsonObject values = new JsonObject();
      variables.forEach((index, variable) -> values.put(variable, cell(record, index)));
      return contact.put("variables", values);
    }

    /** A short row leaves its last columns empty. */
    private static String cell(CSVRecord record, int index) {
      return index < record.size() ? record.get(index) : "";
    }
  }

  /** The rows read so far: the valid ones, the rejections, the phones seen. */
  private final class Rows {

    private final List<Contact> contacts = new ArrayList<>();
    private final List<Rejection> rejected = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private int rejectedCount;
    private int duplicates;

    void add(int row, Object item) {
      if (item instanceof Rejection r) {
        reject(new Rejection(row, r.code(), r.message()));
        return;
      }
      Object checked = check(row, item);
      if (checked instanceof Rejection r) {
        reject(r);
      } else if (!seen.add(((Contact) checked).phone())) {
        duplicates++;
      } else {
        contacts.add((Contact) checked);
      }
    }

    private void reject(Rejection r) {
      rejectedCount++;
      if (rejected.size() < LISTED_REJECTIONS_MAX) {
        rejected.add(r);
      }
    }

    Parsed parsed() {
      return new Parsed(contacts, rejected, rejectedCount, duplicates);
    }
  }

  /** A {@link Contact}, or the {@link Rejection} of the first rule the item breaks. */
  private Object check(int row, Object item) {
    if (!(item instanceof JsonObject json)) {
      return new Rejection(row, "invalid_contact", "A contact must be an object {\"phone\", \"name\", \"timezone\", "
          + "\"variables\"}.");
    }
    for (String field : json.fieldNames()) {
      if (!CONTACT_FIELDS.contains(field)) {
        return new Rejection(row, "invalid_contact", "Unknown field " + shorten(field) + "; allowed: phone, name, "
            + "timezone, variables.");
      }
    }
    String phone = json.getValue("phone") instanceof String raw && raw.length() <= PHONE_TEXT_MAX
        ? phones.clean(new JsonObject().put("phone", raw)).getString("phone") : null;
    if (phone == null) {
      return new Rejection(row, "invalid_phone", json.getValue("phone") == null ? "phone is required."
          : "phone is not a valid phone number.");
    }
    String name = null;
    Object rawName = json.getValue("name");
    if (rawName != null) {
      String stripped = rawName instanceof String s ? s.strip() : null;
      if (stripped == null || stripped.codePointCount(0, stripped.length()) > NAME_MAX
          || stripped.chars().anyMatch(Character::isISOControl)) {
        return new Rejection(row, "invalid_name", "name must be a text of at most " + NAME_MAX + " characters "
            + "without control characters.");
      }
      name = stripped.isEmpty() ? null : stripped;
    }
    String timezone = null;
    Object rawZone = json.getValue("timezone");
    if (rawZone != null && !"".equals(rawZone)) {
      if (CampaignInput.zone(rawZone) == null) {
        return new Rejection(row, "invalid_timezone", "timezone must be an IANA zone such as America/Toronto.");
      }
      timezone = (String) rawZone;
    }
    Object variables = variables(json.getValue("variables"));
    if (variables instanceof String problem) {
      return new Rejection(row, "invalid_variable", problem);
    }
    return new Contact(row, phone, name, timezone, (JsonObject) variables);
  }

  /** The variables as strings (numbers and booleans written out, nulls left out), or what is wrong with them. */
  private static Object variables(Object value) {
    JsonObject out = new JsonObject();
    if (value == null) {
      return out;
    }
    if (!(value instanceof JsonObject json)) {
      return "variables must be an object of names to texts.";
    }
    if (json.size() > MAX_VARIABLES) {
      return "At most " + MAX_VARIABLES + " variables are allowed.";
    }
    for (Map.Entry<String, Object> entry : json) {
      String variable = entry.getKey();
      if (!VARIABLE_NAME.matcher(variable).matches()) {
        return "\"" + shorten(variable) + "\" is not a valid variable name: a letter or _, then up to 39 letters, "
            + "digits or _.";
      }
      Object v = entry.getValue();
      if (v == null) {
        continue;
      }
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        return "The value of " + variable + " must be a text, a number or a boolean.";
      }
      String text = String.valueOf(v);
      if (text.codePointCount(0, text.length()) > VALUE_MAX || text.indexOf('\u0000') >= 0) {
        return "The value of " + variable + " must be at most " + VALUE_MAX + " characters, without NUL.";
      }
      out.put(variable, text);
    }
    return out;
  }

  private static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
