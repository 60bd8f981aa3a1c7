package bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baselines: a bare Vert.x HttpServer (no router, no auth, no validation beyond parsing),
 * deployed like the real server (one instance per available processor, as http.instances=0).
 *
 * <ul>
 *   <li>{@code static}: every request gets the same recorded answer (status 200, the recorded
 *       headers in their order and casing, the recorded body): the ceiling for GET config.
 *   <li>{@code parse}: reads the body, parses it as JSON, answers the recorded answer without
 *       storing anything: the HTTP ceiling for POST track.
 *   <li>{@code insert}: parses the JSON and does one single-row INSERT per request into
 *       tracked_events through a pool of {@code --pool} connections (default 32, the server's),
 *       answering only after the INSERT has committed (autocommit): the naive durable path.
 *   <li>{@code ws}: GET /api/ws/tenant upgrades to a WebSocket that waits for one text message
 *       (parsed as JSON, type "auth", the token not checked), answers {"type":"auth:ok",...} and
 *       then only {"type":"pong"} to {"type":"ping"}: the floor for the memory of an idle
 *       authenticated tenant socket (default HttpServerOptions, no timers, no router).
 *   <li>{@code openai}: a fake OpenAI-compatible provider. POST /v1/chat/completions reads and
 *       parses the JSON request (a {@code model} string and a non-empty {@code messages} array are
 *       required, else 400 with OpenAI's error shape; {@code tools} are accepted and never called)
 *       and answers a fixed, valid Chat Completions body ({@code choices[0].message.content},
 *       {@code model}, {@code usage.total_tokens}) exactly {@code --delay-ms} after the request's
 *       body has arrived, through a Vert.x timer on the connection's event loop (no thread ever
 *       sleeps, so any number of requests wait at once). {@code --record-file} receives the first
 *       request body it parsed (the direct baseline of bench/chat-path.sh replays it). GET
 *       /v1/stats answers how many completions it served, how many of them offered tools and
 *       carried knowledge passages in their system prompt, how many are waiting now, and the most
 *       that waited at once since the previous GET /v1/stats (reading it starts a new interval).
 *   <li>{@code openai-stream}: the same fake provider, streaming. A request with {@code "stream":
 *       true} is answered at once with 200 {@code text/event-stream} and OpenAI's chunks: a role
 *       chunk ({@code delta: {"role": "assistant", "content": ""}}) right away, the first content
 *       token ({@code "tok1 "}) {@code --first-token-ms} (200) after the request's body arrived,
 *       then one token every {@code --gap-ms} (20) up to {@code --tokens} (20), and right after
 *       the last one a {@code finish_reason: "stop"} chunk, a usage chunk ({@code choices: []}) and
 *       {@code data: [DONE]}. One Vert.x periodic timer per stream, every chunk a pre-encoded
 *       buffer: it stands for a remote provider and should cost little. With {@code --stamp
 *       true} each token is {@code tok<n>:<request arrival>:<write time> } (System.nanoTime(),
 *       the machine's monotonic clock), so that a client can split its wait into the way to the
 *       provider and each token's way back. With {@code --first-sentence true} the first token
 *       ends with {@code ". "} instead of {@code " "} ({@code tok1:<arrived>:<written>. }): a
 *       complete sentence, which a voice relay speaks at once (bench/voice-ttft.sh). A request
 *       without {@code stream} gets the plain completion once the last token would have been
 *       sent. The stats also count the streamed answers ({@code streamed}) and the streams the
 *       client cut ({@code cut}).
 * </ul>
 */
public final class BareServer {

  record Header(CharSequence name, CharSequence value) {}

  static final String AUTH_OK = new JsonObject().put("type", "auth:ok").put("tenantId", "tnt-bare").encode();
  static final String PONG = new JsonObject().put("type", "pong").encode();

  static final String INSERT = "INSERT INTO tracked_events (tenant_id, session_id, event, occurred_at, metadata) "
      + "VALUES ($1, $2, $3, $4::text::timestamptz, $5::text::jsonb)";

  /** The fake provider's answer: the same bytes to every request. */
  static final Buffer COMPLETION = Buffer.buffer(new JsonObject()
      .put("id", "chatcmpl-bench")
      .put("object", "chat.completion")
      .put("created", 1_700_000_000L)
      .put("model", "bench-model")
      .put("choices", new io.vertx.core.json.JsonArray().add(new JsonObject()
          .put("index", 0)
          .put("message", new JsonObject().put("role", "assistant").put("content",
              "We are open Monday to Friday from 9:00 to 18:00, and we ship to Canada within 5 business days."))
          .put("finish_reason", "stop")))
      .put("usage", new JsonObject().put("prompt_tokens", 420).put("completion_tokens", 24).put("total_tokens", 444))
      .encode());

  static final AtomicLong COMPLETIONS = new AtomicLong();
  static final AtomicLong WITH_TOOLS = new AtomicLong();
  static final AtomicLong WITH_KNOWLEDGE = new AtomicLong();
  static final AtomicLong REFUSED = new AtomicLong();
  static final AtomicLong IN_FLIGHT = new AtomicLong();
  static final AtomicLong MAX_IN_FLIGHT = new AtomicLong();
  static final AtomicLong STREAMED = new AtomicLong();
  static final AtomicLong CUT = new AtomicLong();
  static final AtomicBoolean RECORDED = new AtomicBoolean();

  /** One streamed chunk as OpenAI frames it: {@code data: <chat.completion.chunk>} and a blank line. */
  static Buffer chunk(JsonObject choice, JsonObject usage) {
    JsonObject c = new JsonObject().put("id", "chatcmpl-bench").put("object", "chat.completion.chunk")
        .put("created", 1_700_000_000L).put("model", "bench-model")
        .put("choices", choice == null ? new io.vertx.core.json.JsonArray() : new io.vertx.core.json.JsonArray().add(choice));
    if (usage != null) {
      c.put("usage", usage);
    }
    return Buffer.buffer("data: " + c.encode() + "\n\n");
  }

  static final Buffer ROLE_CHUNK = chunk(new JsonObject().put("index", 0)
      .put("delta", new JsonObject().put("role", "assistant").put("content", "")).putNull("finish_reason"), null);

  /** The finish chunk, the usage chunk and [DONE], written together after the last token. */
  static Buffer endChunks(int tokens) {
    return chunk(new JsonObject().put("index", 0).put("delta", new JsonObject()).put("finish_reason", "stop"), null)
        .appendBuffer(chunk(null, new JsonObject().put("prompt_tokens", 420).put("completion_tokens", tokens)
            .put("total_tokens", 420 + tokens)))
        .appendString("data: [DONE]\n\n");
  }

  public static void main(String[] args) throws Exception {
    String mode = null;
    long delayMs = 200;
    String recordFile = null;
    long firstTokenMs = 200;
    int tokens = 20;
    long gapMs = 20;
    boolean stamp = false;
    boolean firstSentence = false;
    int port = 0;
    int pgPort = 0;
    int poolSize = 32;
    boolean strict = false;
    String tenant = null;
    Path headersFile = null;
    Path bodyFile = null;
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--mode" -> mode = v;
        case "--port" -> port = Integer.parseInt(v);
        case "--pg-port" -> pgPort = Integer.parseInt(v);
        case "--pool" -> poolSize = Integer.parseInt(v);
        // HttpServerOptions#setStrictThreadMode: no cross-thread write queue on the HTTP/1 connection
        case "--strict-thread-mode" -> strict = Boolean.parseBoolean(v);
        case "--tenant" -> tenant = v;
        case "--headers-file" -> headersFile = Path.of(v);
        case "--body-file" -> bodyFile = Path.of(v);
        case "--delay-ms" -> delayMs = Long.parseLong(v);
        case "--record-file" -> recordFile = v;
        case "--first-token-ms" -> firstTokenMs = Long.parseLong(v);
        case "--tokens" -> tokens = Integer.parseInt(v);
        case "--gap-ms" -> gapMs = Long.parseLong(v);
        case "--stamp" -> stamp = Boolean.parseBoolean(v);
        case "--first-sentence" -> firstSentence = Boolean.parseBoolean(v);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<Header> headers = headersFile != null ? readHeaders(headersFile) : List.of();
    Buffer body = bodyFile != null ? Buffer.buffer(Files.readAllBytes(bodyFile)) : Buffer.buffer();
    Vertx vertx = Vertx.vertx();
    Pool pool = null;
    if ("insert".equals(mode)) {
      pool = PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(poolSize))
          .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(pgPort).setDatabase("postgres")
              .setUser("postgres").setPassword("postgres").setCachePreparedStatements(true)
              .setPreparedStatementCacheMaxSize(512))
          .using(vertx)
          .build();
    } else if (!"static".equals(mode) && !"parse".equals(mode) && !"ws".equals(mode) && !"openai".equals(mode)
        && !"openai-stream".equals(mode)) {
      throw new IllegalArgumentException("--mode static|parse|insert|ws|openai|openai-stream");
    }
    if (delayMs < 1 || firstTokenMs < 1 || gapMs < 1 || tokens < 1) {
      throw new IllegalArgumentException("--delay-ms, --first-token-ms, --gap-ms and --tokens must be at least 1");
    }
    Stream stream = new Stream(firstTokenMs, tokens, gapMs, stamp, firstSentence);
    int instances = Runtime.getRuntime().availableProcessors();
    Pool p = pool;
    String t = tenant;
    int listen = port;
    String m = mode;
    boolean st = strict;
    long delay = delayMs;
    String record = recordFile;
    vertx.deployVerticle(() -> new Http(m, listen, headers, body, p, t, st, delay, record, stream),
            new DeploymentOptions().setInstances(instances))
        .await();
    System.out.printf("bare server (%s%s) listening on 127.0.0.1:%d with %d instance(s)%n", mode,
        "openai".equals(mode) ? ", answers after " + delayMs + " ms"
            : "openai-stream".equals(mode) ? ", first token after " + firstTokenMs + " ms, then " + (tokens - 1)
                + " more " + gapMs + " ms apart" : "", port, instances);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
  }

  static final class Http extends VerticleBase {
    private final String mode;
    private final int port;
    private final List<Header> headers;
    private final Buffer body;
    private final Pool pool;
    private final String tenant;
    private final boolean strict;
    private final long delayMs;
    private final String recordFile;
    private final Stream stream;

    Http(String mode, int port, List<Header> headers, Buffer body, Pool pool, String tenant, boolean strict,
        long delayMs, String recordFile, Stream stream) {
      this.stream = stream;
      this.delayMs = delayMs;
      this.recordFile = recordFile;
      this.mode = mode;
      this.port = port;
      this.headers = headers;
      this.body = body;
      this.pool = pool;
      this.tenant = tenant;
      this.strict = strict;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
              .setStrictThreadMode(strict))
          .requestHandler(this::handle)
          .listen();
    }

    private void handle(HttpServerRequest req) {
      switch (mode) {
        case "ws" -> {
          if (!"/api/ws/tenant".equals(req.path())) {
            req.response().setStatusCode(404).end();
            return;
          }
          req.toWebSocket().onSuccess(ws -> {
            boolean[] authed = {false};
            ws.textMessageHandler(text -> {
              String type = new JsonObject(text).getString("type");
              if (authed[0]) {
                if ("ping".equals(type)) {
                  ws.writeTextMessage(PONG);
                }
              } else if ("auth".equals(type)) {
                authed[0] = true;
                ws.writeTextMessage(AUTH_OK);
              } else {
                ws.close((short) 4401, "expected an auth message");
              }
            });
          });
        }
        case "static" -> answer(req);
        case "openai", "openai-stream" -> completion(req);
        case "parse" -> req.body().onSuccess(buf -> {
          JsonObject json = buf.toJsonObject();
          if (json.getString("sessionId") == null || json.getString("event") == null) {
            req.response().setStatusCode(400).end();
            return;
          }
          answer(req);
        }).onFailure(err -> req.response().setStatusCode(500).end());
        default -> req.body().compose(buf -> {
          JsonObject json = buf.toJsonObject();
          JsonObject metadata = json.getJsonObject("metadata");
          return pool.preparedQuery(INSERT).execute(Tuple.of(tenant, json.getString("sessionId"),
              json.getString("event"), DateTimeFormatter.ISO_INSTANT.format(Instant.now()),
              metadata != null ? metadata.encode() : null));
        }).onSuccess(rows -> answer(req)).onFailure(err -> {
          System.err.println("insert failed: " + err);
          req.response().setStatusCode(500).end();
        });
      }
    }

    private void completion(HttpServerRequest req) {
      if (req.method() == io.vertx.core.http.HttpMethod.GET && "/v1/stats".equals(req.path())) {
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(new JsonObject()
            .put("completions", COMPLETIONS.get()).put("withTools", WITH_TOOLS.get())
            .put("withKnowledge", WITH_KNOWLEDGE.get()).put("refused", REFUSED.get())
            .put("streamed", STREAMED.get()).put("cut", CUT.get())
            .put("inFlight", IN_FLIGHT.get()).put("maxInFlight", MAX_IN_FLIGHT.getAndSet(IN_FLIGHT.get())).encode());
        return;
      }
      if (req.method() != io.vertx.core.http.HttpMethod.POST || !"/v1/chat/completions".equals(req.path())) {
        req.response().setStatusCode(404).end();
        return;
      }
      req.body().onSuccess(buf -> {
        JsonObject json;
        try {
          json = buf.toJsonObject();
        } catch (RuntimeException e) {
          refuse(req, "the body is not a JSON object");
          return;
        }
        if (!(json.getValue("model") instanceof String)
            || !(json.getValue("messages") instanceof io.vertx.core.json.JsonArray messages) || messages.isEmpty()) {
          refuse(req, "model (a string) and messages (a non-empty array) are required");
          return;
        }
        if (json.getValue("tools") instanceof io.vertx.core.json.JsonArray) {
          WITH_TOOLS.incrementAndGet();
        }
        Object first = messages.getValue(0);
        if (first instanceof JsonObject system && "system".equals(system.getValue("role"))
            && system.getValue("content") instanceof String content && content.contains("Knowledge base:")) {
          WITH_KNOWLEDGE.incrementAndGet();
        }
        if (recordFile != null && RECORDED.compareAndSet(false, true)) {
          vertx.fileSystem().writeFile(recordFile, buf);
        }
        COMPLETIONS.incrementAndGet();
        MAX_IN_FLIGHT.accumulateAndGet(IN_FLIGHT.incrementAndGet(), Math::max);
        boolean streaming = "openai-stream".equals(mode);
        if (streaming && Boolean.TRUE.equals(json.getValue("stream"))) {
          streamed(req);
          return;
        }
        vertx.setTimer(streaming ? stream.lastTokenMs() : delayMs, id -> {
          IN_FLIGHT.decrementAndGet();
          req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(COMPLETION);
        });
      }).onFailure(err -> req.response().setStatusCode(500).end());
    }

    /** The chunks of {@link Stream}, each from the stream's one periodic timer; a cut stream stops it. */
    private void streamed(HttpServerRequest req) {
      STREAMED.incrementAndGet();
      var response = req.response().setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
      response.write(ROLE_CHUNK);
      long arrived = System.nanoTime();
      int[] sent = {0};
      long timer = vertx.setPeriodic(stream.firstTokenMs(), stream.gapMs(), id -> {
        if (response.closed()) {
          return;
        }
        response.write(stream.token(sent[0]++, arrived));
        if (sent[0] == stream.tokens()) {
          vertx.cancelTimer(id);
          IN_FLIGHT.decrementAndGet();
          response.end(stream.end());
        }
      });
      response.closeHandler(v -> {
        if (sent[0] < stream.tokens() && vertx.cancelTimer(timer)) {
          CUT.incrementAndGet();
          IN_FLIGHT.decrementAndGet();
        }
      });
    }

    private static void refuse(HttpServerRequest req, String message) {
      REFUSED.incrementAndGet();
      req.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(new JsonObject().put("error", new JsonObject().put("message", message)
              .put("type", "invalid_request_error")).encode());
    }

    private void answer(HttpServerRequest req) {
      var response = req.response();
      for (Header h : headers) {
        response.putHeader(h.name(), h.value());
      }
      response.end(body);
    }
  }

  /** The timing and the pre-encoded chunks of a streamed answer ({@code openai-stream}). */
  record Stream(long firstTokenMs, int tokens, long gapMs, boolean stamp, boolean firstSentence, Buffer[] tokenChunks,
      Buffer end, String[] stampedFrame) {
    Stream(long firstTokenMs, int tokens, long gapMs, boolean stamp, boolean firstSentence) {
      this(firstTokenMs, tokens, gapMs, stamp, firstSentence, tokenChunks(tokens, firstSentence), endChunks(tokens),
          splitTokenFrame());
    }

    /**
     * Token i (from 0). With {@code --stamp true} its text is {@code tok<i+1>:<arrived>:<now> }: the
     * System.nanoTime() at which the request had arrived and at which this token is written. On
     * Linux that clock (CLOCK_MONOTONIC) is the same in every process of the machine, so a client
     * on it can tell how long the request took to get here and each token to get to it. With
     * {@code firstSentence} the first token ends with {@code ". "}: a whole sentence.
     */
    Buffer token(int i, long arrived) {
      if (!stamp) {
        return tokenChunks[i];
      }
      return Buffer.buffer(stampedFrame[0] + "tok" + (i + 1) + ":" + arrived + ":" + System.nanoTime()
          + (i == 0 && firstSentence ? ". " : " ") + stampedFrame[1]);
    }

    /** A token chunk's bytes before and after its content. */
    private static String[] splitTokenFrame() {
      String marker = "@@TOKEN@@";
      String whole = chunk(new JsonObject().put("index", 0).put("delta", new JsonObject().put("content", marker))
          .putNull("finish_reason"), null).toString();
      int at = whole.indexOf(marker);
      return new String[] {whole.substring(0, at), whole.substring(at + marker.length())};
    }

    long lastTokenMs() {
      return firstTokenMs + (tokens - 1) * gapMs;
    }

    private static Buffer[] tokenChunks(int tokens, boolean firstSentence) {
      Buffer[] out = new Buffer[tokens];
      for (int i = 0; i < tokens; i++) {
        String text = "tok" + (i + 1) + (i == 0 && firstSentence ? ". " : " ");
        out[i] = chunk(new JsonObject().put("index", 0).put("delta", new JsonObject().put("content", text))
            .putNull("finish_reason"), null);
      }
      return out;
    }
  }

  /** "Name: value" lines as curl -D wrote them; the status line and blank lines are skipped. */
  static List<Header> readHeaders(Path file) throws Exception {
    List<Header> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("HTTP/")) {
        continue;
      }
      int c = line.indexOf(':');
      out.add(new Header(HttpHeaders.createOptimized(line.substring(0, c)),
          HttpHeaders.createOptimized(line.substring(c + 1).strip())));
    }
    return out;
  }
}
