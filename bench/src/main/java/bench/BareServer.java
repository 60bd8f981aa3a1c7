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
 * </ul>
 */
public final class BareServer {

  record Header(CharSequence name, CharSequence value) {}

  static final String AUTH_OK = new JsonObject().put("type", "auth:ok").put("tenantId", "tnt-bare").encode();
  static final String PONG = new JsonObject().put("type", "pong").encode();

  static final String INSERT = "INSERT INTO tracked_events (tenant_id, session_id, event, occurred_at, metadata) "
      + "VALUES ($1, $2, $3, $4::text::timestamptz, $5::text::jsonb)";

  public static void main(String[] args) throws Exception {
    String mode = null;
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
    } else if (!"static".equals(mode) && !"parse".equals(mode) && !"ws".equals(mode)) {
      throw new IllegalArgumentException("--mode static|parse|insert|ws");
    }
    int instances = Runtime.getRuntime().availableProcessors();
    Pool p = pool;
    String t = tenant;
    int listen = port;
    String m = mode;
    boolean st = strict;
    vertx.deployVerticle(() -> new Http(m, listen, headers, body, p, t, st), new DeploymentOptions().setInstances(instances))
        .await();
    System.out.printf("bare server (%s) listening on 127.0.0.1:%d with %d instance(s)%n", mode, port, instances);
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

    Http(String mode, int port, List<Header> headers, Buffer body, Pool pool, String tenant, boolean strict) {
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
