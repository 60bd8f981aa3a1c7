package com.livechat.chat.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The event-stream framing, byte by byte: however the chunks split it, the same events come out. */
class SseParserTest {

  /** Every kind of line the format has, with each line end, a comment, other fields and non-ASCII text. */
  private static final String SAMPLE = ": keep-alive comment\n"
      + "event: completion\n"
      + "id: 7\n"
      + "retry: 3000\n"
      + "data: {\"a\":1}\n"
      + "\n"
      + "data:no space\n\n"
      + "data:  two spaces\n\n"
      + "data: first\n"
      + "data: second\n"
      + "data\n"
      + "\n"
      + "data: crlf\r\n\r\n"
      + "data: cr only\r\r"
      + "data: mixed\r\n: comment\ndata: ends\r\r\n"
      + "\n\n\n"
      + "data: héllo 😀 日本語\n\n"
      + "data:\n\n"
      + "data: [DONE]\n\n"
      + "data: pending at the end";

  private static final List<String> EVENTS = List.of(
      "{\"a\":1}",
      "no space",
      " two spaces",
      "first\nsecond\n",
      "crlf",
      "cr only",
      "mixed\nends",
      "héllo 😀 日本語",
      "",
      "[DONE]",
      "pending at the end");

  @Test
  void theSampleInOneChunk() {
    assertThat(parse(bytes(SAMPLE))).isEqualTo(EVENTS);
  }

  @Test
  void theSampleSplitInTwoAtEveryBytePosition() {
    byte[] all = bytes(SAMPLE);
    for (int at = 0; at <= all.length; at++) {
      assertThat(parse(Arrays.copyOfRange(all, 0, at), Arrays.copyOfRange(all, at, all.length)))
          .as("split at byte %d", at).isEqualTo(EVENTS);
    }
  }

  @Test
  void theSampleOneByteAtATime() {
    byte[] all = bytes(SAMPLE);
    byte[][] chunks = new byte[all.length][];
    for (int i = 0; i < all.length; i++) {
      chunks[i] = new byte[] {all[i]};
    }
    assertThat(parse(chunks)).isEqualTo(EVENTS);
  }

  @Test
  void theSampleInThreeChunksAtManyPositions() {
    byte[] all = bytes(SAMPLE);
    for (int a = 0; a <= all.length; a += 3) {
      for (int b = a; b <= all.length; b += 7) {
        assertThat(parse(Arrays.copyOfRange(all, 0, a), Arrays.copyOfRange(all, a, b),
            Arrays.copyOfRange(all, b, all.length))).as("split at %d and %d", a, b).isEqualTo(EVENTS);
      }
    }
  }

  @Test
  void aMultiByteCharacterSplitAcrossChunksIsDecodedWhole() {
    byte[] emoji = bytes("😀");
    assertThat(emoji).hasSize(4);
    byte[] start = bytes("data: a");
    byte[] end = bytes("b\n\n");

    List<String> events = parse(concat(start, Arrays.copyOfRange(emoji, 0, 1)), Arrays.copyOfRange(emoji, 1, 3),
        concat(Arrays.copyOfRange(emoji, 3, 4), end));

    assertThat(events).containsExactly("a😀b");
  }

  @Test
  void crAtTheEndOfAChunkAndLfAtTheStartOfTheNextAreOneLineEnd() {
    assertThat(parse(bytes("data: x\r"), bytes("\ndata: y\r"), bytes("\n\r"), bytes("\n")))
        .containsExactly("x\ny");
  }

  @Test
  void anEventIsOnlyDispatchedAtABlankLineOrTheEnd() {
    List<String> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);

    parser.feed(Buffer.buffer("data: one\n"));
    assertThat(events).isEmpty();
    parser.feed(Buffer.buffer("\n"));
    assertThat(events).containsExactly("one");
    parser.feed(Buffer.buffer("data: two\n"));
    parser.end();
    assertThat(events).containsExactly("one", "two");
  }

  @Test
  void commentsBlankLinesAndOtherFieldsAloneDispatchNothing() {
    assertThat(parse(bytes(": ping\n\n\r\n\revent: x\nid: 1\nretry: 5\n\n:\n\n"))).isEmpty();
  }

  @Test
  void aByteOrderMarkAtTheStartIsIgnored() {
    assertThat(parse(concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes("data: x\n\n"))))
        .containsExactly("x");
  }

  @Test
  void aLineWithoutEndOverTheLimitFails() {
    SseParser parser = new SseParser(event -> { });
    Buffer huge = Buffer.buffer(new byte[SseParser.MAX_EVENT_BYTES + 1]);

    assertThatThrownBy(() -> parser.feed(huge))
        .isInstanceOfSatisfying(AiProviderException.class,
            e -> assertThat(e.reason()).isEqualTo(AiProviderException.Reason.BAD_RESPONSE));
  }

  private static List<String> parse(byte[]... chunks) {
    List<String> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);
    for (byte[] chunk : chunks) {
      parser.feed(Buffer.buffer(chunk));
    }
    parser.end();
    return events;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
