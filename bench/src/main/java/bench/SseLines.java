package bench;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * Splits a text/event-stream into events (event name, joined data) at blank lines; chunks may
 * split it anywhere (bytes are kept until their line is complete). Read by the generators that
 * stream (StreamGen, VoiceGen), from the server and straight from the fake provider.
 */
final class SseLines {

  interface Sink {
    void event(String name, String data);
  }

  /** The data of the last event of a streamed Chat Completions response. */
  static final String DONE = "[DONE]";
  private static final String CONTENT = "\"content\":\"";

  private final Sink sink;
  private Buffer pending = Buffer.buffer();
  private String name;
  private StringBuilder data;

  SseLines(Sink sink) {
    this.sink = sink;
  }

  /**
   * The text of a streamed Chat Completions chunk (an event's data): its non-empty {@code
   * delta.content}, else null. A plain scan, not a JSON parse, so that the generator costs little
   * per token: the fake provider's tokens hold no quote or escape.
   */
  static String content(String data) {
    int at = data.indexOf(CONTENT);
    if (at < 0) {
      return null;
    }
    String content = data.substring(at + CONTENT.length(), data.indexOf('"', at + CONTENT.length()));
    return content.isEmpty() ? null : content;
  }

  /** Feeds {@code resp}'s body to this parser; a transport failure or a chunk it cannot parse fails {@code outcome}. */
  void feed(HttpClientResponse resp, Promise<?> outcome) {
    resp.exceptionHandler(outcome::tryFail);
    resp.handler(chunk -> {
      try {
        feed(chunk);
      } catch (RuntimeException e) {
        outcome.tryFail(e);
      }
    });
  }

  void feed(Buffer chunk) {
    Buffer buf = pending.length() == 0 ? chunk : pending.appendBuffer(chunk);
    int from = 0;
    int n = buf.length();
    for (int i = 0; i < n; i++) {
      if (buf.getByte(i) == '\n') {
        int to = i > from && buf.getByte(i - 1) == '\r' ? i - 1 : i;
        line(buf.getString(from, to));
        from = i + 1;
      }
    }
    pending = from == n ? Buffer.buffer() : buf.getBuffer(from, n);
  }

  private void line(String line) {
    if (line.isEmpty()) {
      if (data != null) {
        sink.event(name == null ? "message" : name, data.toString());
      }
      name = null;
      data = null;
      return;
    }
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(line.startsWith(": ", colon) ? colon + 2 : colon + 1);
    if (field.equals("event")) {
      name = value;
    } else if (field.equals("data")) {
      if (data == null) {
        data = new StringBuilder(value);
      } else {
        data.append('\n').append(value);
      }
    }
  }
}
