package bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake AI provider served from a worker on the server's TCP event-bus bridge: the bus twin of
 * {@link BareServer}'s {@code openai} (and {@code openai-stream}) mode, for bench/bus-provider.sh.
 *
 * <p>It opens {@code --connections} (1) connections to the bridge ({@code --port}, on 127.0.0.1),
 * each registering {@code --address} ({@code ai.provider.mine}), and answers every request there
 * exactly {@code --delay-ms} after its frame arrived, through a Vert.x timer (no thread sleeps, any
 * number of requests wait at once), with the same bytes as BareServer's completion ({@link
 * BareServer#COMPLETION}) as the reply's body. The bridge's framing, both ways: a 4-byte big-endian
 * length, then UTF-8 JSON (a {@link RecordParser} that switches between the two, so frames may be
 * split or joined across TCP reads). Every frame it sends carries {@code headers.authorization:
 * "Bearer <key>"}: the key from the environment ({@code BUS_WORKER_KEY}), or {@code --key}.
 *
 * <p>With {@code --mode stream} a request whose body has {@code "stream": true} (with the {@code
 * stream-to} and {@code stream-id} headers) is answered on BareServer's {@code openai-stream}
 * schedule: a role chunk at once, the first content token ({@code "tok1 "}) {@code
 * --first-token-ms} after the request arrived, then one every {@code --gap-ms} up to {@code
 * --tokens}, each sent to {@code stream-to} with {@code stream-seq} 0, 1, …; right after the last
 * one the reply to the request: the finish chunk with the usage and {@code stream-chunks} (how many
 * chunks went before). A request without {@code stream} gets the whole completion once the last
 * token would have been sent, as BareServer does.
 *
 * <p>{@code --record-file} receives the first request frame's JSON as it arrived. {@code
 * --stats-port}: GET /stats answers (JSON) the requests received, answered, those that asked for a
 * stream, the err frames the bridge sent, the connections it lost and the answers lost with them,
 * how many wait now and the most that waited at once since the previous GET /stats. Once every
 * connection has registered and the bridge has answered a ping after the register (frames are taken
 * in order), it prints {@code bus worker ready ...}. A connection the server closes is opened again
 * (see {@link Connection}); every line on stderr starts with {@code bus worker: } and the time.
 */
public final class BusWorker {

  static final AtomicLong REQUESTS = new AtomicLong();
  static final AtomicLong ANSWERED = new AtomicLong();
  static final AtomicLong STREAMED = new AtomicLong();
  static final AtomicLong ERR_FRAMES = new AtomicLong();
  static final AtomicLong BAD_FRAMES = new AtomicLong();
  static final AtomicLong IN_FLIGHT = new AtomicLong();
  static final AtomicLong MAX_IN_FLIGHT = new AtomicLong();
  static final AtomicLong RECONNECTS = new AtomicLong();
  static final AtomicLong LOST = new AtomicLong();

  static String key;
  static String address = "ai.provider.mine";
  static long delayMs = 50;
  static boolean streamMode;
  static long firstTokenMs = 200;
  static int tokens = 20;
  static long gapMs = 20;
  static String recordFile;
  static final AtomicBoolean RECORDED = new AtomicBoolean();

  /** {@code "authorization":"Bearer <key>"}, pre-encoded: every frame's headers start with it. */
  static String authKeyValue;
  /** {@code ,"headers":{"authorization":"Bearer <key>"}}, pre-encoded. */
  static String authHeaders;

