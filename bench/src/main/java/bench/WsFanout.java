package bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
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
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Tenant WebSocket fan-out, open loop: T tenants x S dashboard sockets spread round robin over the
 * given nodes; agent replies (POST /api/conversations/:id/messages) sent at a fixed rate, each
 * event to the next tenant and, per round of tenants, to the next node; every socket of the
 * tenant must receive every event.
 *
 * <p>Each reply's content is {@code "wsb <i>"}, i the generator's event number. Latency is from
 * the <em>scheduled</em> send time of the API call (t0 + i / rate, so a late generator or a
 * queue for a free HTTP connection counts as latency, no coordinated omission) to the moment the
 * frame reaches the socket's handler, all on this process's System.nanoTime(). A delivery is
 * counted once per (socket, event); duplicates, gaps in the server's event ids and missing
 * deliveries (after a drain) are reported. The generator measures its own lag: the send lag
 * (request issued - scheduled) and the scheduling lag of each event loop (a 1 ms timer's
 * lateness).
 *
 * <p>Rates are deliveries/s (events/s x S). A headline step at {@code --headline}, then a step
 * search for the highest rate with p99 within {@code --p99-limit-ms}, no loss, no API error and
 * no closed socket: a ladder up (or halving down), then bisection. The last line is
 * {@code RESULT ...}; each step prints a {@code STEP ...} line.
 */
public final class WsFanout {

  static final String MARK = "\"content\":\"wsb ";
  static final String ID = "\"id\":\"";

  static final class Settings {
    List<URI> nodes = new ArrayList<>();
    int tenants = 50;
    int socketsPerTenant = 100;
    int threads = 2;
    int connectConcurrency = 200;
    int httpConnections = 64;
    int warmupSeconds = 3;
    int durationSeconds = 10;
    int drainSeconds = 10;
    double headline = 20_000;
    double p99LimitMs = 100;
    int maxSteps = 12;
    int bisections = 2;
    double searchStep = 10_000;
    int maxSeconds = 300;
    int maxEvents = 2_000_000;
    int primeSeconds = 5;
    String label = "run";
    Path tenantsFile;
    String cores = "";
    String genCore = "";
    Map<String, Integer> watch = new TreeMap<>();
  }

  record Tenant(String id, String jwt, String conversationId) {}

  /** One measured step. */
  record Step(double rate, long deliveries, double deliveriesPerSec, long p50, long p99, long p999, long max,
      long lost, long apiOk, long apiErrors, long closed, long gaps, long dups, long sendLagP99, long sendLagMax,
      long loopLagP99, long loopLagMax, long apiP50, long apiP99, String cpu, boolean pass) {}

  static Settings s;
  static Tenant[] tenants;
  // per event i: scheduled send time, flags (1 = measured, 2 = API ok, 4 = API failed), unique deliveries
  static AtomicLongArray scheduled;
  static AtomicIntegerArray flags;
  static AtomicIntegerArray delivered;
  static AtomicLongArray firstDelivery;
  static final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
  static final Recorder sendLag = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
  static final Recorder loopLag = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
  static final Recorder apiLatency = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
  // per delivery: its time minus the first delivery of the same event (the fan-out's own spread)
  static final Recorder spread = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
  static final LongAdder deliveredMeasured = new LongAdder();
  static final LongAdder deliveredUnique = new LongAdder();
  static final LongAdder expectedUnique = new LongAdder();
  static final LongAdder duplicates = new LongAdder();
  static final LongAdder idGaps = new LongAdder();
  static final LongAdder unknownFrames = new LongAdder();
  static final AtomicInteger closedSockets = new AtomicInteger();
  static final AtomicInteger openSockets = new AtomicInteger();
  static final Map<String, AtomicLong> closeReasons = new ConcurrentHashMap<>();
  static final Map<String, AtomicLong> apiStatuses = new ConcurrentHashMap<>();
  // per tenant: the lowest and highest server event id seen by any of its sockets
  static AtomicLongArray minId;
  static AtomicLongArray maxId;

