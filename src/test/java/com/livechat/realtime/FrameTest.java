package com.livechat.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The pre-encoded frame is exactly what a WebSocket client decodes, at every length encoding. */
class FrameTest {

  /** Decodes the bytes as a client does (server frames arrive unmasked). */
  private static String decode(byte[] wire) {
    EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(
        WebSocketDecoderConfig.newBuilder().expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
    client.writeInbound(Unpooled.wrappedBuffer(wire));
    TextWebSocketFrame frame = client.readInbound();
    assertThat(frame).as("one whole text frame").isNotNull();
    assertThat(frame.isFinalFragment()).isTrue();
    assertThat(frame.rsv()).isZero();
    String text = frame.text();
    frame.release();
    assertThat((Object) client.readInbound()).as("nothing after the frame").isNull();
    return text;
  }

  @Test
  void everyLengthEncodingDecodesToTheSameText() {
    for (int length : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 200_000}) {
      String text = "x".repeat(length);
      Frame frame = Frame.of(text);
      int header = length < 126 ? 2 : length <= 65_535 ? 4 : 10;
      assertThat(frame.wire()).as("length %d", length).hasSize(header + length);
      assertThat(decode(frame.wire())).as("length %d", length).isEqualTo(text);
    }
  }

  @Test
  void theLengthCountsUtf8BytesNotCharacters() {
    String text = "{\"content\":\"Grüße, 你好 👋\"}";
    Frame frame = Frame.of(text);
    assertThat(frame.wire().length - 2).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    assertThat(decode(frame.wire())).isEqualTo(text);
    assertThat(frame.text()).isEqualTo(text);
  }

  @Test
  void theSameBytesServeManySockets() {
    Frame frame = Frame.of("{\"type\":\"message:new\"}");
    ByteBuf a = Unpooled.wrappedBuffer(frame.wire());
    ByteBuf b = Unpooled.wrappedBuffer(frame.wire());
    a.readByte();
    a.release();
    assertThat(b.readableBytes()).isEqualTo(frame.wire().length);
    assertThat(decode(frame.wire())).isEqualTo("{\"type\":\"message:new\"}");
  }
}