  public static void main(String[] args) throws Exception {
    int port = 0;
    int statsPort = 0;
    int connections = 1;
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(v);
        case "--key" -> key = v;
        case "--address" -> address = v;
        case "--delay-ms" -> delayMs = Long.parseLong(v);
        case "--mode" -> streamMode = switch (v) {
          case "whole" -> false;
          case "stream" -> true;
          default -> throw new IllegalArgumentException("--mode whole|stream");
        };
        case "--first-token-ms" -> firstTokenMs = Long.parseLong(v);
        case "--tokens" -> tokens = Integer.parseInt(v);
        case "--gap-ms" -> gapMs = Long.parseLong(v);
        case "--connections" -> connections = Integer.parseInt(v);
        case "--stats-port" -> statsPort = Integer.parseInt(v);
        case "--record-file" -> recordFile = v;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (key == null) {
      key = System.getenv("BUS_WORKER_KEY");
    }
    if (port <= 0 || key == null || key.isEmpty()) {
      throw new IllegalArgumentException("--port and the bridge key (BUS_WORKER_KEY in the environment, or --key) are required");
    }
    if (delayMs < 1 || firstTokenMs < 1 || gapMs < 1 || tokens < 1 || connections < 1) {
      throw new IllegalArgumentException(
          "--delay-ms, --first-token-ms, --gap-ms, --tokens and --connections must be at least 1");
    }
    authKeyValue = "\"authorization\":" + quote("Bearer " + key);
    buildChunks(tokens);
    authHeaders = ",\"headers\":{" + authKeyValue + "}";

    // one event loop per connection (at most the cores): the worker is a small service of its own
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, Math.min(connections,
        Runtime.getRuntime().availableProcessors()))));
    if (statsPort > 0) {
      vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(statsPort))
          .requestHandler(req -> req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .end(new JsonObject().put("requests", REQUESTS.get()).put("answered", ANSWERED.get())
                  .put("streamed", STREAMED.get()).put("errFrames", ERR_FRAMES.get()).put("badFrames", BAD_FRAMES.get())
                  .put("reconnects", RECONNECTS.get()).put("lost", LOST.get())
                  .put("inFlight", IN_FLIGHT.get()).put("maxInFlight", MAX_IN_FLIGHT.getAndSet(IN_FLIGHT.get()))
                  .encode()))
          .listen().await(10, TimeUnit.SECONDS);
    }
    List<Future<Void>> ready = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      // its own client per connection, so that connections spread over the event loops
      NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(10_000));
      ready.add(new Connection(vertx, client, i, port).start());
    }
    Future.all(ready).await(30, TimeUnit.SECONDS);
    // one write: the script reads this line as soon as it starts
    System.out.println(String.format(Locale.ROOT,
        "bus worker ready: %s registered on the bridge 127.0.0.1:%d over %d connection(s); %s", address, port, connections,
        streamMode ? String.format(Locale.ROOT, "streams: first token after %d ms, %d tokens %d ms apart", firstTokenMs,
            tokens, gapMs) : "answers whole after " + delayMs + " ms"));
    System.out.flush();
  }

  /** A line on stderr, with the time (UTC): what the script's summary greps for ("bus worker: "). */
  static void note(String text) {
    System.err.println("bus worker: " + java.time.Instant.now() + " " + text);
    System.err.flush();
  }

  /**
   * One bridge connection: its frames in, its requests' timers, all on its event loop. Should the
   * server close it, it is counted ({@code reconnects}), logged, and opened again after 200 ms (the
   * register and a ping again): the answers of the requests it held are lost ({@code lost}).
   */
  static final class Connection {
    private final Vertx vertx;
    private final NetClient client;
    private final int index;
    private final int port;
    private NetSocket socket;
    private RecordParser parser;
    private int expected = -1; // the length of the frame being read; -1: reading a length
    private Promise<Void> pong = Promise.promise();

    Connection(Vertx vertx, NetClient client, int index, int port) {
      this.vertx = vertx;
      this.client = client;
      this.index = index;
      this.port = port;
    }

    /** Connects, registers and pings; completes on the pong. */
    Future<Void> start() {
      return client.connect(port, "127.0.0.1").compose(this::open);
    }

    private Future<Void> open(NetSocket s) {
      socket = s;
      expected = -1;
      pong = Promise.promise();
      parser = RecordParser.newFixed(4, this::record);
      s.handler(parser);
      s.closeHandler(v -> {
        long n = RECONNECTS.incrementAndGet();
        note(String.format(Locale.ROOT, "connection %d closed (close #%d; so far %d requests, %d answered, "
            + "%d lost, %d err frames, %d waiting now); reconnecting in 200 ms", index, n, REQUESTS.get(), ANSWERED.get(),
            LOST.get(), ERR_FRAMES.get(), IN_FLIGHT.get()));
        vertx.setTimer(200, t -> start().onFailure(err -> {
          note("connection " + index + " could not be opened again: " + err + "; giving up");
          Runtime.getRuntime().halt(2);
        }));
      });
      s.exceptionHandler(err -> note("connection " + index + ": " + err));
      write("{\"type\":\"register\",\"address\":" + quote(address) + authHeaders + "}");
      write("{\"type\":\"ping\"" + authHeaders + "}");
      return pong.future().timeout(20, TimeUnit.SECONDS);
    }

    /** Called with 4 bytes (a length), then with that many bytes (the JSON), and so on. */
    private void record(Buffer buf) {
      if (expected < 0) {
        expected = buf.getInt(0);
        if (expected <= 0) {
          BAD_FRAMES.incrementAndGet();
          note("a frame of length " + expected + ": the stream is out of step; closing the connection");
          socket.close();
          return;
        }
        parser.fixedSizeMode(expected);
        return;
      }
      expected = -1;
      parser.fixedSizeMode(4);
      JsonObject frame;
      try {
        frame = new JsonObject(buf.toString(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        BAD_FRAMES.incrementAndGet();
        note("a frame that is not a JSON object: " + e.getMessage());
        return;
      }
      if (recordFile != null && "message".equals(frame.getString("type")) && RECORDED.compareAndSet(false, true)) {
        // the first request frame as it came (its size is what the bridge moves per chat)
        vertx.fileSystem().writeFile(recordFile, buf);
      }
      frame(frame);
    }

    private void frame(JsonObject frame) {
      String type = frame.getString("type", "");
      switch (type) {
        case "pong" -> pong.tryComplete();
        case "message" -> request(frame);
        case "err" -> {
          long n = ERR_FRAMES.incrementAndGet();
          if (n <= 20 || n % 1000 == 0) {
            note("err frame #" + n + " from the server: " + frame.encode());
          }
        }
        default -> {
          BAD_FRAMES.incrementAndGet();
          note("unexpected frame: " + frame.encode());
        }
      }
    }

    private void request(JsonObject frame) {
      String replyAddress = frame.getString("replyAddress");
      if (!address.equals(frame.getString("address")) || replyAddress == null) {
        BAD_FRAMES.incrementAndGet();
        note("a message it cannot answer: " + frame.encode());
        return;
      }
      REQUESTS.incrementAndGet();
      MAX_IN_FLIGHT.accumulateAndGet(IN_FLIGHT.incrementAndGet(), Math::max);
      JsonObject body = frame.getValue("body") instanceof JsonObject b ? b : new JsonObject();
      JsonObject headers = frame.getValue("headers") instanceof JsonObject h ? h : new JsonObject();
      String streamTo = headers.getString("stream-to");
      String streamId = headers.getString("stream-id");
      if (streamMode && Boolean.TRUE.equals(body.getValue("stream")) && streamTo != null && streamId != null) {
        STREAMED.incrementAndGet();
        streamed(replyAddress, streamTo, streamId);
        return;
      }
      NetSocket from = socket;
      vertx.setTimer(streamMode ? firstTokenMs + (tokens - 1) * gapMs : delayMs, id -> {
        IN_FLIGHT.decrementAndGet();
        if (from != socket) {
          LOST.incrementAndGet(); // its connection closed meanwhile: the reply address was on it
          return;
        }
        ANSWERED.incrementAndGet();
        write(WHOLE_START + quote(replyAddress) + authHeaders + WHOLE_END);
      });
    }

    /** BareServer's openai-stream schedule: role chunk now, tokens from firstTokenMs every gapMs, then the reply. */
    private void streamed(String replyAddress, String streamTo, String streamId) {
      String to = quote(streamTo);
      String chunkHeaders = ",\"headers\":{" + authKeyValue + ",\"stream-id\":" + quote(streamId) + ",\"stream-seq\":\"";
      write(CHUNK_START + to + chunkHeaders + "0\"}" + ",\"body\":" + ROLE_CHUNK + "}");
      int[] sent = {0};
      NetSocket from = socket;
      vertx.setPeriodic(firstTokenMs, gapMs, id -> {
        if (from != socket) {
          vertx.cancelTimer(id);
          IN_FLIGHT.decrementAndGet();
          LOST.incrementAndGet();
          return;
        }
        int i = sent[0]++;
        write(CHUNK_START + to + chunkHeaders + (i + 1) + "\"}" + ",\"body\":" + TOKEN_CHUNKS[i] + "}");
        if (sent[0] == tokens) {
          vertx.cancelTimer(id);
          IN_FLIGHT.decrementAndGet();
          ANSWERED.incrementAndGet();
          write(CHUNK_START + quote(replyAddress) + ",\"headers\":{" + authKeyValue + ",\"stream-chunks\":\""
              + (tokens + 1) + "\"},\"body\":" + LAST_CHUNK + "}");
        }
      });
    }

    private void write(String json) {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      socket.write(Buffer.buffer(4 + bytes.length).appendInt(bytes.length).appendBytes(bytes));
    }
  }

  static String quote(String s) {
    return new JsonArray().add(s).encode().replaceAll("^\\[|\\]$", "");
  }

  static final String WHOLE_START = "{\"type\":\"send\",\"address\":";
  /** The reply's body: BareServer's completion, byte for byte. */
  static final String WHOLE_END = ",\"body\":" + BareServer.COMPLETION.toString(StandardCharsets.UTF_8) + "}";
  static final String CHUNK_START = WHOLE_START;

  static JsonObject chunkOf(JsonObject choice, JsonObject usage) {
    JsonObject c = new JsonObject().put("id", "chatcmpl-bench").put("object", "chat.completion.chunk")
        .put("created", 1_700_000_000L).put("model", "bench-model")
        .put("choices", choice == null ? new JsonArray() : new JsonArray().add(choice));
    if (usage != null) {
      c.put("usage", usage);
    }
    return c;
  }

  static final String ROLE_CHUNK = chunkOf(new JsonObject().put("index", 0)
      .put("delta", new JsonObject().put("role", "assistant").put("content", "")).putNull("finish_reason"), null).encode();
  static String[] TOKEN_CHUNKS;
  static String LAST_CHUNK;

  /** The token chunks and the last one, for {@code n} tokens (as BareServer's Stream: "tok1 ", "tok2 ", …). */
  static void buildChunks(int n) {
    TOKEN_CHUNKS = new String[n];
    for (int i = 0; i < n; i++) {
      TOKEN_CHUNKS[i] = chunkOf(new JsonObject().put("index", 0)
          .put("delta", new JsonObject().put("content", "tok" + (i + 1) + " ")).putNull("finish_reason"), null).encode();
    }
    LAST_CHUNK = chunkOf(new JsonObject().put("index", 0).put("delta", new JsonObject()).put("finish_reason", "stop"),
        new JsonObject().put("prompt_tokens", 420).put("completion_tokens", n).put("total_tokens", 420 + n)).encode();
  }
}
