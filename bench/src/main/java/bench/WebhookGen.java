package bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Outbound webhooks under a busy tenant (bench/webhook-lag.sh). One process: the load (the server's
 * HTTP API) and the receiver (a local HTTP server that answers 204 at once), on one event loop.
 *
 * <ol>
 *   <li>{@code chat-off}: widget chats (POST /api/widgets/:id/chat, the local assistant) in a closed
 *       loop of CONCURRENCY for DURATION s, with no webhook: chats/s;
 *   <li>{@code replies-off}: the agent replies of the lag phase (below), with no webhook: how many a
 *       second the node takes at all on this machine, and what they cost;
 *   <li>an endpoint for every event type is created (POST /api/webhooks) pointing at the receiver;
 *   <li>{@code chat-on}: the same chats: chats/s, and every event they raise delivered;
 *   <li>{@code lag}: agent replies (POST /api/conversations/:id/messages) sent open-loop at RATE a
 *       second for DURATION s; each raises message:new (data.id = the reply's id): the delay from the
 *       API's 201 (the event committed before it) to the receiver getting the delivery, p50/p99.
 * </ol>
 * Each phase waits (at most 30 s) until every event of its requests has arrived, and counts those
 * that did not. {@code RESULT} lines carry the figures.
 */
public final class WebhookGen {

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client;

  /** An answer: its status and JSON body (empty when none). */
  private record Answer(int status, JsonObject body) {}
  private final String base;
  private final String jwt;
  private final String tenantId;
  private final String widgetToken;
  private final Map<String, Long> answeredAt = new ConcurrentHashMap<>();
  private final Map<String, Long> arrivedEarly = new ConcurrentHashMap<>();
  private final Histogram lag = Hist.create();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong deliveredMessages = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean measuring;
  /** The lag phases: agent replies and their deliveries are paired. */
  private volatile boolean pairing;
  private int receiverPort;
  private final Pool db;

  private int serverPid;
  private int pgPid;

  /** CPU of the node, its PostgreSQL and this process between two snapshots: "node=..% pg=..% gen=..%" of one core. */
  private String cpu(ProcStat before, ProcStat after, double seconds) {
    int self = (int) ProcessHandle.current().pid();
    // the embedded PostgreSQL daemonizes (its parent is init), but count it apart if it is the node's child
    long pg = pgPid == 0 ? 0 : after.ticksSince(before, after.tree(pgPid));
    java.util.Set<Integer> nodeTree = after.tree(serverPid);
    long node = after.ticksSince(before, nodeTree) - (nodeTree.contains(pgPid) ? pg : 0);
    return String.format(Locale.ROOT, "node=%.0f%% pg=%.0f%% gen=%.0f%%",
        100.0 * node / ProcStat.HZ / seconds, 100.0 * pg / ProcStat.HZ / seconds,
        100.0 * after.ticksSince(before, after.tree(self)) / ProcStat.HZ / seconds);
  }

  private WebhookGen(String base, String jwt, String tenantId, String widgetToken, int pgPort) {
    this.base = base;
    this.jwt = jwt;
    this.tenantId = tenantId;
    this.widgetToken = widgetToken;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(512));
    this.db = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(pgPort).setDatabase("postgres")
            .setUser("postgres").setPassword("postgres"))
        .using(vertx).build();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    WebhookGen gen = new WebhookGen(a.get("url"), a.get("jwt"), a.get("tenant"), a.get("widget-token"),
        Integer.parseInt(a.get("pg-port")));
    int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "32"));
    int duration = Integer.parseInt(a.getOrDefault("duration", "20"));
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "5"));
    int rate = Integer.parseInt(a.getOrDefault("rate", "1000"));
    int conversations = Integer.parseInt(a.getOrDefault("conversations", "50"));
    gen.serverPid = Integer.parseInt(a.getOrDefault("server-pid", "0"));
    gen.pgPid = Integer.parseInt(a.getOrDefault("pg-pid", "0"));
    try {
      gen.run(concurrency, warmup, duration, rate, conversations);
    } finally {
      gen.vertx.close().await();
    }
  }

  private void run(int concurrency, int warmup, int duration, int rate, int conversations) throws Exception {
    HttpServer receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      long now = System.nanoTime();
      req.response().setStatusCode(204).end();
      delivered.incrementAndGet();
      JsonObject event = new JsonObject(body);
      if (pairing && "message:new".equals(event.getString("type"))) {
        matched(event.getJsonObject("data").getString("id"), null, now);
      }
    }));
    receiverPort = receiver.listen(0, "127.0.0.1").await().actualPort();

    // warm the chat path up, then: chats without a webhook
    closedLoop("warmup", concurrency, warmup, false);
    double off = closedLoop("chat-off", concurrency, duration, true);

    // the agent replies' own ceiling on this machine, without a webhook: the same open loop as the
    // lag phase's (below), over the same conversations
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < conversations; i++) {
      ids.add(chat("lag-" + i + "-" + System.nanoTime()).getString("conversationId"));
    }
    openLoop(ids, rate, warmup, false);
    long offEventsBefore = countEvents();
    ProcStat offCpuBefore = ProcStat.take();
    long offWal = wal();
    long offStart = System.nanoTime();
    long[] offSent = openLoop(ids, rate, duration, false);
    double offSeconds = (System.nanoTime() - offStart) / 1e9;
    double repliesOff = offSent[0] / offSeconds;
    double eventsOff = (countEvents() - offEventsBefore) / offSeconds;
    System.out.printf(Locale.ROOT, "# replies-off: %d replies in %.1f s (%.1f/s, asked %d/s), %d failed; %.1f events/s "
        + "raised; cpu while sending %s; WAL %.1f KB a reply%n", offSent[0], offSeconds, repliesOff, rate, offSent[1],
        eventsOff, cpu(offCpuBefore, ProcStat.take(), offSeconds), (wal() - offWal) / 1024.0 / Math.max(1, offSent[0]));
    long eventsBefore = countEvents();

    String hook = post("/api/webhooks", new JsonObject().put("url", "http://127.0.0.1:" + receiverPort + "/hook"))
        .getJsonObject("webhook").getString("id");
    System.out.println("# webhook " + hook + " -> 127.0.0.1:" + receiverPort);
    long deliveredBefore = delivered.get();
    double on = closedLoop("chat-on", concurrency, duration, true);
    long raised = countEvents() - eventsBefore;
    waitUntil(() -> delivered.get() - deliveredBefore >= raised, 30_000);
    long chatDelivered = delivered.get() - deliveredBefore;
    System.out.printf(Locale.ROOT, "# chat-on: %d events raised, %d delivered%n", raised, chatDelivered);

    // agent replies at a fixed rate, now with the webhook: the delay from the API's answer to the delivery
    Thread.sleep(2000);
    pairing = true;
    long lagEventsBefore = countEvents();
    long lagDeliveredBefore = delivered.get();
    openLoop(ids, rate, warmup, false);
    synchronized (lag) {
      lag.reset();
    }
    measuring = true;
    ProcStat cpuBefore = ProcStat.take();
    long lagWal = wal();
    long start = System.nanoTime();
    long[] sent = openLoop(ids, rate, duration, true);
    double seconds = (System.nanoTime() - start) / 1e9;
    String lagCpu = cpu(cpuBefore, ProcStat.take(), seconds);
    long lagRaised = countEvents() - lagEventsBefore;
    waitUntil(() -> delivered.get() - lagDeliveredBefore >= lagRaised, 30_000);
    measuring = false;
    double lagWalPerReply = (wal() - lagWal) / 1024.0 / Math.max(1, sent[0]);
    long lagDelivered = delivered.get() - lagDeliveredBefore;
    Histogram h;
    synchronized (lag) {
      h = lag.copy();
    }
    Hist.print("lag: the API's 201 of an agent reply -> its message:new at the receiver", h);
    System.out.printf(Locale.ROOT, "# lag phase: %d replies in %.1f s (%.1f/s, asked %d/s), %d failed; %d events raised "
        + "(%.1f/s), %d delivered; %d replies' message:new not received; cpu while sending %s; WAL %.1f KB a reply "
        + "(its deliveries' included)%n", sent[0], seconds, sent[0] / seconds, rate, sent[1], lagRaised, lagRaised / seconds,
        lagDelivered, answeredAt.size(), lagCpu, lagWalPerReply);
    System.out.printf(Locale.ROOT, "RESULT replies_off_per_s=%.1f replies_off_events_per_s=%.1f "
            + "chat_off_per_s=%.1f chat_on_per_s=%.1f ratio=%.3f chat_events=%d "
            + "chat_delivered=%d lag_sent=%d lag_failed=%d lag_rate=%.1f lag_events=%d lag_events_per_s=%.1f "
            + "lag_delivered=%d lag_missing=%d errors=%d%s%n",
        repliesOff, eventsOff, off, on, on / off, raised, chatDelivered, sent[0], sent[1], sent[0] / seconds, lagRaised, lagRaised / seconds,
        lagDelivered, answeredAt.size(), errors.get(), Hist.keys("lag", h));
  }

  /**
   * Pairs a reply's 201 with its delivery, whichever comes first (a delivery can beat the answer to
   * the request that raised it): the lag is delivery − answer, 0 when the delivery came first.
   */
  private void matched(String messageId, Long answered, Long arrived) {
    synchronized (lag) {
      if (answered != null) {
        Long early = arrivedEarly.remove(messageId);
        if (early == null) {
          answeredAt.put(messageId, answered);
          return;
        }
        arrived = early;
      } else {
        answered = answeredAt.remove(messageId);
        if (answered == null) {
          arrivedEarly.put(messageId, arrived);
          return;
        }
      }
      deliveredMessages.incrementAndGet();
      if (measuring) {
        lag.recordValue(Hist.micros(Math.max(0, arrived - answered)));
      }
    }
  }

  /** Widget chats, each a new conversation, CONCURRENCY at a time for SECONDS: chats answered per second. */
  private double closedLoop(String label, int concurrency, int seconds, boolean report) {
    ProcStat cpuBefore = ProcStat.take();
    long walBefore = wal();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong ok = new AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < concurrency; i++) {
      int n = i;
      loops.add(loop(label + "-" + n, end, ok, new AtomicLong()));
    }
    Future.all(loops).await();
    double elapsed = (System.nanoTime() - start) / 1e9;
    double rate = ok.get() / elapsed;
    if (report) {
      String cpu = cpu(cpuBefore, ProcStat.take(), elapsed);
      System.out.printf(Locale.ROOT, "# %s: %d chats, %.1f/s (%d in flight), %d errors so far; cpu (100%% = a core) "
          + "%s; WAL %.1f KB a chat%n", label, ok.get(), rate, concurrency, errors.get(), cpu,
          (wal() - walBefore) / 1024.0 / Math.max(1, ok.get()));
    }
    return rate;
  }

  private Future<Void> loop(String session, long end, AtomicLong ok, AtomicLong n) {
    if (System.nanoTime() >= end) {
      return Future.succeededFuture();
    }
    return post("/api/widgets/" + tenantId + "/chat", widgetToken,
            new JsonObject().put("sessionId", session + "-" + n.incrementAndGet())
                .put("message", "What are your opening hours?"))
        .map(r -> {
          if (r.status() == 200) {
            ok.incrementAndGet();
          } else {
            errors.incrementAndGet();
          }
          return (Void) null;
        })
        .recover(err -> {
          errors.incrementAndGet();
          return Future.succeededFuture();
        })
        .compose(v -> loop(session, end, ok, n));
  }

  /** Agent replies at {@code rate}/s over the conversations for {@code seconds}: {sent, failed}. */
  private long[] openLoop(List<String> conversations, int rate, int seconds, boolean record) throws Exception {
    long total = (long) rate * seconds;
    long start = System.nanoTime();
    AtomicLong failed = new AtomicLong();
    List<Future<?>> all = new ArrayList<>();
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    AtomicLong issued = new AtomicLong();
    vertx.setPeriodic(1, id -> {
      long due = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L);
      while (issued.get() < due) {
        long i = issued.getAndIncrement();
        String conversation = conversations.get((int) (i % conversations.size()));
        all.add(post("/api/conversations/" + conversation + "/messages", jwt,
                new JsonObject().put("content", "Reply " + i))
            .onComplete(ar -> {
              long now = System.nanoTime();
              if (ar.succeeded() && ar.result().status() == 201) {
                if (pairing) {
                  matched(ar.result().body().getJsonObject("message").getString("id"), now, null);
                }
              } else {
                failed.incrementAndGet();
              }
            }));
      }
      if (issued.get() >= total) {
        vertx.cancelTimer(id);
        done.complete();
      }
    });
    done.future().await();
    Future.join(new ArrayList<>(all)).otherwiseEmpty().await();
    return new long[] {issued.get(), failed.get()};
  }

  private JsonObject chat(String session) {
    return post("/api/widgets/" + tenantId + "/chat", widgetToken,
        new JsonObject().put("sessionId", session).put("message", "Hello")).await().body();
  }

  private JsonObject post(String path, JsonObject body) {
    Answer r = post(path, jwt, body).await();
    if (r.status() >= 300) {
      throw new IllegalStateException(path + " answered " + r.status() + ": " + r.body());
    }
    return r.body();
  }

  /** A JSON POST to the server with a Bearer token. */
  private Future<Answer> post(String path, String token, JsonObject body) {
    java.net.URI uri = java.net.URI.create(base + path);
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost()).setPort(uri.getPort())
            .setURI(uri.getRawPath()).putHeader("Authorization", "Bearer " + token)
            .putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(body.toBuffer()))
        .compose(res -> res.body().map(b -> new Answer(res.statusCode(), b.length() == 0 ? new JsonObject()
            : new JsonObject(b))));
  }

  /** The tenant's event log length (the database: no API counts it). */
  /** PostgreSQL's WAL written so far, in bytes (what each phase's writes cost the disk). */
  private long wal() {
    return db.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").execute()
        .map(rows -> rows.iterator().next().getLong(0)).await();
  }

  private long countEvents() {
    return db.preparedQuery("SELECT count(*) FROM tenant_events WHERE tenant_id = $1").execute(Tuple.of(tenantId))
        .map(rows -> rows.iterator().next().getLong(0)).await();
  }

  private static void waitUntil(java.util.function.BooleanSupplier done, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
  }
}
