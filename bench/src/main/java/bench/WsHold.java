package bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens N tenant WebSockets (auth message, wait for auth:ok) at a bounded concurrency, prints
 * {@code READY open=.. failed=..}, then holds them idle (the Vert.x client answers the server's
 * pings with pongs by itself) for {@code --hold-seconds} or until it is stopped; sockets the server
 * closes meanwhile are counted and printed when the process ends.
 *
 * <p>Usage: {@code WsHold --url ws://127.0.0.1:PORT/api/ws/tenant --tokens-file FILE --sockets N
 * [--threads 2] [--concurrency 200] [--hold-seconds 600]}. The tokens file has one tenant a line,
 * {@code tenantId jwt ...}; socket k uses line k mod lines.
 */
public final class WsHold {

  static final AtomicInteger open = new AtomicInteger();
  static final AtomicInteger closedWhileHeld = new AtomicInteger();
  static final Map<String, AtomicLong> closeReasons = new ConcurrentHashMap<>();
  static volatile boolean ready;

  public static void main(String[] args) throws Exception {
    URI url = null;
    Path tokensFile = null;
    int sockets = 1000;
    int threads = 2;
    int concurrency = 200;
    int holdSeconds = 600;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--url" -> url = URI.create(v);
        case "--tokens-file" -> tokensFile = Path.of(v);
        case "--sockets" -> sockets = Integer.parseInt(v);
        case "--threads" -> threads = Integer.parseInt(v);
        case "--concurrency" -> concurrency = Integer.parseInt(v);
        case "--hold-seconds" -> holdSeconds = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (url == null || tokensFile == null) {
      throw new IllegalArgumentException("--url and --tokens-file are required");
    }
    if (!"127.0.0.1".equals(url.getHost()) && !"localhost".equals(url.getHost())) {
      throw new IllegalArgumentException("this generator only targets 127.0.0.1 / localhost");
    }
    if (holdSeconds < 0 || holdSeconds > 3600 || sockets < 0 || sockets > 200_000) {
      throw new IllegalArgumentException("bounded: hold 0..3600 s, sockets 0..200000");
    }
    List<String> tokens = new ArrayList<>();
    for (String line : Files.readAllLines(tokensFile)) {
      String[] f = line.trim().split(" ");
      if (f.length >= 2) {
        tokens.add(f[1]);
      }
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads));
    List<Holder> holders = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      holders.add(new Holder(url));
    }
    for (int k = 0; k < sockets; k++) {
      holders.get(k % threads).tokens.add(tokens.get(k % tokens.size()));
    }
    long t0 = System.nanoTime();
    List<Future<Integer>> done = new ArrayList<>();
    for (Holder h : holders) {
      vertx.deployVerticle(h).await();
      int c = Math.max(1, concurrency / threads);
      Promise<Integer> p = Promise.promise();
      h.context().runOnContext(v -> h.connectAll(c).onComplete(p));
      done.add(p.future());
    }
    int failed = 0;
    for (Future<Integer> f : done) {
      failed += f.await(600, TimeUnit.SECONDS);
    }
    ready = true;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.printf(Locale.ROOT, "CLOSED while held: %d %s, still open %d%n", closedWhileHeld.get(),
          closeReasons, open.get());
      System.out.flush();
    }));
    System.out.printf(Locale.ROOT, "READY open=%d failed=%d seconds=%.1f%n", open.get(), failed,
        (System.nanoTime() - t0) / 1e9);
    System.out.flush();
    Thread.sleep(TimeUnit.SECONDS.toMillis(holdSeconds));
    ready = false;
    for (Holder h : holders) {
      h.context().runOnContext(v -> h.closeAll());
    }
    Thread.sleep(500);
    vertx.close().await(20, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** The sockets of one event loop. */
  static final class Holder extends VerticleBase {
    final URI url;
    final List<String> tokens = new ArrayList<>();
    final List<ClientWebSocket> sockets = new ArrayList<>();
    private WebSocketClient client;
    private int cursor;
    private int failed;

    Holder(URI url) {
      this.url = url;
    }

    io.vertx.core.Context context() {
      return context;
    }

    @Override
    public Future<?> start() {
      client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000_000)
          .setConnectTimeout(30_000));
      return Future.succeededFuture();
    }

    Future<Integer> connectAll(int concurrency) {
      Promise<Integer> done = Promise.promise();
      int[] running = {0};
      Runnable[] launch = new Runnable[1];
      launch[0] = () -> {
        while (running[0] < concurrency && cursor < tokens.size()) {
          String token = tokens.get(cursor++);
          running[0]++;
          connect(token).onComplete(ar -> {
            running[0]--;
            if (ar.failed() && ++failed <= 5) {
              System.out.println("# connect failed: " + ar.cause());
            }
            if (cursor >= tokens.size() && running[0] == 0) {
              done.tryComplete(failed);
            } else {
              launch[0].run();
            }
          });
        }
      };
      launch[0].run();
      if (tokens.isEmpty()) {
        done.tryComplete(0);
      }
      return done.future();
    }

    private Future<Void> connect(String token) {
      Promise<Void> auth = Promise.promise();
      boolean[] authed = {false};
      ClientWebSocket ws = client.webSocket();
      ws.textMessageHandler(text -> {
        if (!authed[0]) {
          if (text.contains("\"auth:ok\"")) {
            authed[0] = true;
            open.incrementAndGet();
            sockets.add(ws);
            auth.tryComplete();
          } else {
            auth.tryFail("unexpected first frame: " + text);
          }
        }
      });
      ws.closeHandler(v -> {
        if (authed[0]) {
          open.decrementAndGet();
          if (ready) {
            closedWhileHeld.incrementAndGet();
            closeReasons.computeIfAbsent(ws.closeStatusCode() + " " + ws.closeReason(), k -> new AtomicLong())
                .incrementAndGet();
          }
        } else {
          auth.tryFail("closed before auth:ok: " + ws.closeStatusCode() + " " + ws.closeReason());
        }
      });
      ws.exceptionHandler(auth::tryFail);
      long timer = vertx.setTimer(30_000, id -> auth.tryFail("no auth:ok within 30 s"));
      ws.connect(new WebSocketConnectOptions().setHost(url.getHost()).setPort(url.getPort())
              .setURI(url.getRawPath()))
          .onSuccess(w -> w.writeTextMessage(new JsonObject().put("type", "auth").put("token", token).encode()))
          .onFailure(auth::tryFail);
      return auth.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    void closeAll() {
      for (ClientWebSocket ws : sockets) {
        ws.close();
      }
    }
  }
}
