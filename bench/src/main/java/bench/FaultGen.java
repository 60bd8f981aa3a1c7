package bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;

/**
 * The load of bench/fault-run.sh and its checks. One tenant, one assistant: V visitors each send a
 * widget chat every interval (one in flight each, a unique text per chat) round robin over the
 * nodes, retrying on the next node only when the connection failed; M dashboard sockets spread over
 * the nodes, each resuming from its last event id on another node when it is closed; every node's
 * /ready probed twice a second. The script writes the faults it makes, with their wall-clock times,
 * to {@code <control>/marks} and creates {@code <control>/stop} at the end; then the generator waits
 * for what is in flight, lets the sockets catch up with the log, and checks everything against
 * PostgreSQL: PASS/FAIL lines, a RESULT line, raw records in {@code --out}, exit code 1 on a FAIL.
 */
public final class FaultGen {

  static final class Settings {
    List<URI> nodes = new ArrayList<>();
    int dbPort = 25432;
    int visitors = 30;
    int intervalMs = 2000;
    int sockets = 6;
    int requestTimeoutMs = 20_000;
    double first503LimitS = 5;
    double recoveryLimitS = 15;
    int maxSeconds = 900;
    Path control;
    Path out;
  }

  /** One try of a chat on one node; status -1 when no answer (error names why). */
  record Attempt(int node, long start, long end, int status, String retryAfter, String error) {}

  static final class Chat {
    final int visitor;
    final String text;
    final List<Attempt> attempts = new ArrayList<>();
    String conversationId;
    String reply;
    boolean acknowledged;

    Chat(int visitor, String text) {
      this.visitor = visitor;
      this.text = text;
    }

    Attempt last() {
      return attempts.get(attempts.size() - 1);
    }
  }

  record Reconnect(int socket, int fromNode, long closedAt, int closeCode, String reason, int toNode, long authedAt,
      int tries) {}

  record Probe(int node, long at, int status) {}

  static final class Sock {
    final int index;
    int node;
    long lastId;
    final BitSet seen = new BitSet();
    final Map<Long, String> types = new HashMap<>();
    final Map<Long, JsonObject> data = new HashMap<>();
    long outOfOrder;
    long duplicates;
    long connectedAt;
    boolean closing;
    ClientWebSocket ws;

    Sock(int index, int node) {
      this.index = index;
      this.node = node;
    }
  }

  static Settings s;
  static Vertx vertx;
  static HttpClient http;
  static WebSocketClient wsClient;
  static String tenantId;
  static String jwt;
  static String widgetToken;
  static String assistantId;
  static final List<Chat> chats = new ArrayList<>();
  static final List<Reconnect> reconnects = new ArrayList<>();
  static final List<Probe> probes = new ArrayList<>();
  static final List<Sock> socks = new ArrayList<>();
  static int nextNode;
  static int inFlight;
  static volatile boolean stopping;

