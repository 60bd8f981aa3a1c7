package bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * HTTP/1.1 load generator on the Vert.x 5 HttpClient.
 *
 * <ul>
 *   <li>{@code --mode closed}: C connections, each with one request outstanding at a time (a new
 *       one is sent as soon as the previous answer's body has arrived). Warm-up, then a measured
 *       window: requests/s counted from responses that complete inside the window.
 *   <li>{@code --mode open}: a fixed rate R, sends scheduled at t0 + i/R whatever the answers do.
 *       Latency is measured from the <em>scheduled</em> send time (no coordinated omission), so
 *       any lag of the generator itself and any wait for a free connection count as latency. The
 *       generator's own lag (actual send start minus scheduled time) is reported separately.
 * </ul>
 *
 * <p>Non-2xx answers and transport failures are errors. The last line printed is a single
 * {@code RESULT key=value ...} line for the scripts. CPU use of the generator process and of
 * each core listed with {@code --cores} over the measured window is printed too, so a reader can
 * see whether the generator or the server was the bottleneck.
 */
public final class LoadGen {

  enum Phase { WARMUP, MEASURE, DRAIN, DONE }

  static final class Settings {
    String mode = "closed";
    URI url;
    HttpMethod method = HttpMethod.GET;
    Map<String, String> headers = new TreeMap<>();
    Buffer body;
    int connections = 64;
    int threads = 1;
    int warmupSeconds = 5;
    int durationSeconds = 15;
    double rate;
    String label = "run";
    String cores = "";
    String genCore = "";
    boolean timeline;
    int pipelining = 1;
    List<String> targets = List.of();
    Map<String, Integer> watch = new TreeMap<>();
  }

  static volatile Phase phase = Phase.WARMUP;
  static volatile long measureStartNanos;
  static volatile long measureEndNanos;

  static final AtomicLong ok = new AtomicLong();
  static final AtomicLong errors = new AtomicLong();
  static final AtomicLong totalOk = new AtomicLong();
  static final AtomicLong totalErrors = new AtomicLong();
  static final AtomicLong sent = new AtomicLong();
  static final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
  static final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    Settings s = parse(args);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.threads));
    List<Worker> workers = new ArrayList<>();
    int perWorkerConns = Math.max(1, s.connections / s.threads);
    for (int i = 0; i < s.threads; i++) {
      int conns = perWorkerConns + (i < s.connections % s.threads ? 1 : 0);
      workers.add(new Worker(s, conns, s.rate / s.threads));
    }
    // one verticle per event loop (assigned round robin), each with its own client and connections
    for (Worker w : workers) {
      vertx.deployVerticle(w, new DeploymentOptions()).await();
    }
    System.out.printf(Locale.ROOT,
        "# %s: mode=%s %s %s connections=%d%s event-loop-threads=%d warmup=%ds duration=%ds%s%n",
        s.label, s.mode, s.method, s.targets.isEmpty() ? s.url : s.targets.size() + " targets of " + s.url.getHost()
            + ":" + s.url.getPort() + " (" + s.targets.get(0).split("\t")[0] + ", ...)", s.connections,
        s.pipelining > 1 ? " pipelining=" + s.pipelining : "", s.threads, s.warmupSeconds, s.durationSeconds,
        s.mode.equals("open") ? String.format(Locale.ROOT, " rate=%.0f/s", s.rate) : "");

    Thread.sleep(s.warmupSeconds * 1000L);
    CpuSnapshot cpu0 = CpuSnapshot.take(s);
    measureStartNanos = System.nanoTime();
    phase = Phase.MEASURE;
    Thread.sleep(s.durationSeconds * 1000L);
    measureEndNanos = System.nanoTime();
    phase = Phase.DRAIN;
    CpuSnapshot cpu1 = CpuSnapshot.take(s);
    double window = (measureEndNanos - measureStartNanos) / 1e9;

    // let outstanding requests finish (open loop: they are part of the measurement)
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < drainDeadline && workers.stream().anyMatch(w -> w.inFlight.get() > 0)) {
      Thread.sleep(20);
    }
    phase = Phase.DONE;
    long stuck = workers.stream().mapToLong(w -> w.inFlight.get()).sum();

    Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Histogram lag = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    long maxInFlight = 0;
    for (Worker w : workers) {
      synchronized (w) {
        latency.add(w.latency);
        lag.add(w.lag);
      }
      maxInFlight = Math.max(maxInFlight, w.maxInFlight);
    }
    long okCount = ok.get();
    long errCount = errors.get() + (s.mode.equals("open") ? stuck : 0);
    double rps = okCount / window;

    System.out.printf(Locale.ROOT, "# statuses in window: %s%s%n", statuses,
        failures.isEmpty() ? "" : " failures: " + failures);
    System.out.printf(Locale.ROOT, "# latency (us, from %s): p50=%d p90=%d p99=%d p99.9=%d max=%d mean=%.0f n=%d%n",
        s.mode.equals("open") ? "scheduled send time" : "actual send",
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(90), latency.getValueAtPercentile(99),
        latency.getValueAtPercentile(99.9), latency.getMaxValue(), latency.getMean(), latency.getTotalCount());
    if (s.mode.equals("open")) {
      System.out.printf(Locale.ROOT,
          "# generator lag (us, actual send start - scheduled): p50=%d p99=%d max=%d; max in flight in the window %d (at most %d on the wire); "
              + "unanswered after drain %d%n",
          lag.getValueAtPercentile(50), lag.getValueAtPercentile(99), lag.getMaxValue(), maxInFlight,
          s.connections, stuck);
      if (maxInFlight > s.connections) {
        System.out.println("# note: every connection was busy at some point; the excess requests waited in the "
            + "generator's queue (their wait counts as latency from the scheduled time)");
      }
    }
    if (s.timeline) {
      System.out.println("# timeline (second of the window: answers, max latency ms, answers over 25 ms):");
      StringBuilder tl = new StringBuilder("#  ");
      for (int sec = 0; sec < s.durationSeconds; sec++) {
        long n = 0;
        long max = 0;
        long slow = 0;
        for (Worker w : workers) {
          synchronized (w) {
            n += w.timelineCount[sec];
            max = Math.max(max, w.timelineMax[sec]);
            slow += w.timelineSlow[sec];
          }
        }
        tl.append(String.format(Locale.ROOT, " %d:%d/%.0f/%d", sec, n, max / 1000.0, slow));
      }
      System.out.println(tl);
    }
    String cpuReport = CpuSnapshot.report(cpu0, cpu1, window);
    double other = CpuSnapshot.processes(cpu0, cpu1, window).get("other");
    if (other > 10) {
      System.out.printf(Locale.ROOT, "# WARNING: other processes used %.0f%% of a core during the window: this figure is "
          + "noisy, rerun on an idle machine%n", other);
    }
    System.out.println("# cpu over the window (100% = one core; processes exact, cores tick-sampled): " + cpuReport);
    double genCpu = (cpu1.selfCpuNanos - cpu0.selfCpuNanos) / 1e9 / window * 100;
    double genCore = CpuSnapshot.busy(cpu0, cpu1, s.genCore);
    System.out.printf(Locale.ROOT,
        "# generator: %.0f%% of a core in its own process, its core %s busy %.0f%% (the rest is mostly the "
            + "kernel's loopback TCP work done on the sender's core), %d event-loop thread(s)%s%n",
        genCpu, s.genCore, genCore, s.threads,
        genCore > 95 ? " -- WARNING: its core is saturated, the generator may co-limit this figure" : "");
    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "RESULT label=%s mode=%s rps=%.0f ok=%d errors=%d window_s=%.2f",
        s.label, s.mode, rps, okCount, errCount, window));
    line.append(String.format(Locale.ROOT, " total_ok=%d total_errors=%d", totalOk.get(), totalErrors.get()));
    line.append(String.format(Locale.ROOT, " p50_us=%d p99_us=%d p999_us=%d max_us=%d",
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9),
        latency.getMaxValue()));
    if (s.mode.equals("open")) {
      line.append(String.format(Locale.ROOT, " rate=%.0f lag_p99_us=%d lag_max_us=%d max_in_flight=%d",
          s.rate, lag.getValueAtPercentile(99), lag.getMaxValue(), maxInFlight));
    }
    line.append(String.format(Locale.ROOT, " gen_cpu_pct=%.0f connections=%d threads=%d", genCpu, s.connections,
        s.threads));
    line.append(' ').append(CpuSnapshot.keyValues(cpu0, cpu1, window));
    System.out.println(line);
    System.out.flush();
    vertx.close().await(5, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** The requests of one event loop: its own client, connections and histograms. */
  static final class Worker extends VerticleBase {
    private final Settings s;
    private final int connections;
    private final double rate;
    final AtomicLong inFlight = new AtomicLong();
    long maxInFlight;
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final Histogram lag = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final long[] timelineCount = new long[601];
    final long[] timelineMax = new long[601];
    final long[] timelineSlow = new long[601];
    private HttpClient client;
    private RequestOptions options;
    private final List<RequestOptions> targets = new ArrayList<>();
    private int nextTarget;

    Worker(Settings s, int connections, double rate) {
      this.s = s;
      this.connections = connections;
      this.rate = rate;
    }

    @Override
    public Future<?> start() {
      client = vertx.createHttpClient(
          new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
              .setPipelining(s.pipelining > 1).setPipeliningLimit(Math.max(1, s.pipelining)),
          new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
      options = baseOptions().setURI(s.url.getRawPath() + (s.url.getRawQuery() != null ? "?" + s.url.getRawQuery() : ""));
      // --targets-file: request i goes to target i mod n (same host and port, its own path and headers)
      for (String line : s.targets) {
        String[] parts = line.split("\t");
        RequestOptions target = baseOptions().setURI(parts[0]);
        for (int i = 1; i < parts.length; i++) {
          int c = parts[i].indexOf(':');
          target.putHeader(parts[i].substring(0, c).trim(), parts[i].substring(c + 1).trim());
        }
        targets.add(target);
      }
      if (s.mode.equals("closed")) {
        for (int i = 0; i < connections * Math.max(1, s.pipelining); i++) {
          loop();
        }
      } else {
        startOpenLoop();
      }
      return Future.succeededFuture();
    }

    private RequestOptions baseOptions() {
      RequestOptions o = new RequestOptions().setMethod(s.method).setHost(s.url.getHost()).setPort(s.url.getPort());
      s.headers.forEach(o::putHeader);
      if (s.body != null) {
        o.putHeader("content-type", "application/json");
      }
      return o;
    }

    private void loop() {
      if (phase == Phase.DRAIN || phase == Phase.DONE) {
        return;
      }
      long start = System.nanoTime();
      send().onComplete(ar -> {
        record(start, ar.succeeded() ? ar.result() : -1, ar.failed() ? ar.cause() : null);
        if (ar.failed()) {
          vertx.setTimer(5, t -> loop()); // don't spin on a refused connection
        } else {
          loop();
        }
      });
    }

    /**
     * Sends at t0 + i / rate: a 1 ms tick takes every request that is due. At most {@code connections}
     * requests are on the wire; the others wait here in a FIFO of their scheduled times (not in
     * the client pool's wait queue, which is costly when long) and their wait counts as latency.
     */
    private void startOpenLoop() {
      long interval = (long) (1e9 / rate);
      long t0 = System.nanoTime();
      long[] next = {0};
      vertx.setPeriodic(1, id -> {
        if (phase == Phase.DRAIN || phase == Phase.DONE) {
          vertx.cancelTimer(id);
          return;
        }
        long now = System.nanoTime();
        while (true) {
          long scheduled = t0 + next[0] * interval;
          if (scheduled > now) {
            break;
          }
          next[0]++;
          if (phase == Phase.MEASURE && scheduled >= measureStartNanos) {
            synchronized (this) {
              lag.recordValue(Math.max(0, (now - scheduled) / 1000));
            }
          }
          backlog.add(scheduled);
          inFlight.incrementAndGet();
        }
        pump();
      });
    }

    private final LongQueue backlog = new LongQueue();
    private int onWire;

    private void pump() {
      while (onWire < connections && !backlog.isEmpty()) {
        long scheduled = backlog.poll();
        onWire++;
        long n = inFlight.get();
        if (n > maxInFlight && phase == Phase.MEASURE) {
          maxInFlight = n;
        }
        request().onComplete(ar -> {
          onWire--;
          record(scheduled, ar.succeeded() ? ar.result() : -1, ar.failed() ? ar.cause() : null);
          pump();
        });
      }
    }

    private Future<Integer> send() {
      long n = inFlight.incrementAndGet();
      if (n > maxInFlight && phase == Phase.MEASURE) {
        maxInFlight = n;
      }
      return request();
    }

    private Future<Integer> request() {
      sent.incrementAndGet();
      RequestOptions target = options;
      if (!targets.isEmpty()) {
        target = targets.get(nextTarget);
        nextTarget = (nextTarget + 1) % targets.size();
      }
      return client.request(target)
          .compose(req -> s.body != null ? req.send(s.body) : req.send())
          .compose((HttpClientResponse resp) -> resp.body().map(b -> resp.statusCode()));
    }

    private void record(long start, int status, Throwable failure) {
      inFlight.decrementAndGet();
      long end = System.nanoTime();
      boolean success = status >= 200 && status < 300;
      if (success) {
        totalOk.incrementAndGet();
      } else {
        totalErrors.incrementAndGet();
      }
      // closed loop: what completes in the window; open loop: what was scheduled in the window
      long t = s.mode.equals("open") ? start : end;
      if (t < measureStartNanos || measureStartNanos == 0 || (measureEndNanos != 0 && t >= measureEndNanos)) {
        return;
      }
      if (success) {
        ok.incrementAndGet();
      } else {
        errors.incrementAndGet();
      }
      String key = status > 0 ? Integer.toString(status) : "failed";
      statuses.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
      if (failure != null) {
        failures.computeIfAbsent(failure.getClass().getSimpleName() + ": " + failure.getMessage(),
            k -> new AtomicLong()).incrementAndGet();
      }
      long micros = Math.min(TimeUnit.SECONDS.toMicros(60), Math.max(0, (end - start) / 1000));
      int second = (int) ((t - measureStartNanos) / 1_000_000_000L);
      synchronized (this) {
        latency.recordValue(micros);
        if (second < timelineCount.length) {
          timelineCount[second]++;
          timelineMax[second] = Math.max(timelineMax[second], micros);
          if (micros > 25_000) {
            timelineSlow[second]++;
          }
        }
      }
    }
  }

  /** CPU time of this process, of the watched processes (and their children), of all others, and of the listed cores. */
  static final class CpuSnapshot {
    long selfCpuNanos;
    ProcStat procs;
    Map<String, Integer> watch;
    Map<String, long[]> cores = new TreeMap<>(); // busy, total, user+nice, system, irq+softirq, steal (jiffies)

    static CpuSnapshot take(Settings s) {
      CpuSnapshot c = new CpuSnapshot();
      c.selfCpuNanos = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
      c.procs = ProcStat.take();
      c.watch = s.watch;
      if (!s.cores.isBlank()) {
        try {
          for (String l : Files.readAllLines(Path.of("/proc/stat"))) {
            for (String core : s.cores.split(",")) {
              if (l.startsWith("cpu" + core.trim() + " ")) {
                String[] f = l.trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length && i <= 8; i++) {
                  total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                c.cores.put("core" + core.trim(), new long[] {total - idle, total,
                    Long.parseLong(f[1]) + Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[6]) + Long.parseLong(f[7]), f.length > 8 ? Long.parseLong(f[8]) : 0});
              }
            }
          }
        } catch (Exception ignored) {
          // not Linux: no per-core figures
        }
      }
      return c;
    }

    /** name -> % of one core over the window: each watched tree, "other" (every process not ours). */
    static Map<String, Double> processes(CpuSnapshot a, CpuSnapshot b, double window) {
      Map<String, Double> out = new java.util.LinkedHashMap<>();
      Set<Integer> ours = new HashSet<>();
      ours.add((int) ProcessHandle.current().pid());
      b.watch.forEach((name, pid) -> {
        Set<Integer> tree = b.procs.tree(pid);
        ours.addAll(tree);
        out.put(name, b.procs.ticksSince(a.procs, tree) / (double) ProcStat.HZ / window * 100);
      });
      Set<Integer> others = new HashSet<>(b.procs.procs.keySet());
      others.removeAll(ours);
      out.put("other", b.procs.ticksSince(a.procs, others) / (double) ProcStat.HZ / window * 100);
      return out;
    }

    static String report(CpuSnapshot a, CpuSnapshot b, double window) {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(Locale.ROOT, "generator %.0f%%", (b.selfCpuNanos - a.selfCpuNanos) / 1e9 / window * 100));
      processes(a, b, window).forEach((name, pct) -> sb.append(String.format(Locale.ROOT, ", %s %.0f%%", name, pct)));
      b.cores.forEach((core, v) -> {
        long[] v0 = a.cores.get(core);
        if (v0 != null && v[1] > v0[1]) {
          double t = v[1] - v0[1];
          sb.append(String.format(Locale.ROOT, ", %s busy %.0f%% (user %.0f%%, sys %.0f%%, softirq %.0f%%, steal %.0f%%)",
              core, 100.0 * (v[0] - v0[0]) / t, 100.0 * (v[2] - v0[2]) / t, 100.0 * (v[3] - v0[3]) / t,
              100.0 * (v[4] - v0[4]) / t, 100.0 * (v[5] - v0[5]) / t));
        }
      });
      return sb.toString();
    }

    static double busy(CpuSnapshot a, CpuSnapshot b, String core) {
      long[] v0 = a.cores.get("core" + core);
      long[] v1 = b.cores.get("core" + core);
      return v0 == null || v1 == null || v1[1] <= v0[1] ? -1 : 100.0 * (v1[0] - v0[0]) / (v1[1] - v0[1]);
    }

    static String keyValues(CpuSnapshot a, CpuSnapshot b, double window) {
      StringBuilder sb = new StringBuilder();
      processes(a, b, window).forEach((name, pct) ->
          sb.append(String.format(Locale.ROOT, "cpu_%s_pct=%.0f ", name, pct)));
      b.cores.forEach((core, v) -> {
        long[] v0 = a.cores.get(core);
        if (v0 != null && v[1] > v0[1]) {
          sb.append(String.format(Locale.ROOT, "%s_busy_pct=%.0f ", core, 100.0 * (v[0] - v0[0]) / (v[1] - v0[1])));
        }
      });
      return sb.toString().trim();
    }
  }

  static Settings parse(String[] args) throws Exception {
    Settings s = new Settings();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--mode" -> { s.mode = v; i++; }
        case "--url" -> { s.url = URI.create(v); i++; }
        case "--method" -> { s.method = HttpMethod.valueOf(v); i++; }
        case "--header" -> {
          int c = v.indexOf(':');
          s.headers.put(v.substring(0, c).trim(), v.substring(c + 1).trim());
          i++;
        }
        case "--body" -> { s.body = Buffer.buffer(v); i++; }
        case "--body-file" -> { s.body = Buffer.buffer(Files.readAllBytes(Path.of(v))); i++; }
        // lines "PATH<TAB>Name: value<TAB>...": requests cycle through them, on --url's host and port
        case "--targets-file" -> {
          s.targets = Files.readAllLines(Path.of(v)).stream().filter(l -> !l.isBlank()).toList();
          i++;
        }
        case "--connections" -> { s.connections = Integer.parseInt(v); i++; }
        case "--threads" -> { s.threads = Integer.parseInt(v); i++; }
        case "--warmup" -> { s.warmupSeconds = Integer.parseInt(v); i++; }
        case "--duration" -> { s.durationSeconds = Integer.parseInt(v); i++; }
        case "--rate" -> { s.rate = Double.parseDouble(v); i++; }
        case "--label" -> { s.label = v; i++; }
        case "--pipelining" -> { s.pipelining = Integer.parseInt(v); i++; } // closed loop: N requests per connection
        case "--timeline" -> s.timeline = true; // per-second answers, max latency, answers over 25 ms
        case "--cores" -> { s.cores = v; i++; } // e.g. 0,1: per-core busy share in the window
        case "--gen-core" -> { s.genCore = v; i++; } // the core the generator is pinned to
        case "--watch" -> { // name=pid: CPU of that process and its descendants
          int eq = v.indexOf('=');
          s.watch.put(v.substring(0, eq), Integer.parseInt(v.substring(eq + 1)));
          i++;
        }
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    if (s.url == null) {
      throw new IllegalArgumentException("--url is required");
    }
    if (!s.mode.equals("closed") && !s.mode.equals("open")) {
      throw new IllegalArgumentException("--mode closed|open");
    }
    if (s.mode.equals("open") && s.rate <= 0) {
      throw new IllegalArgumentException("--rate is required in open mode");
    }
    if (s.durationSeconds <= 0 || s.durationSeconds > 600 || s.warmupSeconds < 0 || s.warmupSeconds > 600) {
      throw new IllegalArgumentException("durations are bounded: 1..600 s");
    }
    if (!"127.0.0.1".equals(s.url.getHost()) && !"localhost".equals(s.url.getHost())) {
      throw new IllegalArgumentException("this generator only targets 127.0.0.1 / localhost");
    }
    s.threads = Math.max(1, Math.min(s.threads, s.connections));
    return s;
  }

  /** A growable FIFO ring of longs (no boxing). */
  static final class LongQueue {
    private long[] items = new long[1024];
    private int head;
    private int size;

    void add(long v) {
      if (size == items.length) {
        long[] bigger = new long[items.length * 2];
        for (int i = 0; i < size; i++) {
          bigger[i] = items[(head + i) % items.length];
        }
        items = bigger;
        head = 0;
      }
      items[(head + size) % items.length] = v;
      size++;
    }

    long poll() {
      long v = items[head];
      head = (head + 1) % items.length;
      size--;
      return v;
    }

    boolean isEmpty() {
      return size == 0;
    }
  }
}
