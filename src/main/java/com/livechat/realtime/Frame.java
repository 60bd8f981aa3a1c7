package com.livechat.realtime;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import java.nio.charset.StandardCharsets;

/**
 * One text message for many sockets, encoded once: its text and its complete WebSocket frame as
 * the server sends it (FIN, opcode text, unmasked length, UTF-8 payload). Server frames are
 * never masked, so the same bytes are right for every socket; writing them straight to each
 * socket's channel skips, per socket and per event, the UTF-8 encoding, the frame object and
 * its promise, and the frame encoder. A message sent uncompressed is valid whether or not the
 * client negotiated permessage-deflate (RFC 7692: RSV1 clear).
 */
record Frame(String text, byte[] wire) {

  static Frame of(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    int n = payload.length;
    int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    byte[] wire = new byte[header + n];
    wire[0] = (byte) 0x81;
    if (n < 126) {
      wire[1] = (byte) n;
    } else if (n <= 0xFFFF) {
      wire[1] = 126;
      wire[2] = (byte) (n >>> 8);
      wire[3] = (byte) n;
    } else {
      wire[1] = 127;
      long len = n;
      for (int i = 0; i < 8; i++) {
        wire[2 + i] = (byte) (len >>> (56 - 8 * i));
      }
    }
    System.arraycopy(payload, 0, wire, header, n);
    return new Frame(text, wire);
  }

  /**
   * Where a socket's frames go: its channel when the socket is Vert.x's own (accepted in front of
   * the router), else the socket's ordinary text-message write. Used only on the socket's loop.
   * The write queue limit is the channel's (ServerWebSocket.setWriteQueueMaxSize sets its water
   * marks), and so is the signal that it drained.
   */
  interface Sink {
    void write(Frame frame);

    /** True while the socket's unsent bytes are over its write queue limit. */
    boolean full();

    /** Runs {@code then} once everything written so far has gone out. */
    void whenDrained(Runnable then);

    static Sink of(ServerWebSocket ws) {
      if (ws instanceof WebSocketInternal internal) {
        ChannelHandlerContext handler = internal.channelHandlerContext();
        // written from the idle handler's place: the bytes need no encoder after it, and the idle
        // handler would wrap each write in a promise and a listener; the socket's own ping and
        // idle close (TenantSocketHandler) look after a silent peer
        ChannelHandlerContext idle = handler.pipeline().context(IdleStateHandler.class);
        return new ChannelSink(idle != null ? idle : handler);
      }
      return new Sink() {
        @Override
        public void write(Frame frame) {
          ws.writeTextMessage(frame.text());
        }

        @Override
        public boolean full() {
          return ws.writeQueueFull();
        }

        @Override
        public void whenDrained(Runnable then) {
          ws.drainHandler(v -> {
            ws.drainHandler(null);
            then.run();
          });
        }
      };
    }
  }

  /** Frames written to the socket's channel from {@code channel}'s place in its pipeline, toward the wire. */
  record ChannelSink(ChannelHandlerContext channel) implements Sink {
    @Override
    public void write(Frame frame) {
      channel.writeAndFlush(Unpooled.wrappedBuffer(frame.wire()), channel.voidPromise());
    }

    @Override
    public boolean full() {
      return !channel.channel().isWritable();
    }

    @Override
    public void whenDrained(Runnable then) {
      // an empty write completes once every write before it has been handed to the socket
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> then.run());
    }
  }
}