  public static void main(String[] args) throws Exception {
    s = parse(args);
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(2000)
        .setIdleTimeout(s.requestTimeoutMs).setIdleTimeoutUnit(TimeUnit.MILLISECONDS),
        new PoolOptions().setHttp1MaxSize(s.visitors + 8).setMaxWaitQueueSize(-1));
    wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(2000));
    int code;
    try {
      setUp();
      code = run();
    } finally {
      vertx.close().await();
    }
    System.exit(code);
  }

  static void setUp() {
    URI node = s.nodes.get(0);
    JsonObject signup = call(node, "/api/auth/signup", null, new JsonObject()
        .put("email", "fault-" + System.currentTimeMillis() + "@example.com").put("password", "bench-password-1")
        .put("companyName", "Fault Co")).await();
    jwt = signup.getString("token");
    tenantId = signup.getJsonObject("tenant").getString("id");
    widgetToken = signup.getJsonObject("tenant").getString("widgetToken");
    // the local assistant answers "pricing" from this sentence (a question it cannot answer is a handoff)
    assistantId = call(node, "/api/assistants", jwt, new JsonObject().put("name", "Fault run")
        .put("instructions", "Our pricing starts at 10 dollars a month.")).await()
        .getJsonObject("assistant").getString("id");
    System.out.printf("# tenant %s, assistant %s, %d nodes%n", tenantId, assistantId, s.nodes.size());
  }

  static int run() throws Exception {
    for (int i = 0; i < s.sockets; i++) {
      socks.add(new Sock(i, i % s.nodes.size()));
    }
    List<Future<Void>> connected = new ArrayList<>();
    for (Sock sock : socks) {
      connected.add(onLoop(() -> connect(sock)));
    }
    Future.all(connected).await(30, TimeUnit.SECONDS);
    onLoop(() -> {
      vertx.setPeriodic(500, id -> probeAll());
      for (int v = 0; v < s.visitors; v++) {
        int visitor = v;
        vertx.setTimer(1 + (long) s.intervalMs * v / s.visitors, id -> chatLoop(visitor, 0, null));
      }
      return Future.succeededFuture();
    }).await();
    Files.writeString(s.control.resolve("started"), System.currentTimeMillis() + "\n");
    System.out.printf("# %d sockets authenticated, %d visitors every %d ms%n", s.sockets, s.visitors, s.intervalMs);

    long deadline = System.currentTimeMillis() + s.maxSeconds * 1000L;
    while (!Files.exists(s.control.resolve("stop")) && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    stopping = true;
    long drain = System.currentTimeMillis() + s.requestTimeoutMs + 5000L;
    while (onLoop(() -> Future.succeededFuture(inFlight)).await() > 0 && System.currentTimeMillis() < drain) {
      Thread.sleep(100);
    }
    Pool pg = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(s.dbPort).setDatabase("postgres")
            .setUser("postgres").setPassword("postgres"))
        .using(vertx).build();
    long lastSeq = pg.preparedQuery("SELECT coalesce(max(seq), 0) FROM tenant_events WHERE tenant_id = $1")
        .execute(Tuple.of(tenantId)).map(rows -> rows.iterator().next().getLong(0)).await();
    long caughtUp = System.currentTimeMillis() + 20_000;
    while (onLoop(() -> Future.succeededFuture(socks.stream().allMatch(k -> k.lastId >= lastSeq))).await()
        .equals(Boolean.FALSE) && System.currentTimeMillis() < caughtUp) {
      Thread.sleep(200);
    }
    onLoop(() -> {
      for (Sock sock : socks) {
        sock.closing = true;
        if (sock.ws != null) {
          sock.ws.close();
        }
      }
      return Future.succeededFuture();
    }).await();
    List<Row> events = new ArrayList<>();
    pg.preparedQuery("SELECT seq, type, data FROM tenant_events WHERE tenant_id = $1 ORDER BY seq")
        .execute(Tuple.of(tenantId)).await().forEach(events::add);
    List<Row> messages = new ArrayList<>();
    pg.preparedQuery("SELECT conversation_id, role, content, seq FROM messages WHERE tenant_id = $1")
        .execute(Tuple.of(tenantId)).await().forEach(messages::add);
    pg.close().await();
    writeRecords();
    return new Checks(readMarks(), events, messages).report();
  }

  static <T> Future<T> onLoop(java.util.concurrent.Callable<Future<T>> work) {
    Promise<T> done = Promise.promise();
    vertx.runOnContext(v -> {
      try {
        work.call().onComplete(done);
      } catch (Exception e) {
        done.fail(e);
      }
    });
    return done.future();
  }

  // ---- load

  static void chatLoop(int visitor, int n, String conversationId) {
    if (stopping) {
      return;
    }
    long due = System.currentTimeMillis() + s.intervalMs;
    Chat chat = new Chat(visitor, "What is the pricing? fault-v" + visitor + "-n" + n + "-" + tenantId);
    chat.conversationId = conversationId;
    chats.add(chat);
    inFlight++;
    attempt(chat, nextNode++ % s.nodes.size(), 0).onComplete(ar -> {
      inFlight--;
      String conv = chat.conversationId != null ? chat.conversationId : conversationId;
      vertx.setTimer(Math.max(1, due - System.currentTimeMillis()), id -> chatLoop(visitor, n + 1, conv));
    });
  }

  /** Sends the chat to node; on a connection error only, to the next node (3 rounds of the nodes at most). */
  static Future<Void> attempt(Chat chat, int node, int tries) {
    URI uri = s.nodes.get(node);
    JsonObject body = new JsonObject().put("sessionId", "fault-session-" + chat.visitor).put("message", chat.text)
        .put("assistantId", assistantId);
    if (chat.conversationId != null) {
      body.put("conversationId", chat.conversationId);
    }
    long start = System.currentTimeMillis();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost())
        .setPort(uri.getPort()).setURI("/api/widgets/" + tenantId + "/chat").setIdleTimeout(s.requestTimeoutMs)
        .putHeader("Content-Type", "application/json").putHeader("Authorization", "Bearer " + widgetToken);
    Promise<Void> done = Promise.promise();
    http.request(options).compose(req -> req.send(body.toBuffer()))
        .compose(resp -> resp.body().map(b -> {
          chat.attempts.add(new Attempt(node, start, System.currentTimeMillis(), resp.statusCode(),
              resp.getHeader("Retry-After"), null));
          if (resp.statusCode() == 200) {
            JsonObject json = b.toJsonObject();
            chat.acknowledged = true;
            chat.conversationId = json.getString("conversationId");
            chat.reply = json.getString("message");
          }
          return (Void) null;
        }))
        .onSuccess(done::complete)
        .onFailure(err -> {
          chat.attempts.add(new Attempt(node, start, System.currentTimeMillis(), -1, null, kind(err)));
          if (connectionError(err) && tries + 1 < 3 * s.nodes.size()) {
            int next = (node + 1) % s.nodes.size();
            long delay = (tries + 1) % s.nodes.size() == 0 ? 500 : 1;
            vertx.setTimer(delay, id -> attempt(chat, next, tries + 1).onComplete(done));
          } else {
            done.complete();
          }
        });
    return done.future();
  }

  static boolean connectionError(Throwable err) {
    return err instanceof ConnectException || err instanceof HttpClosedException
        || err instanceof IOException
        || String.valueOf(err.getMessage()).toLowerCase(Locale.ROOT).contains("connection");
  }

  static String kind(Throwable err) {
    if (err instanceof TimeoutException || err.getClass().getSimpleName().contains("Timeout")) {
      return "timeout";
    }
    if (err instanceof ConnectException) {
      return "refused";
    }
    if (err instanceof HttpClosedException || String.valueOf(err.getMessage()).contains("closed")) {
      return "closed";
    }
    if (err instanceof IOException) {
      return "reset";
    }
    return err.getClass().getSimpleName().replace(' ', '_');
  }

  static void probeAll() {
    for (int i = 0; i < s.nodes.size(); i++) {
      int node = i;
      URI uri = s.nodes.get(i);
      long at = System.currentTimeMillis();
      http.request(new RequestOptions().setHost(uri.getHost()).setPort(uri.getPort()).setURI("/ready")
              .setIdleTimeout(2000))
          .compose(req -> req.send()).compose(resp -> resp.body().map(b -> resp.statusCode()))
          .onComplete(ar -> probes.add(new Probe(node, at, ar.succeeded() ? ar.result() : -1)));
    }
  }

  // ---- dashboard sockets

  static Future<Void> connect(Sock sock) {
    Promise<Void> authed = Promise.promise();
    open(sock, authed, sock.lastId);
    return authed.future();
  }

  /** One connection of sock to its node; authed completes at auth:ok, fails when it closes before. */
  static void open(Sock sock, Promise<Void> authed, long after) {
    boolean[] ok = {false};
    ClientWebSocket ws = wsClient.webSocket();
    ws.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      String type = frame.getString("type");
      if (!ok[0]) {
        if ("auth:ok".equals(type)) {
          ok[0] = true;
          sock.ws = ws;
          sock.connectedAt = System.currentTimeMillis();
          authed.tryComplete();
        }
        return;
      }
      String id = frame.getString("id");
      if (id == null) {
        return;
      }
      long seq = Long.parseLong(id);
      if (sock.seen.get((int) seq)) {
        sock.duplicates++;
      } else if (seq <= sock.lastId) {
        sock.outOfOrder++;
      }
      sock.seen.set((int) seq);
      sock.types.put(seq, type);
      sock.data.put(seq, frame.getJsonObject("data"));
      sock.lastId = Math.max(sock.lastId, seq);
    });
    boolean[] closed = {false};
    Runnable onClose = () -> {
      if (closed[0]) {
        return;
      }
      closed[0] = true;
      if (!ok[0]) {
        authed.tryFail("closed before auth:ok: " + ws.closeStatusCode() + " " + ws.closeReason());
        return;
      }
      if (sock.closing) {
        return;
      }
      Short code = ws.closeStatusCode();
      reconnect(sock, sock.node, System.currentTimeMillis(), code == null ? -1 : code, ws.closeReason(), 1);
    };
    ws.closeHandler(v -> onClose.run());
    ws.exceptionHandler(err -> {
      if (!ok[0]) {
        authed.tryFail(err);
      }
    });
    long timer = vertx.setTimer(10_000, id -> {
      if (!ok[0]) {
        authed.tryFail("no auth:ok within 10 s");
        ws.close();
      }
    });
    URI uri = s.nodes.get(sock.node);
    ws.connect(new WebSocketConnectOptions().setHost(uri.getHost()).setPort(uri.getPort()).setURI("/api/ws/tenant"))
        .onSuccess(w -> w.writeTextMessage(new JsonObject().put("type", "auth").put("token", jwt)
            .put("lastEventId", String.valueOf(after)).encode()))
        .onFailure(err -> {
          closed[0] = true;
          authed.tryFail(err);
        });
    authed.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  /** To the next node, from the last id seen; again on the one after if that fails. */
  static void reconnect(Sock sock, int from, long closedAt, int code, String reason, int tries) {
    if (sock.closing) {
      return;
    }
    sock.node = (sock.node + 1) % s.nodes.size();
    Promise<Void> authed = Promise.promise();
    open(sock, authed, sock.lastId);
    authed.future()
        .onSuccess(v -> reconnects.add(new Reconnect(sock.index, from, closedAt, code, reason, sock.node,
            System.currentTimeMillis(), tries)))
        .onFailure(err -> vertx.setTimer(tries % s.nodes.size() == 0 ? 500 : 50,
            id -> reconnect(sock, from, closedAt, code, reason, tries + 1)));
  }

  static Future<JsonObject> call(URI node, String path, String bearer, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(node.getHost())
        .setPort(node.getPort()).setURI(path).putHeader("Content-Type", "application/json");
    if (bearer != null) {
      options.putHeader("Authorization", "Bearer " + bearer);
    }
    return http.request(options).compose(req -> req.send(body.toBuffer()))
        .compose(resp -> resp.body().compose(b -> resp.statusCode() / 100 == 2
            ? Future.succeededFuture(b.toJsonObject())
            : Future.failedFuture("POST " + path + " answered " + resp.statusCode() + ": " + b)));
  }

  // ---- records and checks

  static void writeRecords() throws IOException {
    StringBuilder sb = new StringBuilder("# visitor\ttext\tnode\tstart_ms\tend_ms\tstatus\tretry_after\terror\n");
    for (Chat c : chats) {
      for (Attempt a : c.attempts) {
        sb.append(c.visitor).append('\t').append(c.text).append('\t').append(a.node() + 1).append('\t')
            .append(a.start()).append('\t').append(a.end()).append('\t').append(a.status()).append('\t')
            .append(a.retryAfter()).append('\t').append(a.error()).append('\n');
      }
    }
    Files.writeString(s.out.resolve("chats.tsv"), sb);
    sb = new StringBuilder("# socket\tfrom_node\tclosed_ms\tclose_code\treason\tto_node\tauthed_ms\ttries\n");
    for (Reconnect r : reconnects) {
      sb.append(r.socket()).append('\t').append(r.fromNode() + 1).append('\t').append(r.closedAt()).append('\t')
          .append(r.closeCode()).append('\t').append(r.reason()).append('\t').append(r.toNode() + 1).append('\t')
          .append(r.authedAt()).append('\t').append(r.tries()).append('\n');
    }
    Files.writeString(s.out.resolve("reconnects.tsv"), sb);
    sb = new StringBuilder("# node\tat_ms\tstatus\n");
    for (Probe p : probes) {
      sb.append(p.node() + 1).append('\t').append(p.at()).append('\t').append(p.status()).append('\n');
    }
    Files.writeString(s.out.resolve("ready.tsv"), sb);
  }

  /** name -> [wall-clock ms, argument (a node number, or 0)]. */
  static Map<String, long[]> readMarks() throws IOException {
    Map<String, long[]> marks = new TreeMap<>();
    for (String line : Files.readAllLines(s.control.resolve("marks"))) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 2) {
        marks.put(f[0], new long[] {Long.parseLong(f[1]), f.length > 2 ? Long.parseLong(f[2]) : 0});
      }
    }
    return marks;
  }

  static final class Checks {
    final Map<String, long[]> marks;
    final List<Row> events;
    final List<Row> messages;
    final List<String> results = new ArrayList<>();
    final StringBuilder keys = new StringBuilder();
    boolean failed;

    Checks(Map<String, long[]> marks, List<Row> events, List<Row> messages) {
      this.marks = marks;
      this.events = events;
      this.messages = messages;
    }

    int report() {
      durable();
      events();
      killRecovery();
      postgresOutage();
      sigterm();
      overall();
      results.forEach(System.out::println);
      System.out.println("RESULT" + keys);
      return failed ? 1 : 0;
    }

    void line(boolean pass, String check, String text) {
      failed |= !pass;
      results.add((pass ? "PASS " : "FAIL ") + check + ": " + text);
      keys.append(' ').append(check).append('=').append(pass ? "PASS" : "FAIL");
    }

    void key(String name, Object value) {
      keys.append(' ').append(name).append('=').append(value);
    }

    long at(String mark) {
      long[] m = marks.get(mark);
      return m == null ? -1 : m[0];
    }

    int node(String mark) {
      long[] m = marks.get(mark);
      return m == null ? -1 : (int) m[1] - 1;
    }

    static String sec(long ms) {
      return ms < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    void durable() {
      Map<String, List<Row>> byConversation = new HashMap<>();
      for (Row r : messages) {
        byConversation.computeIfAbsent(r.getString("conversation_id"), k -> new ArrayList<>()).add(r);
      }
      long acked = 0;
      long visitorFound = 0;
      long replyFound = 0;
      long duplicated = 0;
      List<String> missing = new ArrayList<>();
      for (Chat c : chats) {
        if (!c.acknowledged) {
          continue;
        }
        acked++;
        List<Row> rows = byConversation.getOrDefault(c.conversationId, List.of());
        long visitorSeq = Long.MAX_VALUE;
        int copies = 0;
        for (Row r : rows) {
          if ("visitor".equals(r.getString("role")) && c.text.equals(r.getString("content"))) {
            visitorSeq = Math.min(visitorSeq, r.getLong("seq"));
            copies++;
          }
        }
        long vs = visitorSeq;
        boolean reply = c.reply != null && rows.stream().anyMatch(r -> "assistant".equals(r.getString("role"))
            && c.reply.equals(r.getString("content")) && r.getLong("seq") > vs);
        visitorFound += copies > 0 ? 1 : 0;
        replyFound += reply ? 1 : 0;
        duplicated += copies > 1 ? 1 : 0;
        if ((copies == 0 || !reply) && missing.size() < 5) {
          missing.add(c.text + (copies == 0 ? " (visitor message)" : " (reply)"));
        }
      }
      long answered = chats.stream().filter(c -> !c.attempts.isEmpty()).count();
      key("chats", chats.size());
      key("acked", acked);
      key("acked_visitor_found", visitorFound);
      key("acked_reply_found", replyFound);
      line(acked > 0 && visitorFound == acked && replyFound == acked, "durable",
          String.format(Locale.ROOT, "%d chats sent, %d answered 200; visitor message found for %d, assistant reply "
              + "for %d; %d stored twice (a retry after a lost connection)%s", answered, acked, visitorFound,
              replyFound, duplicated, missing.isEmpty() ? "" : "; missing e.g. " + missing));
    }

    void events() {
      Map<Long, String> log = new TreeMap<>();
      Map<Long, JsonObject> logData = new HashMap<>();
      for (Row r : events) {
        log.put(r.getLong("seq"), r.getString("type"));
        logData.put(r.getLong("seq"), r.getJsonObject("data"));
      }
      long outOfOrder = 0;
      long duplicates = 0;
      long missing = 0;
      long extra = 0;
      long wrongType = 0;
      long wrongData = 0;
      List<String> per = new ArrayList<>();
      for (Sock k : socks) {
        long m = log.keySet().stream().filter(seq -> !k.seen.get(seq.intValue())).count();
        long x = k.seen.stream().filter(seq -> !log.containsKey((long) seq)).count();
        long t = log.entrySet().stream()
            .filter(e -> k.types.containsKey(e.getKey()) && !e.getValue().equals(k.types.get(e.getKey()))).count();
        wrongData += k.data.entrySet().stream()
            .filter(e -> logData.containsKey(e.getKey()) && !logData.get(e.getKey()).equals(e.getValue())).count();
        outOfOrder += k.outOfOrder;
        duplicates += k.duplicates;
        missing += m;
        extra += x;
        wrongType += t;
        per.add(k.seen.cardinality() + (m + x + k.duplicates + k.outOfOrder > 0 ? "!" : ""));
      }
      key("events", log.size());
      key("socket_missing", missing);
      key("socket_duplicates", duplicates);
      key("socket_out_of_order", outOfOrder);
      key("socket_wrong_data", wrongData);
      line(!log.isEmpty() && outOfOrder + duplicates + missing + extra + wrongType + wrongData == 0, "events",
          String.format(Locale.ROOT, "%d events in the tenant's log; %d sockets received %s; missing %d, duplicates %d, "
              + "out of order %d, not in the log %d, wrong type %d, data unlike the log's %d (over all sockets, %d "
              + "reconnects)", log.size(), socks.size(), per, missing, duplicates, outOfOrder, extra, wrongType,
              wrongData, reconnects.size()));
    }

    /** Every attempt of every chat that matches. */
    List<Attempt> attempts(Predicate<Attempt> which) {
      List<Attempt> out = new ArrayList<>();
      for (Chat c : chats) {
        for (Attempt a : c.attempts) {
          if (which.test(a)) {
            out.add(a);
          }
        }
      }
      return out;
    }

    static String outcomes(List<Attempt> list) {
      Map<String, Integer> n = new TreeMap<>();
      for (Attempt a : list) {
        n.merge(a.status() > 0 ? String.valueOf(a.status()) : a.error(), 1, Integer::sum);
      }
      return n.isEmpty() ? "none" : n.toString().replace(" ", "");
    }

    String reconnectTimes(List<Reconnect> list, long since) {
      Histogram h = Hist.create();
      Histogram fromFault = Hist.create();
      for (Reconnect r : list) {
        h.recordValue(Math.max(0, r.authedAt() - r.closedAt()) * 1000);
        fromFault.recordValue(Math.max(0, r.authedAt() - since) * 1000);
      }
      if (list.isEmpty()) {
        return "no socket reconnected";
      }
      Map<String, Integer> codes = new TreeMap<>();
      list.forEach(r -> codes.merge(String.valueOf(r.closeCode()), 1, Integer::sum));
      return String.format(Locale.ROOT, "%d sockets reconnected, close codes %s, close to auth:ok elsewhere p50 %s max %s "
          + "(from the fault: max %s)", list.size(), codes.toString().replace(" ", ""),
          sec(h.getValueAtPercentile(50) / 1000), sec(h.getMaxValue() / 1000), sec(fromFault.getMaxValue() / 1000));
    }

    long maxReconnect(List<Reconnect> list) {
      return list.stream().mapToLong(r -> r.authedAt() - r.closedAt()).max().orElse(-1);
    }

    void killRecovery() {
      long kill = at("kill9");
      int dead = node("kill9");
      long end = at("kill9_node_up") > 0 ? at("kill9_node_up") : at("pg_stop");
      if (kill < 0) {
        line(false, "kill9", "no kill -9 mark");
        return;
      }
      List<String> survivors = new ArrayList<>();
      long worst = 0;
      for (int n = 0; n < s.nodes.size(); n++) {
        if (n == dead) {
          continue;
        }
        int node = n;
        long first = attempts(a -> a.node() == node && a.start() >= kill && a.status() == 200).stream()
            .mapToLong(Attempt::end).min().orElse(-1);
        long recovery = first < 0 ? Long.MAX_VALUE : first - kill;
        worst = Math.max(worst, recovery);
        survivors.add("node" + (n + 1) + " " + sec(first < 0 ? -1 : recovery));
      }
      List<Attempt> inFlight = attempts(a -> a.node() == dead && a.start() < kill && a.end() >= kill);
      List<Attempt> survivorsBad = attempts(a -> a.node() != dead && a.end() >= kill && a.end() < end
          && a.status() != 200);
      long stall = attempts(a -> a.node() != dead && a.start() < kill + 10_000 && a.end() >= kill).stream()
          .mapToLong(a -> a.end() - a.start()).max().orElse(-1);
      List<Reconnect> moved = reconnects.stream().filter(r -> r.fromNode() == dead && r.closedAt() >= kill
          && r.closedAt() < end).toList();
      long onDead = socketsOn(dead, kill);
      long reconnectMax = maxReconnect(moved);
      long limit = (long) (s.recoveryLimitS * 1000);
      Histogram usual = Hist.create();
      attempts(a -> a.status() == 200 && a.start() >= at("start") && a.end() < kill)
          .forEach(a -> usual.recordValue((a.end() - a.start()) * 1000));
      key("warmup_chat_p50_ms", usual.getValueAtPercentile(50) / 1000);
      key("kill9_recovery_ms", worst == Long.MAX_VALUE ? -1 : worst);
      key("kill9_reconnect_max_ms", reconnectMax);
      line(worst <= limit && moved.size() == onDead && reconnectMax <= limit, "kill9",
          String.format(Locale.ROOT, "kill -9 node%d: first 200 of a chat sent after the kill on %s (limit %.0f s; a chat "
              + "takes %s (p50) in the warm-up), longest chat on the survivors around it %s, their non-200 answers %s; in flight on node%d %s (retried on the next node); "
              + "%d of its %d sockets: %s", dead + 1, survivors, s.recoveryLimitS,
              sec(usual.getValueAtPercentile(50) / 1000), sec(stall), outcomes(survivorsBad),
              dead + 1, outcomes(inFlight), moved.size(), onDead, reconnectTimes(moved, kill)));
    }

    /** The sockets connected to node at time t, from the reconnect records (each starts on index % nodes). */
    long socketsOn(int node, long t) {
      long n = 0;
      for (Sock k : socks) {
        int where = k.index % s.nodes.size();
        for (Reconnect r : reconnects) {
          if (r.socket() == k.index && r.authedAt() <= t) {
            where = r.toNode();
          }
        }
        n += where == node ? 1 : 0;
      }
      return n;
    }

    void postgresOutage() {
      long stop = at("pg_stop");
      long up = at("pg_up");
      long after = at("sigterm") > 0 ? at("sigterm") : Long.MAX_VALUE;
      if (stop < 0 || up < 0) {
        line(false, "postgres", "no PostgreSQL stop/start marks");
        return;
      }
      List<Attempt> outage = attempts(a -> a.end() >= stop && a.start() < up);
      long first503 = outage.stream().filter(a -> a.status() == 503).mapToLong(Attempt::end).min().orElse(-1);
      long first503ms = first503 < 0 ? -1 : first503 - stop;
      long without = attempts(a -> a.status() == 503 && (a.retryAfter() == null || a.retryAfter().isBlank())).size();
      List<Attempt> other5xx = outage.stream().filter(a -> a.status() >= 500 && a.status() != 503).toList();
      List<Attempt> noAnswer = outage.stream().filter(a -> a.status() < 0).toList();
      long firstOk = attempts(a -> a.start() >= up && a.status() == 200).stream().mapToLong(Attempt::end).min()
          .orElse(-1);
      long recovery = firstOk < 0 ? -1 : firstOk - up;
      List<String> ready = new ArrayList<>();
      boolean ready503 = true;
      for (int n = 0; n < s.nodes.size(); n++) {
        int node = n;
        boolean saw = probes.stream().anyMatch(p -> p.node() == node && p.at() >= stop && p.at() < up
            && p.status() == 503);
        long back = probes.stream().filter(p -> p.node() == node && p.at() >= up && p.at() < after
            && p.status() == 200).mapToLong(Probe::at).min().orElse(-1);
        ready503 &= saw;
        ready.add("node" + (n + 1) + (saw ? " 503" : " never 503") + ", 200 again after " + sec(back < 0 ? -1 : back - up));
      }
      long acked = outage.stream().filter(a -> a.status() == 200).count();
      key("pg_first_503_ms", first503ms);
      key("pg_recovery_ms", recovery);
      key("pg_other_5xx", other5xx.size());
      key("pg_no_answer", noAnswer.size());
      boolean pass = first503ms >= 0 && first503ms <= s.first503LimitS * 1000 && without == 0 && ready503
          && recovery >= 0 && recovery <= s.recoveryLimitS * 1000 && other5xx.isEmpty() && noAnswer.isEmpty();
      line(pass, "postgres", String.format(Locale.ROOT, "PostgreSQL down %s: first 503 %s after the stop (limit %.0f s), "
              + "503s without Retry-After %d (whole run), chats answered during the outage %s (other 5xx %d, no "
              + "answer %d, 200 %d), /ready %s; first 200 %s after PostgreSQL was back (limit %.0f s)",
          sec(up - stop), sec(first503ms), s.first503LimitS, without, outcomes(outage), other5xx.size(),
          noAnswer.size(), acked, ready, sec(recovery), s.recoveryLimitS));
    }

    void sigterm() {
      long term = at("sigterm");
      int node = node("sigterm");
      long exit = at("sigterm_exit");
      if (term < 0) {
        line(false, "sigterm", "no SIGTERM mark");
        return;
      }
      long end = at("sigterm_node_up") > 0 ? at("sigterm_node_up") : Long.MAX_VALUE;
      List<Attempt> inFlight = attempts(a -> a.node() == node && a.start() < term && a.end() >= term);
      List<Attempt> during = attempts(a -> a.node() == node && a.start() >= term && a.start() < (exit < 0 ? end : exit));
      long bad = inFlight.stream().filter(a -> !(a.status() == 200 || a.status() == 503 && a.retryAfter() != null))
          .count();
      long fiveHundreds = attempts(a -> a.node() == node && a.end() >= term && a.end() < end && a.status() >= 500
          && a.status() != 503).size();
      List<Reconnect> moved = reconnects.stream().filter(r -> r.fromNode() == node && r.closedAt() >= term
          && r.closedAt() < end).toList();
      long onNode = socketsOn(node, term);
      boolean clean = moved.stream().allMatch(r -> r.closeCode() > 0 && r.closeCode() != 1006);
      long reconnectMax = maxReconnect(moved);
      key("sigterm_in_flight", inFlight.size());
      key("sigterm_in_flight_lost", bad);
      key("sigterm_500", fiveHundreds);
      key("sigterm_reconnect_max_ms", reconnectMax);
      line(bad == 0 && fiveHundreds == 0 && moved.size() == onNode && clean
              && reconnectMax <= s.recoveryLimitS * 1000, "sigterm",
          String.format(Locale.ROOT, "SIGTERM node%d (exited after %s): %d chats in flight: %s; sent to it after the "
              + "signal: %s; 5xx but 503 %d; %d of its %d sockets: %s%s", node + 1,
              sec(exit < 0 ? -1 : exit - term), inFlight.size(), outcomes(inFlight), outcomes(during), fiveHundreds,
              moved.size(), onNode, reconnectTimes(moved, term), clean ? "" : " (a socket closed without a close frame)"));
    }

    void overall() {
      List<Attempt> all = attempts(a -> true);
      key("attempts", all.size());
      results.add("INFO outcomes of every chat attempt over the run: " + outcomes(all)
          + String.format(Locale.ROOT, "; chats never answered 200: %d", chats.stream().filter(c -> !c.acknowledged)
              .count()));
    }
  }

  static Settings parse(String[] args) {
    Settings s = new Settings();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--nodes" -> {
          for (String n : v.split(",")) {
            s.nodes.add(URI.create(n.trim()));
          }
        }
        case "--db-port" -> s.dbPort = Integer.parseInt(v);
        case "--visitors" -> s.visitors = Integer.parseInt(v);
        case "--interval-ms" -> s.intervalMs = Integer.parseInt(v);
        case "--sockets" -> s.sockets = Integer.parseInt(v);
        case "--request-timeout-ms" -> s.requestTimeoutMs = Integer.parseInt(v);
        case "--first-503-limit-s" -> s.first503LimitS = Double.parseDouble(v);
        case "--recovery-limit-s" -> s.recoveryLimitS = Double.parseDouble(v);
        case "--max-seconds" -> s.maxSeconds = Integer.parseInt(v);
        case "--control" -> s.control = Path.of(v);
        case "--out" -> s.out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (s.nodes.isEmpty() || s.control == null || s.out == null) {
      throw new IllegalArgumentException("--nodes, --control and --out are required");
    }
    return s;
  }
}
