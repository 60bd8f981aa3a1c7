package com.livechat.chat.provider;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits a Server-Sent Events byte stream (the WHATWG {@code text/event-stream} format) into the
 * {@code data} of its events. Chunks may split it anywhere, inside a line or a UTF-8 character:
 * bytes are buffered and only complete lines are decoded.
 *
 * <p>Lines end with LF, CRLF or CR; {@code data:} takes its value with or without one leading
 * space, several {@code data} lines of an event are joined with LF, comment lines ({@code :…}) and
 * the other fields ({@code event}, {@code id}, {@code retry}) are ignored. An event is dispatched
 * at a blank line, and at the end of the stream if one is pending.
 */
final class SseParser {

  /** A line or an event longer than this is not a chat completion chunk; it would only eat memory. */
  static final int MAX_EVENT_BYTES = 4 * 1024 * 1024;

  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private final Consumer<String> events;
  private byte[] line = new byte[512];
  private int lineLength;
  /** The last line ended with CR: an LF right after it belongs to the same line end. */
  private boolean afterCarriageReturn;
  private boolean firstLine = true;
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;

  /** @param events receives the data of each event, in order */
  SseParser(Consumer<String> events) {
    this.events = events;
  }

  /**
   * @throws AiProviderException (BAD_RESPONSE) when a line or an event exceeds {@link #MAX_EVENT_BYTES};
   *     whatever {@code events} throws passes through
   */
  void feed(Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    for (byte b : bytes) {
      if (afterCarriageReturn) {
        afterCarriageReturn = false;
        if (b == '\n') {
          continue;
        }
      }
      if (b == '\n') {
        endLine();
      } else if (b == '\r') {
        endLine();
        afterCarriageReturn = true;
      } else {
        append(b);
      }
    }
  }

  /** The stream ended: a last line without its line end still counts, and a pending event is dispatched. */
  void end() {
    if (lineLength > 0) {
      endLine();
    }
    dispatch();
  }

  private void append(byte b) {
    if (lineLength == line.length) {
      if (line.length >= MAX_EVENT_BYTES) {
        throw tooLong();
      }
      line = Arrays.copyOf(line, Math.min(MAX_EVENT_BYTES, line.length * 2));
    }
    line[lineLength++] = b;
  }

  private void endLine() {
    String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
    lineLength = 0;
    if (firstLine) {
      firstLine = false;
      if (!text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK) {
        text = text.substring(1);
      }
    }
    process(text);
  }

  private void process(String text) {
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    if (!field.equals("data")) {
      return;
    }
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (hasData) {
      data.append('\n');
    }
    data.append(value);
    hasData = true;
    if (data.length() > MAX_EVENT_BYTES) {
      throw tooLong();
    }
  }

  private void dispatch() {
    if (!hasData) {
      return;
    }
    String event = data.toString();
    data.setLength(0);
    hasData = false;
    events.accept(event);
  }

  private static AiProviderException tooLong() {
    return new AiProviderException(AiProviderException.Reason.BAD_RESPONSE,
        "AI provider streamed an event longer than " + MAX_EVENT_BYTES + " bytes");
  }
}
