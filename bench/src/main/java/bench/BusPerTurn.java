package bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
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
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * Clustered event-bus messages per chat turn and per agent reply, counted by the server itself.
 *
 * <p>T tenants are signed up on the first node; each gets one dashboard socket on the second node,
 * so that every tenant event has to cross the cluster to reach it. Then two phases, each through
 * the first node: per tenant one widget conversation of {@code --turns} chat turns, then
 * {@code --replies} agent replies to it. Around each phase the second node's
 * {@code livechat_tenant_bus_events_received_total} and {@code livechat_tenant_bus_messages_received_total}
 * are read; a phase ends once the sockets have received as many event frames as the events counter
 * grew by and nothing has moved for {@code --quiet-ms} (bounded by {@code --max-wait-seconds}).
 * A server without the messages counter (before events were batched per transaction) sent one
 * message per event, which is what is reported for it.
 *
 * <p>With {@code --pg-port} (a PostgreSQL that loads pg_stat_statements, with track_utility on), it
 * also counts the database statements, i.e. round trips, BEGIN and COMMIT included: the calls in
 * pg_stat_statements around each phase, less the statements the phase does not cause, recognised
 * by their text (see {@link #excludedBecause}) and printed apart so that a reader can check them.
 * The chat turns are two phases for that: the first turn of every conversation (which opens it and
 * reads no history), then the later ones; the bus figures are over both.
 *
 * <p>This is a count, not a timing: requests go one tenant after another in a few lanes, and any
 * failed request ends the run. Prints a {@code PHASE ...} line per phase, the statement tables
 * ({@code # ...}), the summary lines ({@code bus-per-turn: ...}) and a {@code RESULT ...} line.
 */
public final class BusPerTurn {

  static final String MESSAGES = "livechat_tenant_bus_messages_received_total";
  static final String EVENTS = "livechat_tenant_bus_events_received_total";
  // the visitor's side of a conversation with the default (local, offline) assistant: a greeting,
  // then name and email (contact data: conversation:updated; both required: conversation:qualified)
  static final String[] SCRIPT = {"Hello", "My name is Ann", "my email is ann@example.com", "Hello"};

  static URI chatNode;
  static URI socketNode;
  static int tenantCount = 20;
  static int turns = 4;
  static int replies = 3;
  static int lanes = 4;
  static int settleMs = 2000;
  static int quietMs = 1000;
  static int maxWaitSeconds = 60;
  static int pgPort = 0; // 0: no database counts

  /**
   * Statements of the nodes' own timers, by their exact text (whitespace collapsed): never caused by
   * a chat turn or a reply, and not run by them either (only the tenant channels and sockets use the
   * event log's reads), so leaving them out loses nothing of a phase. Same texts in the older build.
   */
  static final Map<String, String> NOT_CAUSED = Map.of(
      "SELECT last_seq FROM tenant_event_counters WHERE tenant_id = $1",
      "tenant channels' poll (every 2 s per tenant with sockets)",
      "SELECT seq, type, data FROM tenant_events WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4",
      "event log read by a channel or socket catching up (a poll that saw a commit before its bus message)",
      "SELECT 1",
      "/ready");
  static final String OWN = "this generator's own pg_stat_statements queries";

  static Pool pg;

  record Tenant(String id, String jwt, String widgetToken) {}

  /**
   * The second node's two counters (messages is NaN on a server that has no such counter) and the
   * database's calls by statement text (empty without --pg-port).
   */
  record Counters(double events, double messages, Map<String, Long> sql) {
    long counted() {
      return sql.entrySet().stream().filter(e -> excludedBecause(e.getKey()) == null).mapToLong(Map.Entry::getValue).sum();
    }
  }

  /**
   * What one phase cost, as seen by the second node and its sockets, and in statements (calls by
   * text, excluded ones included: {@link #counted}, {@link #transactionControl} and
   * {@link #excluded} sort them).
   */
  record Phase(String name, int ops, double events, double messages, long frames, Map<String, Long> types,
      long waitedMs, String warning, Map<String, Long> sql) {

    /** Both phases as one (the chat turns: first and later). */
    Phase plus(String combined, Phase o) {
      return new Phase(combined, ops + o.ops, events + o.events, messages + o.messages, frames + o.frames,
          sum(types, o.types), waitedMs + o.waitedMs,
          String.join("; ", List.of(warning, o.warning).stream().filter(w -> !w.isEmpty()).toList()), sum(sql, o.sql));
    }

    long statements() {
      return counted().values().stream().mapToLong(Long::longValue).sum();
    }

    /** BEGIN and COMMIT: each its own round trip, counted in statements() too. */
    long transactionControl() {
      return counted().entrySet().stream().filter(e -> isBeginOrCommit(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }

    Map<String, Long> counted() {
      Map<String, Long> out = new HashMap<>();
      sql.forEach((q, n) -> {
        if (excludedBecause(q) == null && n > 0) {
          out.put(q, n);
        }
      });
      return out;
    }

    /** Calls left out, by reason. */
    Map<String, Long> excluded() {
      Map<String, Long> out = new TreeMap<>();
      NOT_CAUSED.values().forEach(reason -> out.put(reason, 0L));
      out.put(OWN, 0L);
      sql.forEach((q, n) -> {
        String reason = excludedBecause(q);
        if (reason != null) {
          out.merge(reason, n, Long::sum);
        }
      });
      return out;
    }
  }

  static Map<String, Long> sum(Map<String, Long> a, Map<String, Long> b) {
    Map<String, Long> out = new TreeMap<>(a);
    b.forEach((k, v) -> out.merge(k, v, Long::sum));
    return out;
  }

  /** Why a statement is not counted, or null when it is. */
  static String excludedBecause(String query) {
    String q = oneLine(query);
    // the CREATE EXTENSION and every read of the view (all of them name it)
    if (q.contains("pg_stat_statements")) {
      return OWN;
    }
    return NOT_CAUSED.get(q);
  }

  static boolean isBeginOrCommit(String query) {
    String q = oneLine(query).toUpperCase(Locale.ROOT);
    return q.equals("BEGIN") || q.equals("COMMIT");
  }

  static String oneLine(String query) {
    return query.strip().replaceAll("\\s+", " ");
  }

  // every event frame the sockets received, in total and by type (written on the event loop)
  static final LongAdder frames = new LongAdder();
  static final Map<String, LongAdder> framesByType = new ConcurrentHashMap<>();
  static final LongAdder duplicates = new LongAdder();
  static final LongAdder idGaps = new LongAdder();
  static final LongAdder otherFrames = new LongAdder();
  static final AtomicInteger closedSockets = new AtomicInteger();

  public static void main(String[] args) throws Exception {
    parse(args);
    // one event loop is plenty for T sockets and a few requests in flight
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      if (pgPort > 0) {
        pg = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
            .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(pgPort).setDatabase("postgres")
                .setUser("postgres").setPassword("postgres"))
            .using(vertx).build();
        // here, not before the nodes start: in an empty public schema, or Flyway refuses a
        // non-empty schema without its history table (the statistics run from the server's start anyway)
        pg.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute().await(20, TimeUnit.SECONDS);
      }
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(lanes));
      WebSocketClient wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(10_000));

      Tenant[] tenants = new Tenant[tenantCount];
      inLanes(t -> createTenant(http, "bus-per-turn-" + Long.toString(System.currentTimeMillis(), 36) + "-" + t)
          .map(tenant -> {
            tenants[t] = tenant;
            return null;
          }), 120);
      System.out.printf(Locale.ROOT, "# %d tenants signed up on %s%n", tenantCount, chatNode);

      List<Future<Void>> sockets = new ArrayList<>();
      for (Tenant t : tenants) {
        sockets.add(openSocket(vertx, wsClient, t));
      }
      Future.all(sockets).await(60, TimeUnit.SECONDS);
      System.out.printf(Locale.ROOT, "# %d dashboard sockets authenticated on %s%n", tenantCount, socketNode);
      // auth:ok means the second node's consumer is registered; the first node learns of it through
      // the cluster's subscription map shortly after. An event published before that would reach the
      // socket from the event log instead (the frame count would then exceed the bus counters).
      Thread.sleep(settleMs);

      String[] conversations = new String[tenantCount];
      // the first turn of every conversation, then the later ones: they differ in statements
      Phase first = phase(http, "first-turns", tenantCount,
          () -> inLanes(t -> chatTurns(http, tenants[t], conversations, t, 0, 1), 300));
      Phase later = turns > 1
          ? phase(http, "later-turns", tenantCount * (turns - 1),
              () -> inLanes(t -> chatTurns(http, tenants[t], conversations, t, 1, turns), 300))
          : null;
      Phase chat = later == null ? first : first.plus("chat", later);
      Phase reply = phase(http, "replies", tenantCount * replies, () -> inLanes(t -> agentReplies(http, tenants[t], conversations[t]), 300));
      if (pg != null) {
        printStatements(first, later, chat, reply);
      }

      boolean oldServer = Double.isNaN(chat.messages()) || Double.isNaN(reply.messages());
      String note = oldServer ? " (old server: one message per event)" : "";
      double chatMessages = oldServer ? chat.events() : chat.messages();
      double replyMessages = oldServer ? reply.events() : reply.messages();
      System.out.printf(Locale.ROOT,
          "bus-per-turn: chat turns %d: cluster messages %.0f (%s per turn), events %.0f (%s per turn); "
              + "agent replies %d: messages %.0f (%s per reply), events %.0f (%s per reply)%s%n",
          chat.ops(), chatMessages, per(chatMessages, chat.ops()), chat.events(), per(chat.events(), chat.ops()),
          reply.ops(), replyMessages, per(replyMessages, reply.ops()), reply.events(), per(reply.events(), reply.ops()),
          note);
      boolean framesMatch = chat.frames() == (long) chat.events() && reply.frames() == (long) reply.events();
      System.out.printf(Locale.ROOT,
          "bus-per-turn: frames received by the %d sockets on node 2: chat %d, replies %d (%s); "
              + "duplicates %d, id gaps %d, other frames %d, sockets closed %d%n",
          tenantCount, chat.frames(), reply.frames(), framesMatch ? "= events" : "MISMATCH with the events counter",
          duplicates.sum(), idGaps.sum(), otherFrames.sum(), closedSockets.get());
      for (Phase p : List.of(chat, reply)) {
        System.out.printf(Locale.ROOT, "bus-per-turn: %s frames by type: %s%s%n", p.name(), p.types(),
            p.warning().isEmpty() ? "" : " (WARNING " + p.warning() + ")");
      }
      if (pg != null) {
        System.out.printf(Locale.ROOT,
            "bus-per-turn: database statements per chat turn %s (BEGIN/COMMIT %s), per agent reply %s (BEGIN/COMMIT %s)%n",
            per(chat.statements(), chat.ops()), per(chat.transactionControl(), chat.ops()),
            per(reply.statements(), reply.ops()), per(reply.transactionControl(), reply.ops()));
        if (later != null) {
          System.out.printf(Locale.ROOT,
              "bus-per-turn: database statements per first turn of a conversation %s (BEGIN/COMMIT %s), "
                  + "per later turn %s (BEGIN/COMMIT %s)%n",
              per(first.statements(), first.ops()), per(first.transactionControl(), first.ops()),
              per(later.statements(), later.ops()), per(later.transactionControl(), later.ops()));
        }
      }
      System.out.printf(Locale.ROOT,
          "RESULT old_server=%s chat_turns=%d chat_messages=%.0f chat_events=%.0f chat_frames=%d "
              + "replies=%d reply_messages=%.0f reply_events=%.0f reply_frames=%d duplicates=%d gaps=%d closed=%d "
              + "frames_match=%s%s%n",
          oldServer, chat.ops(), chatMessages, chat.events(), chat.frames(), reply.ops(), replyMessages,
          reply.events(), reply.frames(), duplicates.sum(), idGaps.sum(), closedSockets.get(), framesMatch,
          pg == null ? "" : String.format(Locale.ROOT,
              " chat_statements=%d chat_begin_commit=%d first_turn_statements=%d later_turn_statements=%d "
                  + "reply_statements=%d reply_begin_commit=%d",
              chat.statements(), chat.transactionControl(), first.statements(),
              later == null ? 0 : later.statements(), reply.statements(), reply.transactionControl()));
      // a count that does not add up is a failed run, not a figure
      if (!framesMatch || !chat.warning().isEmpty() || !reply.warning().isEmpty() || closedSockets.get() > 0) {
        System.exit(3);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Per phase: its statements and what was left out; then the statements of the chat turns and of the replies. */
  static void printStatements(Phase first, Phase later, Phase chat, Phase reply) {
    List<Phase> phases = new ArrayList<>(List.of(first));
    if (later != null) {
      phases.add(later);
    }
    phases.add(reply);
    for (Phase p : phases) {
      System.out.printf(Locale.ROOT, "# database, %s: %d statements for %d operations (%s per operation), "
              + "BEGIN/COMMIT among them %d (%s per operation)%n",
          p.name(), p.statements(), p.ops(), per(p.statements(), p.ops()), p.transactionControl(),
          per(p.transactionControl(), p.ops()));
      System.out.printf(Locale.ROOT, "#   not counted (not caused by the phase), calls during it:%n");
      p.excluded().forEach((reason, n) -> System.out.printf(Locale.ROOT, "#     %6d  %s%n", n, reason));
    }
    System.out.printf(Locale.ROOT, "# database statements of the %d chat turns (%d first, %d later), by calls:%n",
        chat.ops(), first.ops(), later == null ? 0 : later.ops());
    System.out.printf(Locale.ROOT, "#    calls  per turn   first   later  statement%n");
    Map<String, Long> firstCalls = first.counted();
    Map<String, Long> laterCalls = later == null ? Map.of() : later.counted();
    for (Map.Entry<String, Long> e : byCalls(chat.counted())) {
      System.out.printf(Locale.ROOT, "#   %6d  %8s  %6d  %6d  %s%n", e.getValue(), per(e.getValue(), chat.ops()),
          firstCalls.getOrDefault(e.getKey(), 0L), laterCalls.getOrDefault(e.getKey(), 0L), shortText(e.getKey()));
    }
    System.out.printf(Locale.ROOT, "# database statements of the %d agent replies, by calls:%n", reply.ops());
    System.out.printf(Locale.ROOT, "#    calls  per reply  statement%n");
    for (Map.Entry<String, Long> e : byCalls(reply.counted())) {
      System.out.printf(Locale.ROOT, "#   %6d  %9s  %s%n", e.getValue(), per(e.getValue(), reply.ops()), shortText(e.getKey()));
    }
  }

  static List<Map.Entry<String, Long>> byCalls(Map<String, Long> calls) {
    return calls.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .toList();
  }

  /** Its start and its end: statements of one table often differ only at the end (one event or many). */
  static String shortText(String query) {
    String q = oneLine(query);
    return q.length() <= 120 ? q : q.substring(0, 75) + " ... " + q.substring(q.length() - 40);
  }

  static String per(double count, int ops) {
    return ops > 0 ? String.format(Locale.ROOT, "%.2f", count / ops) : "n/a";
  }

  /** Runs one phase: the counters and the frames before, the work, then a bounded wait for its frames. */
  static Phase phase(HttpClient http, String name, int ops, ThrowingRunnable work) throws Exception {
    Counters before = scrape(http);
    long frames0 = frames.sum();
    Map<String, Long> types0 = typeCounts();
    long t0 = System.nanoTime();
    work.run();
    long httpDone = System.nanoTime();

    // The HTTP answers may come before the events have crossed the cluster (they are published after
    // the commit), so wait: done once the frames match the events counter and nothing has moved for
    // quietMs (the counted statements included, should any come after the answer). Without a match,
    // give up after a few of the server's log-poll intervals of stillness (2 s by default: any event
    // still missing would have come from the log by then), or at the bound.
    long deadline = httpDone + TimeUnit.SECONDS.toNanos(maxWaitSeconds);
    long stillSince = System.nanoTime();
    Counters last = before;
    Counters latest = before; // for the statements: the excluded ones move all the time
    long lastFrames = frames0;
    String warning = "";
    while (true) {
      Counters now = scrape(http);
      latest = now;
      long f = frames.sum();
      long t = System.nanoTime();
      if (!same(now, last) || f != lastFrames) {
        last = now;
        lastFrames = f;
        stillSince = t;
      }
      double events = now.events() - before.events();
      boolean match = f - frames0 == (long) events && (events > 0 || ops == 0);
      long still = TimeUnit.NANOSECONDS.toMillis(t - stillSince);
      if (match && still >= quietMs) {
        break;
      }
      if (still >= Math.max(quietMs, 6000)) {
        warning = "frames " + (f - frames0) + " != events " + (long) events + " after " + still + " ms without change";
        break;
      }
      if (t >= deadline) {
        warning = "still moving after " + maxWaitSeconds + " s";
        break;
      }
      Thread.sleep(100);
    }
    Map<String, Long> types = new TreeMap<>();
    typeCounts().forEach((k, v) -> {
      long d = v - types0.getOrDefault(k, 0L);
      if (d != 0) {
        types.put(k, d);
      }
    });
    // the counted ones have not moved since last (that ended the wait), the excluded up to latest
    Map<String, Long> sql = new TreeMap<>(latest.sql());
    before.sql().forEach((q, n) -> sql.merge(q, -n, Long::sum));
    Phase p = new Phase(name, ops, last.events() - before.events(), last.messages() - before.messages(),
        lastFrames - frames0, types, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - httpDone), warning, sql);
    System.out.printf(Locale.ROOT,
        "PHASE name=%s ops=%d events=%.0f messages=%.0f frames=%d statements=%d begin_commit=%d http_ms=%d "
            + "waited_ms=%d types=%s%s%n",
        p.name(), p.ops(), p.events(), p.messages(), p.frames(), p.statements(), p.transactionControl(),
        TimeUnit.NANOSECONDS.toMillis(httpDone - t0), p.waitedMs(), p.types(),
        warning.isEmpty() ? "" : " warning=\"" + warning + "\"");
    return p;
  }

  static boolean same(Counters a, Counters b) {
    return Double.compare(a.events(), b.events()) == 0 && Double.compare(a.messages(), b.messages()) == 0
        && a.counted() == b.counted();
  }

  static Map<String, Long> typeCounts() {
    Map<String, Long> out = new TreeMap<>();
    framesByType.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Runs task(t) for every tenant, tenants one after another within each of the lanes; bounded. */
  static void inLanes(IntFunction<Future<Void>> task, int timeoutSeconds) throws Exception {
    List<Future<Void>> all = new ArrayList<>();
    for (int lane = 0; lane < lanes; lane++) {
      Future<Void> chain = Future.succeededFuture();
      for (int t = lane; t < tenantCount; t += lanes) {
        int k = t;
        chain = chain.compose(v -> task.apply(k));
      }
      all.add(chain);
    }
    Future.all(all).await(timeoutSeconds, TimeUnit.SECONDS);
  }

  static Future<Tenant> createTenant(HttpClient http, String name) {
    JsonObject body = new JsonObject().put("email", name + "@example.com").put("password", "bench-password-1")
        .put("companyName", "Bench " + name);
    return call(http, chatNode, HttpMethod.POST, "/api/auth/signup", null, body)
        .map(r -> new Tenant(r.getJsonObject("tenant").getString("id"), r.getString("token"),
            r.getJsonObject("tenant").getString("widgetToken")));
  }

  /** Turns {@code from} to {@code to - 1} of the tenant's widget conversation, each waiting for the previous answer. */
  static Future<Void> chatTurns(HttpClient http, Tenant t, String[] conversations, int k, int from, int to) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = from; i < to; i++) {
      String message = SCRIPT[i % SCRIPT.length];
      chain = chain.compose(v -> {
        JsonObject body = new JsonObject().put("sessionId", "s1").put("message", message);
        if (conversations[k] != null) {
          body.put("conversationId", conversations[k]);
        }
        return call(http, chatNode, HttpMethod.POST, "/api/widgets/" + t.id() + "/chat", t.widgetToken(), body)
            .map(r -> {
              conversations[k] = r.getString("conversationId");
              return null;
            });
      });
    }
    return chain;
  }

  static Future<Void> agentReplies(HttpClient http, Tenant t, String conversationId) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < replies; i++) {
      JsonObject body = new JsonObject().put("content", "bus-per-turn agent reply " + (i + 1));
      chain = chain.compose(v -> call(http, chatNode, HttpMethod.POST,
          "/api/conversations/" + conversationId + "/messages", t.jwt(), body).mapEmpty());
    }
    return chain;
  }

  /** A dashboard socket of the tenant on the second node, complete once authenticated. */
  static Future<Void> openSocket(Vertx vertx, WebSocketClient client, Tenant t) {
    Promise<Void> authed = Promise.promise();
    long[] lastId = {-1};
    ClientWebSocket ws = client.webSocket();
    ws.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      String type = frame.getString("type", "");
      if (!authed.future().isComplete()) {
        if ("auth:ok".equals(type)) {
          authed.complete();
        } else {
          authed.tryFail("unexpected first frame: " + text);
        }
        return;
      }
      // a tenant event's id is its seq as a string; pong and the like have none
      Object rawId = frame.getValue("id");
      if (rawId == null) {
        otherFrames.increment();
        return;
      }
      long id = Long.parseLong(rawId.toString());
      // the server numbers a tenant's events without gaps, and this socket sees them all in order
      if (lastId[0] >= 0 && id <= lastId[0]) {
        duplicates.increment();
        return;
      }
      if (lastId[0] >= 0 && id != lastId[0] + 1) {
        idGaps.increment();
      }
      lastId[0] = id;
      frames.increment();
      framesByType.computeIfAbsent(type, x -> new LongAdder()).increment();
    });
    ws.closeHandler(v -> {
      if (authed.future().succeeded()) {
        closedSockets.incrementAndGet();
      }
      authed.tryFail("closed before auth:ok: " + ws.closeStatusCode() + " " + ws.closeReason());
    });
    ws.exceptionHandler(authed::tryFail);
    long timer = vertx.setTimer(30_000, x -> authed.tryFail("no auth:ok within 30 s"));
    ws.connect(new WebSocketConnectOptions().setHost(socketNode.getHost()).setPort(socketNode.getPort())
            .setURI("/api/ws/tenant"))
        .onSuccess(w -> w.writeTextMessage(new JsonObject().put("type", "auth").put("token", t.jwt()).encode()))
        .onFailure(authed::tryFail);
    return authed.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  static Counters scrape(HttpClient http) throws Exception {
    String text = http.request(new RequestOptions().setHost(socketNode.getHost()).setPort(socketNode.getPort())
            .setURI("/metrics").setIdleTimeout(10_000))
        .compose(req -> req.send()).compose(resp -> resp.body()).await(20, TimeUnit.SECONDS).toString();
    double events = WsFanout.metric(text, EVENTS);
    if (Double.isNaN(events)) {
      throw new IllegalStateException("node 2 has no " + EVENTS + " in its /metrics");
    }
    return new Counters(events, WsFanout.metric(text, MESSAGES), statements());
  }

  /** The database's calls so far by statement text (summed over users and databases: all are the nodes'). */
  static Map<String, Long> statements() throws Exception {
    Map<String, Long> out = new HashMap<>();
    if (pg == null) {
      return out;
    }
    for (Row r : pg.query("SELECT query, calls FROM pg_stat_statements").execute().await(20, TimeUnit.SECONDS)) {
      out.merge(r.getString("query"), r.getLong("calls"), Long::sum);
    }
    return out;
  }

  static Future<JsonObject> call(HttpClient http, URI node, HttpMethod method, String path, String bearer,
      JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost(node.getHost()).setPort(node.getPort())
        .setURI(path).setIdleTimeout(30_000).putHeader("Content-Type", "application/json");
    if (bearer != null) {
      options.putHeader("Authorization", "Bearer " + bearer);
    }
    return http.request(options).compose(req -> req.send(body.toBuffer()))
        .compose(resp -> resp.body().compose(b -> resp.statusCode() / 100 == 2
            ? Future.succeededFuture(b.toJsonObject())
            : Future.failedFuture(method + " " + path + " answered " + resp.statusCode() + ": " + b)));
  }

  static void parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[++i] : "";
      switch (a) {
        case "--chat-node" -> chatNode = URI.create(v);
        case "--socket-node" -> socketNode = URI.create(v);
        case "--tenants" -> tenantCount = Integer.parseInt(v);
        case "--turns" -> turns = Integer.parseInt(v);
        case "--replies" -> replies = Integer.parseInt(v);
        case "--lanes" -> lanes = Integer.parseInt(v);
        case "--settle-ms" -> settleMs = Integer.parseInt(v);
        case "--quiet-ms" -> quietMs = Integer.parseInt(v);
        case "--max-wait-seconds" -> maxWaitSeconds = Integer.parseInt(v);
        case "--pg-port" -> pgPort = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    if (chatNode == null || socketNode == null) {
      throw new IllegalArgumentException("--chat-node and --socket-node are required");
    }
    for (URI n : List.of(chatNode, socketNode)) {
      if (!"127.0.0.1".equals(n.getHost())) {
        throw new IllegalArgumentException("this generator only targets 127.0.0.1");
      }
    }
    if (tenantCount < 1 || tenantCount > 10_000 || turns < 1 || turns > 100 || replies < 0 || replies > 100
        || lanes < 1 || maxWaitSeconds < 1 || maxWaitSeconds > 600 || settleMs < 0 || settleMs > 60_000) {
      throw new IllegalArgumentException("counts and waits are bounded");
    }
  }
}
