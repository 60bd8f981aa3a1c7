package com.livechat.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A dashboard or visitor socket for tests: connects with the Vert.x WebSocket client, queues what it
 * receives. Ephemeral frames (typing, message:delta: no id, never replayed) go to {@link #ephemeral},
 * everything else to {@link #received}, so that a test of the durable stream counts only that.
 */
public final class WsClient implements AutoCloseable {

  private static final Vertx VERTX = Vertx.vertx();

  public final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  public final BlockingQueue<JsonObject> ephemeral = new LinkedBlockingQueue<>();
  public final CompletableFuture<Short> closeCode = new CompletableFuture<>();
  public volatile String closeReason;
  private final WebSocketClient client;
  private final WebSocket ws;

  private WsClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      String type = frame.getString("type");
      (("typing".equals(type) || "message:delta".equals(type)) ? ephemeral : received).add(frame);
    });
    ws.closeHandler(v -> {
      closeReason = ws.closeReason();
      closeCode.complete(ws.closeStatusCode());
    });
  }

  public static WsClient connect(int port) {
    return connect(port, new WebSocketClientOptions());
  }

  public static WsClient connect(int port, WebSocketClientOptions options) {
    return connect(port, options, "/api/ws/tenant");
  }

  public static WsClient connect(int port, WebSocketClientOptions options, String uri) {
    return connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri), options);
  }

  /** Connects with these options (headers such as Origin included); fails when the upgrade is refused. */
  public static WsClient connect(WebSocketConnectOptions connect, WebSocketClientOptions options) {
    WebSocketClient client = VERTX.createWebSocketClient(options);
    WebSocket ws = client.connect(connect).await();
    return new WsClient(client, ws);
  }

  /** Connects and authenticates; fails unless auth:ok arrives. */
  public static WsClient authenticated(int port, String jwt, String lastEventId) {
    return authenticated(port, jwt, lastEventId, new WebSocketClientOptions());
  }

  public static WsClient authenticated(int port, String jwt, String lastEventId, WebSocketClientOptions options) {
    WsClient c = connect(port, options);
    c.send(new JsonObject().put("type", "auth").put("token", jwt).put("lastEventId", lastEventId));
    JsonObject ok = c.next(10);
    if (ok == null || !"auth:ok".equals(ok.getString("type"))) {
      throw new IllegalStateException("no auth:ok, got " + ok + " close " + c.closeReason);
    }
    return c;
  }

  /** A visitor socket (/ws/chat), connected and authenticated; fails unless auth:ok arrives. */
  public static WsClient visitor(int port, String widgetId, String widgetToken, String sessionId, String lastEventId) {
    WsClient c = connect(port, new WebSocketClientOptions(), "/ws/chat");
    c.send(new JsonObject().put("type", "auth").put("widgetId", widgetId).put("token", widgetToken)
        .put("sessionId", sessionId).put("lastEventId", lastEventId));
    JsonObject ok = c.next(10);
    if (ok == null || !"auth:ok".equals(ok.getString("type"))) {
      throw new IllegalStateException("no auth:ok, got " + ok + " close " + c.closeReason);
    }
    return c;
  }

  /** The next ephemeral frame, or null after {@code seconds}. */
  public JsonObject nextEphemeral(int seconds) {
    try {
      return ephemeral.poll(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  public void send(JsonObject message) {
    ws.writeTextMessage(message.encode()).await();
  }

  public void sendText(String text) {
    ws.writeTextMessage(text).await();
  }

  public JsonObject next(int seconds) {
    try {
      return received.poll(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The next message that matches, skipping others; fails when none came within {@code millis}. */
  public JsonObject next(java.util.function.Predicate<JsonObject> wanted, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    List<JsonObject> skipped = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonObject m;
      try {
        m = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        m = null;
      }
      if (m == null) {
        throw new AssertionError("no matching message within " + millis + " ms; skipped: " + skipped);
      }
      if (wanted.test(m)) {
        return m;
      }
      skipped.add(m);
    }
  }

  /** Waits for {@code n} more messages (failing if they do not all come within the time). */
  public List<JsonObject> take(int n, int seconds) {
    List<JsonObject> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (out.size() < n) {
      long left = deadline - System.nanoTime();
      JsonObject m;
      try {
        m = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (m == null) {
        throw new AssertionError("expected " + n + " messages, got " + out.size() + ": " + out);
      }
      out.add(m);
    }
    return out;
  }

  /** Nothing more arrives within {@code ms}. */
  public List<JsonObject> quietFor(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<JsonObject> extra = new ArrayList<>();
    received.drainTo(extra);
    return extra;
  }

  public short awaitClose(int seconds) {
    try {
      return closeCode.get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("socket not closed within " + seconds + " s", e);
    }
  }

  /** Stops reading from the socket: what the server sends piles up in its buffers. */
  public void pause() {
    ws.pause();
  }

  public void resume() {
    ws.resume();
  }

  public boolean isClosed() {
    return ws.isClosed();
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close().await();
    }
    client.close();
  }
}
