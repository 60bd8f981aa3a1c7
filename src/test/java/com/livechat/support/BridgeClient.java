package com.livechat.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A worker's side of the TCP event-bus bridge, written from the framing alone (a 4-byte big-endian
 * length, then JSON), with no Vert.x client: what a worker in another language does. Frames it
 * gets go to a queue, or to a handler when one is set.
 */
public final class BridgeClient implements AutoCloseable {

  private final Socket socket;
  private final DataOutputStream out;
  private final String key;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final java.util.Queue<JsonObject> held = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile Consumer<JsonObject> handler;
  private volatile boolean closedByPeer;
  private final Thread reader;

  /** @param key sent as the bearer key on every frame; null: none */
  public BridgeClient(int port, String key) {
    this(plain(port), key);
  }

  /** Over TLS, trusting whatever certificate the server shows (a test's self-signed one). */
  public static BridgeClient tls(int port, String key) {
    try {
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
          return new java.security.cert.X509Certificate[0];
        }
      }}, null);
      javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
          .createSocket("127.0.0.1", port);
      socket.startHandshake();
      return new BridgeClient(socket, key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Socket plain(int port) {
    try {
      return new Socket("127.0.0.1", port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private BridgeClient(Socket socket, String key) {
    try {
      this.socket = socket;
      this.socket.setTcpNoDelay(true);
      this.out = new DataOutputStream(socket.getOutputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.key = key;
    this.reader = new Thread(this::read, "bridge-client");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
      while (true) {
        int length = in.readInt();
        byte[] json = new byte[length];
        in.readFully(json);
        JsonObject frame = new JsonObject(new String(json, StandardCharsets.UTF_8));
        Consumer<JsonObject> h = handler;
        if (h != null && "message".equals(frame.getString("type"))) {
          h.accept(frame);
        } else {
          frames.add(frame);
        }
      }
    } catch (IOException e) {
      closedByPeer = true;
    }
  }

  /** Messages go to {@code handler} from now on (other frames, err and pong, still to the queue). */
  public BridgeClient onMessage(Consumer<JsonObject> handler) {
    this.handler = handler;
    return this;
  }

  /** Sends the frame with the key in its headers (unless the client has none). */
  public synchronized void send(JsonObject frame) {
    JsonObject copy = frame.copy();
    if (key != null) {
      JsonObject headers = copy.getJsonObject("headers", new JsonObject());
      copy.put("headers", headers.put("authorization", "Bearer " + key));
    }
    raw(copy);
  }

  /** Sends the frame as it is. */
  public synchronized void raw(JsonObject frame) {
    byte[] json = frame.encode().getBytes(StandardCharsets.UTF_8);
    try {
      out.writeInt(json.length);
      out.write(json);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void register(String address) {
    send(new JsonObject().put("type", "register").put("address", address));
  }

  /** The next frame not taken by a handler, or null after {@code millis}. */
  public JsonObject next(long millis) {
    if (!held.isEmpty()) {
      return held.poll();
    }
    try {
      return frames.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A ping answered: everything sent before it has been acted on. */
  public void sync() {
    send(new JsonObject().put("type", "ping"));
    java.util.List<JsonObject> before = new java.util.ArrayList<>();
    while (true) {
      JsonObject frame;
      try {
        frame = frames.poll(5_000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (frame == null) {
        throw new IllegalStateException("no pong; got " + before);
      }
      if ("pong".equals(frame.getString("type"))) {
        // the frames that came first are read first
        held.addAll(before);
        return;
      }
      before.add(frame);
    }
  }

  /** Whether the server closed the connection (waits up to {@code millis}). */
  public boolean closedByServer(long millis) throws InterruptedException {
    reader.join(millis);
    return closedByPeer;
  }

  /** Answers a request with a body (a reply frame). */
  public void reply(JsonObject request, JsonObject body, JsonObject headers) {
    JsonObject frame = new JsonObject().put("type", "send").put("address", request.getString("replyAddress"))
        .put("body", body);
    if (headers != null) {
      frame.put("headers", headers.copy());
    }
    send(frame);
  }

  /**
   * Serves {@code address} as a bus provider: answers "<model> heard: <the last user message>",
   * a word a chunk (to the request's stream-to, then the last chunk as the reply) when the request
   * asks for a stream, whole otherwise. Returns once the registration is in place.
   */
  public BridgeClient serveEcho(String address, String model) {
    onMessage(frame -> {
      if (!address.equals(frame.getString("address"))) {
        return;
      }
      JsonObject request = frame.getJsonObject("body");
      String text = model + " heard: " + lastUserMessage(request);
      JsonObject usage = new JsonObject().put("prompt_tokens", 10).put("completion_tokens", 5).put("total_tokens", 15);
      if (request.getBoolean("stream", false)) {
        JsonObject headers = frame.getJsonObject("headers");
        String[] words = text.split("(?<= )");
        for (int i = 0; i < words.length; i++) {
          send(new JsonObject().put("type", "send").put("address", headers.getString("stream-to"))
              .put("headers", new JsonObject().put("stream-id", headers.getString("stream-id"))
                  .put("stream-seq", Integer.toString(i)))
              .put("body", new JsonObject().put("object", "chat.completion.chunk").put("model", model)
                  .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
                      .put("delta", new JsonObject().put("content", words[i]))))));
        }
        reply(frame, new JsonObject().put("object", "chat.completion.chunk").put("model", model)
            .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", new JsonObject())
                .put("finish_reason", "stop"))).put("usage", usage),
            new JsonObject().put("stream-chunks", Integer.toString(words.length)));
      } else {
        reply(frame, new JsonObject().put("object", "chat.completion").put("model", model)
            .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
                .put("message", new JsonObject().put("role", "assistant").put("content", text))))
            .put("usage", usage), null);
      }
    });
    register(address);
    sync();
    return this;
  }

  private static String lastUserMessage(JsonObject request) {
    JsonArray messages = request.getJsonArray("messages");
    for (int i = messages.size() - 1; i >= 0; i--) {
      if ("user".equals(messages.getJsonObject(i).getString("role"))) {
        return messages.getJsonObject(i).getString("content");
      }
    }
    return "";
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
