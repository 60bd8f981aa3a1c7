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
  static final AtomicBoolean RECORDED = new AtomicBoolean();

  public static void main(String[] args) throws Exception {
    String mode = null;
    long delayMs = 200;
    String recordFile = null;
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
    } else if (!"static".equals(mode) && !"parse".equals(mode) && !"ws".equals(mode) && !"openai".equals(mode)) {
      throw new IllegalArgumentException("--mode static|parse|insert|ws|openai");
    }
    if (delayMs < 1) {
      throw new IllegalArgumentException("--delay-ms must be at least 1");
    }
    int instances = Runtime.getRuntime().availableProcessors();
    Pool p = pool;
    String t = tenant;
    int listen = port;
    String m = mode;
    boolean st = strict;
    long delay = delayMs;
    String record = recordFile;
    vertx.deployVerticle(() -> new Http(m, listen, headers, body, p, t, st, delay, record),
            new DeploymentOptions().setInstances(instances))
        .await();
    System.out.printf("bare server (%s%s) listening on 127.0.0.1:%d with %d instance(s)%n", mode,
        "openai".equals(mode) ? ", answers after " + delayMs + " ms" : "", port, instances);
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

    Http(String mode, int port, List<Header> headers, Buffer body, Pool pool, String tenant, boolean strict,
        long delayMs, String recordFile) {
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
        case "openai" -> completion(req);
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
        vertx.setTimer(delayMs, id -> {
          IN_FLIGHT.decrementAndGet();
          req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(COMPLETION);
        });
      }).onFailure(err -> req.response().setStatusCode(500).end());
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