  public static void main(String[] args) throws Exception {
    s = parse(args);
    scheduled = new AtomicLongArray(s.maxEvents);
    flags = new AtomicIntegerArray(s.maxEvents);
    delivered = new AtomicIntegerArray(s.maxEvents);
    firstDelivery = new AtomicLongArray(s.maxEvents);
    // one event loop for the sender, s.threads for the sockets
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.threads + 1));
    HttpClient setupClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(8));
    long t0 = System.nanoTime();
    tenants = s.tenantsFile != null && Files.exists(s.tenantsFile) && Files.size(s.tenantsFile) > 0
        ? readTenants(s.tenantsFile) : setup(setupClient);
    if (tenants.length < s.tenants) {
      throw new IllegalStateException("the tenants file has " + tenants.length + " tenants, " + s.tenants + " needed");
    }
    minId = new AtomicLongArray(s.tenants);
    maxId = new AtomicLongArray(s.tenants);
    for (int t = 0; t < s.tenants; t++) {
      minId.set(t, Long.MAX_VALUE);
    }
    System.out.printf(Locale.ROOT, "# %s: %d tenants ready in %.1f s%n", s.label, s.tenants,
        (System.nanoTime() - t0) / 1e9);

    Sender sender = new Sender();
    vertx.deployVerticle(sender).await();
    List<Receiver> receivers = new ArrayList<>();
    for (int w = 0; w < s.threads; w++) {
      Receiver r = new Receiver();
      receivers.add(r);
      vertx.deployVerticle(r).await();
    }
    // socket j of tenant t: node j % nodes, receiver (t * S + j) % threads
    for (int t = 0; t < s.tenants; t++) {
      for (int j = 0; j < s.socketsPerTenant; j++) {
        receivers.get((t * s.socketsPerTenant + j) % s.threads).planned.add(new Sock(t, s.nodes.get(j % s.nodes.size())));
      }
    }
    long c0 = System.nanoTime();
    List<Future<Integer>> connecting = new ArrayList<>();
    for (Receiver r : receivers) {
      Promise<Integer> p = Promise.promise();
      r.context().runOnContext(v -> r.connectAll(s.connectConcurrency / s.threads).onComplete(p));
      connecting.add(p.future());
    }
    int failedConnects = 0;
    for (Future<Integer> f : connecting) {
      failedConnects += f.await(120, TimeUnit.SECONDS);
    }
    int total = s.tenants * s.socketsPerTenant;
    System.out.printf(Locale.ROOT, "# %s: %d/%d sockets authenticated in %.1f s (%d failed) over %s, %d receiver "
            + "event loop(s) + 1 sender, connect concurrency %d%n",
        s.label, openSockets.get(), total, (System.nanoTime() - c0) / 1e9, failedConnects, s.nodes,
        s.threads, s.connectConcurrency);
    if (failedConnects > 0) {
      System.out.println("RESULT label=" + s.label + " error=connect_failed failed=" + failedConnects);
      System.exit(1);
    }
    Thread.sleep(2000); // every node's channel subscribed cluster-wide (see VERTX5.md: subscription propagation)
    for (Receiver r : receivers) {
      r.context().runOnContext(v -> r.probe());
    }
    sender.context().runOnContext(v -> sender.probe());

    Map<String, Double> busBefore = scrapeAll(setupClient);
    long okBefore = sender.apiOk.get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(s.maxSeconds);

    if (s.primeSeconds > 0) {
      // JIT and connection warm-up of every code path at half the headline rate; not a result
      int w = s.warmupSeconds;
      int d = s.durationSeconds;
      s.warmupSeconds = 0;
      s.durationSeconds = s.primeSeconds;
      runStep(sender, s.headline / 2, "prime", "prime");
      s.warmupSeconds = w;
      s.durationSeconds = d;
    }
    List<Step> steps = new ArrayList<>();
    Step headline = runStep(sender, s.headline, "STEP", "first");
    steps.add(headline);
    double lo = headline.pass() ? s.headline : 0;
    double hi = headline.pass() ? 0 : s.headline;
    boolean aborted = headline.closed() > 0;
    // ladder
    double rate = s.headline;
    while (!aborted && steps.size() < s.maxSteps && System.nanoTime() < deadline) {
      if (hi == 0) {
        rate = rate < 5 * s.searchStep ? rate + s.searchStep : Math.round(rate * 1.25 / 1000) * 1000.0;
      } else if (lo == 0) {
        rate = Math.round(rate / 2 / 100) * 100.0;
        if (rate < s.socketsPerTenant) {
          break;
        }
      } else {
        break;
      }
      Step st = runStep(sender, rate);
      steps.add(st);
      aborted = st.closed() > 0;
      if (st.pass()) {
        lo = rate;
      } else {
        hi = rate;
      }
    }
    // bisection
    for (int b = 0; !aborted && b < s.bisections && lo > 0 && hi > 0 && steps.size() < s.maxSteps
        && System.nanoTime() < deadline; b++) {
      double mid = Math.round((lo + hi) / 2 / 500) * 500.0;
      if (mid <= lo || mid >= hi) {
        break;
      }
      Step st = runStep(sender, mid);
      steps.add(st);
      aborted = st.closed() > 0;
      if (st.pass()) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    // the headline again, with every JVM warm after the search: the figure compared with the target
    Step last = null;
    if (!aborted) {
      last = runStep(sender, s.headline, "STEP", "final");
      steps.add(last);
    }
    Map<String, Double> busAfter = scrapeAll(setupClient);
    long events = sender.apiOk.get() - okBefore;

    long idEvents = 0;
    for (int t = 0; t < s.tenants; t++) {
      if (maxId.get(t) > 0) {
        idEvents += maxId.get(t) - minId.get(t) + 1;
      }
    }
    StringBuilder bus = new StringBuilder();
    StringBuilder busKv = new StringBuilder();
    for (int n = 0; n < s.nodes.size(); n++) {
      String key = s.nodes.get(n).toString();
      double d = busAfter.getOrDefault(key + " bus", Double.NaN) - busBefore.getOrDefault(key + " bus", Double.NaN);
      double sent = busAfter.getOrDefault(key + " sent", Double.NaN) - busBefore.getOrDefault(key + " sent", Double.NaN);
      bus.append(String.format(Locale.ROOT, " node%d %.0f received / %d events = %.3f, frames written %.0f;", n + 1, d,
          events, events > 0 ? d / events : Double.NaN, sent));
      busKv.append(String.format(Locale.ROOT, " bus_received_node%d=%.0f bus_per_event_node%d=%.3f frames_node%d=%.0f",
          n + 1, d, n + 1, events > 0 ? d / events : Double.NaN, n + 1, sent));
    }
    System.out.printf(Locale.ROOT, "# %s: clustered consumer deliveries per event (livechat_tenant_bus_events_received_total"
        + " delta / API replies that succeeded):%s events by server ids seen %d%n", s.label, bus, idEvents);
    if (!closeReasons.isEmpty()) {
      System.out.println("# closed sockets by code/reason: " + closeReasons);
    }
    if (!apiStatuses.isEmpty()) {
      System.out.println("# API answers other than 2xx: " + apiStatuses);
    }
    Step first = steps.get(0);
    Step head = last != null ? last : first;
    double ceiling = lo;
    System.out.printf(Locale.ROOT,
        "RESULT label=%s headline_rate=%.0f headline_dps=%.0f headline_p50_us=%d headline_p99_us=%d headline_max_us=%d "
            + "headline_lost=%d headline_api_p50_us=%d headline_api_p99_us=%d headline_pass=%d first_p50_us=%d "
            + "first_p99_us=%d first_max_us=%d ceiling=%.0f first_fail=%.0f steps=%d aborted=%d events=%d "
            + "id_events=%d lost_total=%d dups_total=%d gaps_total=%d closed_total=%d api_errors_total=%d%s%n",
        s.label, s.headline, head.deliveriesPerSec(), head.p50(), head.p99(), head.max(), head.lost(),
        head.apiP50(), head.apiP99(), head.pass() ? 1 : 0, first.p50(), first.p99(), first.max(), ceiling, hi,
        steps.size(), aborted ? 1 : 0, events, idEvents,
        steps.stream().mapToLong(Step::lost).sum(), duplicates.sum(), idGaps.sum(), closedSockets.get(),
        steps.stream().mapToLong(Step::apiErrors).sum(), busKv);
    System.out.flush();
    vertx.close().await(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** Runs one open-loop step at {@code rate} deliveries/s and waits for it to drain. */
  static Step runStep(Sender sender, double rate) throws Exception {
    return runStep(sender, rate, "STEP", "search");
  }

  static Step runStep(Sender sender, double rate, String kind, String phase) throws Exception {
    double eventsPerSec = rate / s.socketsPerTenant;
    long interval = Math.max(1, Math.round(1e9 / eventsPerSec));
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    long measureStart = start + TimeUnit.SECONDS.toNanos(s.warmupSeconds);
    long measureEnd = measureStart + TimeUnit.SECONDS.toNanos(s.durationSeconds);
    int closedBefore = closedSockets.get();
    long dupBefore = duplicates.sum();
    long gapBefore = idGaps.sum();
    long okBefore = sender.apiOk.get();
    long errBefore = sender.apiErrors.get();
    int firstEvent = sender.next;
    LoadGen.Settings cpuSettings = new LoadGen.Settings();
    cpuSettings.cores = s.cores;
    cpuSettings.genCore = s.genCore;
    cpuSettings.watch = s.watch;
    Promise<Void> started = Promise.promise();
    sender.context().runOnContext(v -> {
      sender.begin(start, interval, measureStart, measureEnd);
      started.complete();
    });
    started.future().await();
    sleepUntil(measureStart);
    latency.getIntervalHistogram();
    sendLag.getIntervalHistogram();
    loopLag.getIntervalHistogram();
    apiLatency.getIntervalHistogram();
    spread.getIntervalHistogram();
    deliveredMeasured.reset();
    LoadGen.CpuSnapshot cpu0 = LoadGen.CpuSnapshot.take(cpuSettings);
    // wall-clock bounds of the window, to line it up with the GC logs (timemillis decorations)
    long wallStart = System.currentTimeMillis() - (System.nanoTime() - measureStart) / 1_000_000;
    sleepUntil(measureEnd);
    long wallEnd = wallStart + (measureEnd - measureStart) / 1_000_000;
    LoadGen.CpuSnapshot cpu1 = LoadGen.CpuSnapshot.take(cpuSettings);
    Histogram sendLagH = sendLag.getIntervalHistogram();
    Histogram loopLagH = loopLag.getIntervalHistogram();
    double window = (measureEnd - measureStart) / 1e9;
    // drain: every API call answered and every expected delivery arrived, or the drain time is up
    long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(s.drainSeconds);
    while (System.nanoTime() < drainEnd
        && (sender.inFlight.get() > 0 || sender.stepRunning || deliveredUnique.sum() < expectedUnique.sum())) {
      Thread.sleep(20);
    }
    Histogram lat = latency.getIntervalHistogram();
    Histogram api = apiLatency.getIntervalHistogram();
    Histogram spr = spread.getIntervalHistogram();
    int lastEvent = sender.next;
    long lost = 0; // missing after the drain: never delivered, or later than the drain time
    long measuredOk = 0;
    for (int i = firstEvent; i < lastEvent; i++) {
      int f = flags.get(i);
      if ((f & 1) != 0 && (f & 2) != 0) {
        measuredOk++;
        lost += Math.max(0, s.socketsPerTenant - delivered.get(i));
      }
    }
    long deliveries = deliveredMeasured.sum();
    long apiOk = sender.apiOk.get() - okBefore;
    long apiErr = sender.apiErrors.get() - errBefore;
    long closed = closedSockets.get() - closedBefore;
    long dups = duplicates.sum() - dupBefore;
    long gaps = idGaps.sum() - gapBefore;
    boolean pass = lost == 0 && apiErr == 0 && closed == 0 && measuredOk > 0
        && lat.getValueAtPercentile(99) <= s.p99LimitMs * 1000;
    String cpu = LoadGen.CpuSnapshot.report(cpu0, cpu1, window);
    String cpuKv = LoadGen.CpuSnapshot.keyValues(cpu0, cpu1, window);
    Step st = new Step(rate, deliveries, deliveries / window, lat.getValueAtPercentile(50),
        lat.getValueAtPercentile(99), lat.getValueAtPercentile(99.9), lat.getMaxValue(), lost, apiOk, apiErr, closed,
        gaps, dups, sendLagH.getValueAtPercentile(99), sendLagH.getMaxValue(), loopLagH.getValueAtPercentile(99),
        loopLagH.getMaxValue(), api.getValueAtPercentile(50), api.getValueAtPercentile(99), cpu, pass);
    System.out.printf(Locale.ROOT,
        "# %s %s (%s) %.0f deliveries/s (%.1f events/s): delivered %.0f/s, latency p50 %.1f ms p99 %.1f ms p99.9 %.1f ms "
            + "max %.1f ms, lost %d of %d, API ok %d errors %d (API answer p50 %.1f ms p99 %.1f ms), sockets closed %d, "
            + "id gaps %d, duplicates %d, spread after the first socket p99 %.1f ms, send lag p99 %.1f ms max %.1f ms, "
            + "event-loop lag p99 %.1f ms max %.1f ms -> %s%n",
        s.label, kind.equals("STEP") ? "step" : kind, phase, rate, eventsPerSec, deliveries / window,
        lat.getValueAtPercentile(50) / 1000.0,
        lat.getValueAtPercentile(99) / 1000.0, lat.getValueAtPercentile(99.9) / 1000.0, lat.getMaxValue() / 1000.0,
        lost, measuredOk * s.socketsPerTenant, apiOk, apiErr, api.getValueAtPercentile(50) / 1000.0,
        api.getValueAtPercentile(99) / 1000.0, closed, gaps, dups, spr.getValueAtPercentile(99) / 1000.0,
        sendLagH.getValueAtPercentile(99) / 1000.0, sendLagH.getMaxValue() / 1000.0,
        loopLagH.getValueAtPercentile(99) / 1000.0, loopLagH.getMaxValue() / 1000.0, pass ? "PASS" : "FAIL");
    System.out.println("#   cpu over the window (100% = one core): " + cpu);
    System.out.printf(Locale.ROOT,
        "%s label=%s phase=%s rate=%.0f dps=%.0f p50_us=%d p99_us=%d p999_us=%d max_us=%d lost=%d expected=%d api_ok=%d "
            + "api_errors=%d api_p50_us=%d api_p99_us=%d spread_p99_us=%d closed=%d gaps=%d dups=%d send_lag_p99_us=%d "
            + "loop_lag_p99_us=%d loop_lag_max_us=%d pass=%d start_ms=%d end_ms=%d %s%n",
        kind.equals("STEP") ? "STEP" : "# " + kind, s.label, phase, rate, deliveries / window, st.p50(), st.p99(), st.p999(),
        st.max(), lost,
        measuredOk * s.socketsPerTenant, apiOk, apiErr, api.getValueAtPercentile(50), api.getValueAtPercentile(99),
        spr.getValueAtPercentile(99), closed, gaps, dups, st.sendLagP99(), st.loopLagP99(),
        st.loopLagMax(), pass ? 1 : 0, wallStart, wallEnd, cpuKv);
    System.out.flush();
    Thread.sleep(1000);
    return st;
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long d;
    while ((d = nanos - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, Math.min(100, d / 1_000_000)));
    }
  }

  /** The open-loop sender: one HTTP client per node, at most httpConnections requests on the wire per node. */
  static final class Sender extends VerticleBase {
    final List<HttpClient> clients = new ArrayList<>();
    final List<LoadGen.LongQueue> backlogs = new ArrayList<>();
    int[] onWire;
    final AtomicLong inFlight = new AtomicLong();
    final AtomicLong apiOk = new AtomicLong();
    final AtomicLong apiErrors = new AtomicLong();
    volatile int next;
    volatile boolean stepRunning;
    private long timer = -1;

    io.vertx.core.Context context() {
      return context;
    }

    @Override
    public Future<?> start() {
      onWire = new int[s.nodes.size()];
      for (URI ignored : s.nodes) {
        clients.add(vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
            new PoolOptions().setHttp1MaxSize(s.httpConnections).setMaxWaitQueueSize(-1)));
        backlogs.add(new LoadGen.LongQueue());
      }
      return Future.succeededFuture();
    }

    void probe() {
      long armed = System.nanoTime();
      vertx.setTimer(1, id -> {
        loopLag.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60),
            Math.max(0, (System.nanoTime() - armed - 1_000_000) / 1000)));
        probe();
      });
    }

    /** Schedules events at start + k * interval for k >= 0 while the scheduled time is before end. */
    void begin(long start, long interval, long measureStart, long measureEnd) {
      stepRunning = true;
      long[] k = {0};
      timer = vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        while (true) {
          long at = start + k[0] * interval;
          if (at >= measureEnd) {
            vertx.cancelTimer(id);
            stepRunning = false;
            break;
          }
          if (at > now) {
            break;
          }
          k[0]++;
          int i = next;
          if (i >= s.maxEvents) {
            vertx.cancelTimer(id);
            stepRunning = false;
            break;
          }
          next = i + 1;
          scheduled.set(i, at);
          if (at >= measureStart) {
            flags.set(i, 1);
          }
          int node = (i / s.tenants) % s.nodes.size();
          backlogs.get(node).add(i);
          inFlight.incrementAndGet();
        }
        for (int n = 0; n < s.nodes.size(); n++) {
          pump(n);
        }
      });
    }

    private void pump(int n) {
      LoadGen.LongQueue backlog = backlogs.get(n);
      while (onWire[n] < s.httpConnections && !backlog.isEmpty()) {
        int i = (int) backlog.poll();
        onWire[n]++;
        long at = scheduled.get(i);
        long now = System.nanoTime();
        if ((flags.get(i) & 1) != 0) {
          sendLag.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60), Math.max(0, (now - at) / 1000)));
        }
        Tenant t = tenants[i % s.tenants];
        URI node = s.nodes.get(n);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(node.getHost())
            .setPort(node.getPort()).setURI("/api/conversations/" + t.conversationId() + "/messages")
            .putHeader("Authorization", "Bearer " + t.jwt()).putHeader("Content-Type", "application/json");
        Buffer body = Buffer.buffer("{\"content\":\"wsb " + i + "\"}");
        clients.get(n).request(options)
            .compose(req -> req.send(body))
            .compose(resp -> resp.body().map(b -> resp.statusCode()))
            .onComplete(ar -> {
              onWire[n]--;
              inFlight.decrementAndGet();
              int status = ar.succeeded() ? ar.result() : -1;
              if (status >= 200 && status < 300) {
                flags.getAndUpdate(i, f -> f | 2);
                expectedUnique.add(s.socketsPerTenant);
                apiOk.incrementAndGet();
              } else {
                flags.getAndUpdate(i, f -> f | 4);
                apiErrors.incrementAndGet();
                apiStatuses.computeIfAbsent(ar.succeeded() ? String.valueOf(status) : ar.cause().toString(),
                    k -> new AtomicLong()).incrementAndGet();
              }
              if ((flags.get(i) & 1) != 0) {
                apiLatency.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60),
                    Math.max(0, (System.nanoTime() - at) / 1000)));
              }
              pump(n);
            });
      }
    }
  }

  /** A dashboard socket of the generator. Touched only on its receiver's event loop. */
  static final class Sock {
    final int tenant;
    final URI node;
    final BitSet seen = new BitSet();
    long lastId = -1;
    boolean authed;
    Promise<Void> auth;

    Sock(int tenant, URI node) {
      this.tenant = tenant;
      this.node = node;
    }
  }

  /** The sockets of one event loop. */
  static final class Receiver extends VerticleBase {
    final List<Sock> planned = new ArrayList<>();
    private WebSocketClient client;
    private int cursor;
    private int failed;

    io.vertx.core.Context context() {
      return context;
    }

    @Override
    public Future<?> start() {
      client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000_000)
          .setTcpNoDelay(true).setConnectTimeout(30_000));
      return Future.succeededFuture();
    }

    void probe() {
      long armed = System.nanoTime();
      vertx.setTimer(1, id -> {
        loopLag.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60),
            Math.max(0, (System.nanoTime() - armed - 1_000_000) / 1000)));
        probe();
      });
    }

    /** Connects and authenticates every planned socket, at most {@code concurrency} at a time; the count that failed. */
    Future<Integer> connectAll(int concurrency) {
      Promise<Integer> done = Promise.promise();
      int[] running = {0};
      Runnable[] launch = new Runnable[1];
      launch[0] = () -> {
        while (running[0] < Math.max(1, concurrency) && cursor < planned.size()) {
          Sock sock = planned.get(cursor++);
          running[0]++;
          connect(sock).onComplete(ar -> {
            running[0]--;
            if (ar.failed()) {
              failed++;
              if (failed <= 5) {
                System.out.println("# connect failed: " + ar.cause());
              }
            }
            if (cursor >= planned.size() && running[0] == 0) {
              done.tryComplete(failed);
            } else {
              launch[0].run();
            }
          });
        }
      };
      launch[0].run();
      if (planned.isEmpty()) {
        done.tryComplete(0);
      }
      return done.future();
    }

    private Future<Void> connect(Sock sock) {
      Tenant t = tenants[sock.tenant];
      sock.auth = Promise.promise();
      ClientWebSocket ws = client.webSocket();
      ws.textMessageHandler(text -> onText(sock, text));
      ws.closeHandler(v -> {
        if (sock.authed) {
          openSockets.decrementAndGet();
          closedSockets.incrementAndGet();
          closeReasons.computeIfAbsent(ws.closeStatusCode() + " " + ws.closeReason(), k -> new AtomicLong())
              .incrementAndGet();
        } else {
          sock.auth.tryFail("closed before auth:ok: " + ws.closeStatusCode() + " " + ws.closeReason());
        }
      });
      ws.exceptionHandler(err -> sock.auth.tryFail(err));
      long timer = vertx.setTimer(30_000, id -> sock.auth.tryFail("no auth:ok within 30 s"));
      ws.connect(new WebSocketConnectOptions().setHost(sock.node.getHost()).setPort(sock.node.getPort())
              .setURI("/api/ws/tenant"))
          .onSuccess(w -> w.writeTextMessage(new JsonObject().put("type", "auth").put("token", t.jwt()).encode()))
          .onFailure(sock.auth::tryFail);
      return sock.auth.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    private void onText(Sock sock, String text) {
      long now = System.nanoTime();
      if (!sock.authed) {
        if (text.contains("\"auth:ok\"")) {
          sock.authed = true;
          openSockets.incrementAndGet();
          sock.auth.tryComplete();
        } else {
          sock.auth.tryFail("unexpected first frame: " + text);
        }
        return;
      }
      int p = text.indexOf(ID);
      if (p >= 0) {
        long id = digits(text, p + ID.length());
        if (sock.lastId >= 0 && id != sock.lastId + 1) {
          idGaps.increment();
        }
        sock.lastId = id;
        minId.accumulateAndGet(sock.tenant, id, Math::min);
        maxId.accumulateAndGet(sock.tenant, id, Math::max);
      }
      int q = text.indexOf(MARK);
      if (q < 0) {
        if (p < 0 && !text.contains("\"pong\"")) {
          unknownFrames.increment();
        }
        return; // conversation:updated and the like
      }
      int i = (int) digits(text, q + MARK.length());
      if (i < 0 || i >= s.maxEvents) {
        unknownFrames.increment();
        return;
      }
      int local = i / s.tenants;
      if (sock.seen.get(local)) {
        duplicates.increment();
        return;
      }
      sock.seen.set(local);
      delivered.incrementAndGet(i);
      deliveredUnique.increment();
      if ((flags.get(i) & 1) != 0) {
        deliveredMeasured.increment();
        latency.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60), Math.max(0, (now - scheduled.get(i)) / 1000)));
        long first = firstDelivery.get(i);
        if (first == 0 && firstDelivery.compareAndSet(i, 0, now)) {
          first = now;
        } else if (first == 0) {
          first = firstDelivery.get(i);
        }
        spread.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60), Math.max(0, (now - first) / 1000)));
      }
    }
  }

  static long digits(String text, int from) {
    long v = 0;
    int n = 0;
    for (int k = from; k < text.length(); k++) {
      char c = text.charAt(k);
      if (c < '0' || c > '9') {
        break;
      }
      v = v * 10 + (c - '0');
      n++;
    }
    return n == 0 ? -1 : v;
  }

  // ---- setup: tenants, one conversation each, taken over by an agent (so later replies give message:new only)

  static Tenant[] setup(HttpClient client) throws Exception {
    Tenant[] out = new Tenant[s.tenants];
    String run = Long.toString(System.currentTimeMillis(), 36);
    int lanes = 4;
    List<Future<Void>> all = new ArrayList<>();
    for (int lane = 0; lane < lanes; lane++) {
      Future<Void> chain = Future.succeededFuture();
      for (int t = lane; t < s.tenants; t += lanes) {
        int k = t;
        URI node = s.nodes.get(t % s.nodes.size());
        chain = chain.compose(v -> createTenant(client, node, "ws-fanout-" + run + "-" + k)).map(tenant -> {
          out[k] = tenant;
          return null;
        });
      }
      all.add(chain);
    }
    Future.all(all).await(300, TimeUnit.SECONDS);
    if (s.tenantsFile != null) {
      StringBuilder sb = new StringBuilder();
      for (Tenant t : out) {
        sb.append(t.id()).append(' ').append(t.jwt()).append(' ').append(t.conversationId()).append('\n');
      }
      Files.writeString(s.tenantsFile, sb);
    }
    return out;
  }

  static Future<Tenant> createTenant(HttpClient client, URI node, String name) {
    JsonObject signup = new JsonObject().put("email", name + "@example.com").put("password", "bench-password-1")
        .put("companyName", "Bench " + name);
    return call(client, node, HttpMethod.POST, "/api/auth/signup", null, signup).compose(r -> {
      String jwt = r.getString("token");
      String tenantId = r.getJsonObject("tenant").getString("id");
      String widgetToken = r.getJsonObject("tenant").getString("widgetToken");
      return call(client, node, HttpMethod.POST, "/api/widgets/" + tenantId + "/chat", widgetToken,
          new JsonObject().put("sessionId", "bench-session").put("message", "Hello, a question about pricing"))
          .compose(chat -> {
            String conversationId = chat.getString("conversationId");
            return call(client, node, HttpMethod.POST, "/api/conversations/" + conversationId + "/messages", jwt,
                new JsonObject().put("content", "wsb-setup: an agent takes the conversation over"))
                .map(x -> new Tenant(tenantId, jwt, conversationId));
          });
    });
  }

  static Future<JsonObject> call(HttpClient client, URI node, HttpMethod method, String path, String bearer,
      JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost(node.getHost()).setPort(node.getPort())
        .setURI(path).putHeader("Content-Type", "application/json");
    if (bearer != null) {
      options.putHeader("Authorization", "Bearer " + bearer);
    }
    return client.request(options).compose(req -> req.send(body.toBuffer()))
        .compose(resp -> resp.body().compose(b -> resp.statusCode() / 100 == 2
            ? Future.succeededFuture(b.toJsonObject())
            : Future.failedFuture(method + " " + path + " answered " + resp.statusCode() + ": " + b)));
  }

  static Tenant[] readTenants(Path file) throws Exception {
    List<Tenant> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String[] f = line.trim().split(" ");
      if (f.length == 3) {
        out.add(new Tenant(f[0], f[1], f[2]));
      }
    }
    return out.toArray(new Tenant[0]);
  }

  /** "node bus" and "node sent" counters of every node's GET /metrics. */
  static Map<String, Double> scrapeAll(HttpClient client) throws Exception {
    Map<String, Double> out = new LinkedHashMap<>();
    for (URI node : s.nodes) {
      String text = client.request(new RequestOptions().setHost(node.getHost()).setPort(node.getPort())
              .setURI("/metrics"))
          .compose(req -> req.send()).compose(resp -> resp.body()).await(20, TimeUnit.SECONDS).toString();
      out.put(node + " bus", metric(text, "livechat_tenant_bus_events_received_total"));
      out.put(node + " sent", metric(text, "livechat_ws_events_sent_total"));
    }
    return out;
  }

  static double metric(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Double.NaN;
  }

  static Settings parse(String[] args) {
    Settings s = new Settings();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--nodes" -> {
          for (String n : v.split(",")) {
            s.nodes.add(URI.create(n.trim()));
          }
          i++;
        }
        case "--tenants" -> { s.tenants = Integer.parseInt(v); i++; }
        case "--sockets-per-tenant" -> { s.socketsPerTenant = Integer.parseInt(v); i++; }
        case "--threads" -> { s.threads = Integer.parseInt(v); i++; }
        case "--connect-concurrency" -> { s.connectConcurrency = Integer.parseInt(v); i++; }
        case "--http-connections" -> { s.httpConnections = Integer.parseInt(v); i++; }
        case "--warmup" -> { s.warmupSeconds = Integer.parseInt(v); i++; }
        case "--duration" -> { s.durationSeconds = Integer.parseInt(v); i++; }
        case "--drain" -> { s.drainSeconds = Integer.parseInt(v); i++; }
        case "--prime" -> { s.primeSeconds = Integer.parseInt(v); i++; }
        case "--headline" -> { s.headline = Double.parseDouble(v); i++; }
        case "--p99-limit-ms" -> { s.p99LimitMs = Double.parseDouble(v); i++; }
        case "--max-steps" -> { s.maxSteps = Integer.parseInt(v); i++; }
        case "--bisections" -> { s.bisections = Integer.parseInt(v); i++; }
        case "--search-step" -> { s.searchStep = Double.parseDouble(v); i++; }
        case "--max-seconds" -> { s.maxSeconds = Integer.parseInt(v); i++; }
        case "--label" -> { s.label = v; i++; }
        case "--tenants-file" -> { s.tenantsFile = Path.of(v); i++; }
        case "--cores" -> { s.cores = v; i++; }
        case "--gen-core" -> { s.genCore = v; i++; }
        case "--watch" -> {
          int eq = v.indexOf('=');
          s.watch.put(v.substring(0, eq), Integer.parseInt(v.substring(eq + 1)));
          i++;
        }
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    if (s.nodes.isEmpty()) {
      throw new IllegalArgumentException("--nodes is required");
    }
    for (URI n : s.nodes) {
      if (!"127.0.0.1".equals(n.getHost()) && !"localhost".equals(n.getHost())) {
        throw new IllegalArgumentException("this generator only targets 127.0.0.1 / localhost");
      }
    }
    if (s.durationSeconds <= 0 || s.durationSeconds > 600 || s.warmupSeconds < 0 || s.warmupSeconds > 600
        || s.drainSeconds < 0 || s.drainSeconds > 600 || s.maxSeconds <= 0 || s.maxSeconds > 3600) {
      throw new IllegalArgumentException("durations are bounded");
    }
    if (s.maxSteps < 1 || s.maxSteps > 40 || s.threads < 1 || s.tenants < 1 || s.socketsPerTenant < 1) {
      throw new IllegalArgumentException("bad counts");
    }
    return s;
  }
}
