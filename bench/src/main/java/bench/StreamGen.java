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
import io.vertx.core.http.HttpClientResponse;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Streamed chat replies, closed loop: N streams in flight (when one ends the next starts), each a
 * POST that asks for Server-Sent Events, and the time to the first visible token measured on the
 * client, all on this process's System.nanoTime().
 *
 * <ul>
 *   <li>{@code --target server}: POST /api/widgets/:id/chat with {@code Accept: text/event-stream},
 *       {@code {"sessionId": <new for every stream>, "message": ...}} and the widget token of the
 *       next tenant ({@code --targets-file}, lines {@code PATH<TAB>Name: value...}). First token:
 *       the first {@code event: delta}; end: the {@code event: done} (an {@code event: error}, a
 *       non-200 answer or a stream ending without {@code done} is an error). Each delta's JSON and
 *       the done body are parsed: the done's message must be exactly the deltas' text.
 *   <li>{@code --target direct}: the same streamed Chat Completions request the server sent
 *       ({@code --body-file}) straight to the fake provider. First token: the first chunk whose
 *       {@code delta.content} is not empty; end: {@code data: [DONE]}.
 * </ul>
 *
 * <p>A stream is measured when it started inside the measured window (its time to first token,
 * last token and end go into the histograms); throughput is the streams that ended inside the
 * window. After the window no stream starts; those still running get {@code --drain} seconds, and a
 * measured one unfinished then is an error.
 *
 * <p>{@code --sockets S --jwt JWT}: before the load, S dashboard sockets ({@code GET
 * /api/ws/tenant}, auth message) of the tenant the streams go to. For every delta of every measured
 * stream and every socket: the delta's arrival on the socket ({@code message:delta}, matched by
 * conversationId and order, its text compared) minus its arrival on the SSE client, and the
 * socket's first delta minus the stream's start (the dashboard's time to first token). Deltas a
 * socket never got are counted as missing.
 *
 * <p>Tokens stamped by the fake provider ({@code BareServer --stamp true}: {@code
 * tok<n>:<request arrived>:<token written> }, System.nanoTime(), one monotonic clock for every
 * process on Linux) split the wait: request start -> the provider has the request (for the server:
 * its whole path before the provider call), and each token's way from the provider to this client
 * (and to each dashboard socket).
 *
 * <p>The last line printed is {@code RESULT key=value ...} for the scripts.
 */
public final class StreamGen {

  enum Phase { WARMUP, MEASURE, DRAIN, DONE }

  static final class Settings {
    String target = "server";
    URI url;
    List<String> targets = List.of();
    Buffer body;
    String message = "What are your opening hours, and do you ship to Canada?";
    int streams = 100;
    int threads = 1;
    int warmupSeconds = 5;
    int durationSeconds = 15;
    int drainSeconds = 30;
    String label = "run";
    int sockets;
    String jwt;
    String cores = "";
    String genCore = "";
    Map<String, Integer> watch = new TreeMap<>();
  }

  static Settings s;
  static volatile Phase phase = Phase.WARMUP;
  static volatile long measureStartNanos;
  static volatile long measureEndNanos;

  static final AtomicLong completedInWindow = new AtomicLong();
  static final AtomicLong totalOk = new AtomicLong();
  static final AtomicLong totalErrors = new AtomicLong();
  static final AtomicLong measuredOk = new AtomicLong();
  static final AtomicLong measuredErrors = new AtomicLong();
  static final AtomicLong measuredDeltas = new AtomicLong();
  static final AtomicLong textMismatch = new AtomicLong();
  static final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
  /** conversationId -> the measured stream that opened it (server target with sockets only). */
  static final Map<String, Stream> measuredStreams = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    s = parse(args);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.threads));
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < s.threads; i++) {
      int streams = s.streams / s.threads + (i < s.streams % s.threads ? 1 : 0);
      int sockets = s.sockets / s.threads + (i < s.sockets % s.threads ? 1 : 0);
      workers.add(new Worker(i, streams, sockets));
    }
    for (Worker w : workers) {
      vertx.deployVerticle(w, new DeploymentOptions()).await();
    }
    if (s.sockets > 0) {
      long t0 = System.nanoTime();
      List<Future<Integer>> connected = new ArrayList<>();
      for (Worker w : workers) {
        connected.add(w.onContext(w::connectAll).compose(f -> f));
      }
      int failed = 0;
      for (Future<Integer> f : connected) {
        failed += f.await(60, TimeUnit.SECONDS);
      }
      System.out.printf(Locale.ROOT, "# %d/%d dashboard sockets authenticated in %.1f s%n", s.sockets - failed,
          s.sockets, (System.nanoTime() - t0) / 1e9);
      if (failed > 0) {
        throw new IllegalStateException(failed + " dashboard socket(s) failed to authenticate");
      }
    }
    for (Worker w : workers) {
      w.onContext(() -> {
        w.probe();
        w.startStreams();
        return null;
      });
    }
    System.out.printf(Locale.ROOT, "# %s: target=%s %s streams=%d sockets=%d event-loop-threads=%d warmup=%ds duration=%ds%n",
        s.label, s.target, s.targets.isEmpty() ? s.url : s.targets.size() + " targets (" + s.targets.get(0).split("\t")[0]
            + ", ...)", s.streams, s.sockets, s.threads, s.warmupSeconds, s.durationSeconds);

    LoadGen.Settings cpuSettings = new LoadGen.Settings();
    cpuSettings.cores = s.cores;
    cpuSettings.genCore = s.genCore;
    cpuSettings.watch = s.watch;
    Thread.sleep(s.warmupSeconds * 1000L);
    LoadGen.CpuSnapshot cpu0 = LoadGen.CpuSnapshot.take(cpuSettings);
    measureStartNanos = System.nanoTime();
    phase = Phase.MEASURE;
    Thread.sleep(s.durationSeconds * 1000L);
    measureEndNanos = System.nanoTime();
    phase = Phase.DRAIN;
    LoadGen.CpuSnapshot cpu1 = LoadGen.CpuSnapshot.take(cpuSettings);
    double window = (measureEndNanos - measureStartNanos) / 1e9;

    long drainStart = System.nanoTime();
    long drainDeadline = drainStart + TimeUnit.SECONDS.toNanos(s.drainSeconds);
    while (System.nanoTime() < drainDeadline && workers.stream().anyMatch(w -> w.inFlight.get() > 0)) {
      Thread.sleep(10);
    }
    double drained = (System.nanoTime() - drainStart) / 1e9;
    if (s.sockets > 0) {
      Thread.sleep(500); // the last deltas of the last streams on their way to the sockets
    }
    phase = Phase.DONE;

    Histogram ttft = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    Histogram last = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    Histogram end = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    Histogram loopLag = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    Histogram toProvider = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    Histogram firstHop = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    Histogram hop = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    Histogram dashHop = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    long unfinished = 0;
    long maxInFlight = 0;
    for (Worker w : workers) {
      w.onContext(() -> {
        ttft.add(w.ttft);
        last.add(w.last);
        end.add(w.end);
        loopLag.add(w.loopLag);
        toProvider.add(w.toProvider);
        firstHop.add(w.firstHop);
        hop.add(w.hop);
        dashHop.add(w.dashHop);
        return null;
      }).await(10, TimeUnit.SECONDS);
      unfinished += w.unfinishedMeasured();
      maxInFlight += w.maxInFlight;
    }
    FanOut fan = new FanOut();
    if (s.sockets > 0) {
      for (Worker w : workers) {
        w.onContext(() -> {
          w.join(fan);
          return null;
        }).await(60, TimeUnit.SECONDS);
      }
    }
    long ok = measuredOk.get();
    long errors = measuredErrors.get() + unfinished;
    double sps = completedInWindow.get() / window;

    System.out.printf(Locale.ROOT, "# streams started in the window: %d ended with done, %d errors (%d unfinished after %.1f s of drain)%s%n",
        ok, errors, unfinished, drained, failures.isEmpty() ? "" : "; failures (all phases): " + failures);
    System.out.printf(Locale.ROOT, "# time to first token (us): p50=%d p90=%d p99=%d p99.9=%d max=%d mean=%.0f n=%d%n",
        ttft.getValueAtPercentile(50), ttft.getValueAtPercentile(90), ttft.getValueAtPercentile(99),
        ttft.getValueAtPercentile(99.9), ttft.getMaxValue(), ttft.getMean(), ttft.getTotalCount());
    System.out.printf(Locale.ROOT, "# time to last token (us): p50=%d p99=%d max=%d; to the end of the stream: p50=%d p99=%d max=%d%n",
        last.getValueAtPercentile(50), last.getValueAtPercentile(99), last.getMaxValue(),
        end.getValueAtPercentile(50), end.getValueAtPercentile(99), end.getMaxValue());
    System.out.printf(Locale.ROOT, "# %.1f streams/s ended in the window, %.2f deltas per measured stream, %d done bodies not equal to their deltas' text; "
            + "generator event-loop lag (1 ms timer) p99=%d us max=%d us%n",
        sps, ok > 0 ? measuredDeltas.get() / (double) ok : 0, textMismatch.get(), loopLag.getValueAtPercentile(99),
        loopLag.getMaxValue());
    if (hop.getTotalCount() > 0) {
      System.out.printf(Locale.ROOT, "# stamped tokens (us): request start -> the provider has it p50=%d p99=%d max=%d; first token, provider write -> "
              + "here p50=%d p99=%d max=%d; every token p50=%d p99=%d max=%d n=%d%n",
          toProvider.getValueAtPercentile(50), toProvider.getValueAtPercentile(99), toProvider.getMaxValue(),
          firstHop.getValueAtPercentile(50), firstHop.getValueAtPercentile(99), firstHop.getMaxValue(),
          hop.getValueAtPercentile(50), hop.getValueAtPercentile(99), hop.getMaxValue(), hop.getTotalCount());
    }
    if (s.sockets > 0) {
      fan.print();
      System.out.printf(Locale.ROOT, "# stamped tokens, provider write -> a dashboard socket (us, during the window): p50=%d p99=%d p99.9=%d max=%d n=%d%n",
          dashHop.getValueAtPercentile(50), dashHop.getValueAtPercentile(99), dashHop.getValueAtPercentile(99.9),
          dashHop.getMaxValue(), dashHop.getTotalCount());
    }
    String cpuReport = LoadGen.CpuSnapshot.report(cpu0, cpu1, window);
    double other = LoadGen.CpuSnapshot.processes(cpu0, cpu1, window).get("other");
    if (other > 10) {
      System.out.printf(Locale.ROOT, "# WARNING: other processes used %.0f%% of a core during the window: this figure is "
          + "noisy, rerun on an idle machine%n", other);
    }
    System.out.println("# cpu over the window (100% = one core; processes exact, cores tick-sampled): " + cpuReport);
    double genCpu = (cpu1.selfCpuNanos - cpu0.selfCpuNanos) / 1e9 / window * 100;

    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "RESULT label=%s target=%s streams=%d sps=%.1f completed=%d ok=%d errors=%d unfinished=%d window_s=%.2f",
        s.label, s.target, s.streams, sps, completedInWindow.get(), ok, errors, unfinished, window));
    line.append(String.format(Locale.ROOT, " total_ok=%d total_errors=%d", totalOk.get(), totalErrors.get()));
    line.append(String.format(Locale.ROOT, " ttft_p50_us=%d ttft_p90_us=%d ttft_p99_us=%d ttft_p999_us=%d ttft_max_us=%d",
        ttft.getValueAtPercentile(50), ttft.getValueAtPercentile(90), ttft.getValueAtPercentile(99),
        ttft.getValueAtPercentile(99.9), ttft.getMaxValue()));
    line.append(String.format(Locale.ROOT, " last_p50_us=%d last_p99_us=%d end_p50_us=%d end_p99_us=%d end_max_us=%d",
        last.getValueAtPercentile(50), last.getValueAtPercentile(99), end.getValueAtPercentile(50),
        end.getValueAtPercentile(99), end.getMaxValue()));
    line.append(String.format(Locale.ROOT, " deltas=%d text_mismatch=%d lag_p99_us=%d lag_max_us=%d max_in_flight=%d",
        measuredDeltas.get(), textMismatch.get(), loopLag.getValueAtPercentile(99), loopLag.getMaxValue(), maxInFlight));
    line.append(String.format(Locale.ROOT, " to_provider_p50_us=%d to_provider_p99_us=%d first_hop_p50_us=%d first_hop_p99_us=%d"
            + " hop_p50_us=%d hop_p99_us=%d hop_max_us=%d",
        toProvider.getValueAtPercentile(50), toProvider.getValueAtPercentile(99), firstHop.getValueAtPercentile(50),
        firstHop.getValueAtPercentile(99), hop.getValueAtPercentile(50), hop.getValueAtPercentile(99), hop.getMaxValue()));
    if (s.sockets > 0) {
      line.append(' ').append(fan.keyValues());
      line.append(String.format(Locale.ROOT, " dash_hop_p50_us=%d dash_hop_p99_us=%d dash_hop_max_us=%d",
          dashHop.getValueAtPercentile(50), dashHop.getValueAtPercentile(99), dashHop.getMaxValue()));
    }
    line.append(String.format(Locale.ROOT, " gen_cpu_pct=%.0f threads=%d", genCpu, s.threads));
    line.append(' ').append(LoadGen.CpuSnapshot.keyValues(cpu0, cpu1, window));
    System.out.println(line);
    System.out.flush();
    try {
      vertx.close().await(5, TimeUnit.SECONDS);
    } catch (Exception slow) {
      // the sockets' close handshakes: nothing is left to measure
    }
    System.exit(0);
  }

  /** One stream: its times (System.nanoTime) and, when sockets listen, each delta's arrival and text. */
  static final class Stream {
    final long start;
    final boolean measured;
    final boolean recordDeltas;
    long first;
    long lastDelta;
    long ended;
    int deltas;
    int deltaChars;
    boolean done;
    long[] arrivals;
    int[] texts;
    String conversationId;

    Stream(long start, boolean measured, boolean recordDeltas) {
      this.start = start;
      this.measured = measured;
      this.recordDeltas = recordDeltas;
      if (recordDeltas) {
        arrivals = new long[32];
        texts = new int[32];
      }
    }

    void delta(long now, String text) {
      if (deltas == 0) {
        first = now;
      }
      lastDelta = now;
      if (recordDeltas) {
        if (deltas == arrivals.length) {
          arrivals = Arrays.copyOf(arrivals, deltas * 2);
          texts = Arrays.copyOf(texts, deltas * 2);
        }
        arrivals[deltas] = now;
        texts[deltas] = text.hashCode();
      }
      deltas++;
      if (text != null) {
        deltaChars += text.length();
      }
    }
  }

  /**
   * Splits a text/event-stream into events (event name, joined data) at blank lines; chunks may
   * split it anywhere (bytes are kept until their line is complete).
   */
  static final class SseLines {
    interface Sink {
      void event(String name, String data);
    }

    private final Sink sink;
    private Buffer pending = Buffer.buffer();
    private String name;
    private StringBuilder data;

    SseLines(Sink sink) {
      this.sink = sink;
    }

    void feed(Buffer chunk) {
      Buffer buf = pending.length() == 0 ? chunk : pending.appendBuffer(chunk);
      int from = 0;
      int n = buf.length();
      for (int i = 0; i < n; i++) {
        if (buf.getByte(i) == '\n') {
          int to = i > from && buf.getByte(i - 1) == '\r' ? i - 1 : i;
          line(buf.getString(from, to));
          from = i + 1;
        }
      }
      pending = from == n ? Buffer.buffer() : buf.getBuffer(from, n);
    }

    private void line(String line) {
      if (line.isEmpty()) {
        if (data != null) {
          sink.event(name == null ? "message" : name, data.toString());
        }
        name = null;
        data = null;
        return;
      }
      if (line.charAt(0) == ':') {
        return;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(line.startsWith(": ", colon) ? colon + 2 : colon + 1);
      if (field.equals("event")) {
        name = value;
      } else if (field.equals("data")) {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
    }
  }

  /** The streams (and sockets) of one event loop: its own client, connections and histograms. */
  static final class Worker extends VerticleBase {
    private final int index;
    private final int streams;
    private final int socketCount;
    final AtomicLong inFlight = new AtomicLong();
    long maxInFlight;
    final Histogram ttft = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram last = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram end = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram loopLag = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    // stamped tokens (BareServer --stamp true): request start -> provider has it; token written -> here
    final Histogram toProvider = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram firstHop = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram hop = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Histogram dashHop = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    private final java.util.Set<Stream> open = new java.util.HashSet<>();
    private final List<Sock> sockets = new ArrayList<>();
    private HttpClient client;
    private final List<RequestOptions> targets = new ArrayList<>();
    private int nextTarget;
    private long seq;

    Worker(int index, int streams, int socketCount) {
      this.index = index;
      this.streams = streams;
      this.socketCount = socketCount;
    }

    /** Runs on this worker's event loop. */
    <T> Future<T> onContext(java.util.concurrent.Callable<T> task) {
      Promise<T> p = Promise.promise();
      context.runOnContext(v -> {
        try {
          p.complete(task.call());
        } catch (Exception e) {
          p.fail(e);
        }
      });
      return p.future();
    }

    @Override
    public Future<?> start() {
      client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
          new PoolOptions().setHttp1MaxSize(Math.max(1, streams)).setMaxWaitQueueSize(-1));
      if (s.targets.isEmpty()) {
        targets.add(options(s.url.getRawPath()));
      }
      for (String line : s.targets) {
        String[] parts = line.split("\t");
        RequestOptions target = options(parts[0]);
        for (int i = 1; i < parts.length; i++) {
          int c = parts[i].indexOf(':');
          target.putHeader(parts[i].substring(0, c).trim(), parts[i].substring(c + 1).trim());
        }
        targets.add(target);
      }
      nextTarget = index % targets.size();
      return Future.succeededFuture();
    }

    private RequestOptions options(String path) {
      return new RequestOptions().setMethod(HttpMethod.POST).setHost(s.url.getHost()).setPort(s.url.getPort())
          .setURI(path).putHeader("content-type", "application/json").putHeader("accept", "text/event-stream");
    }

    void probe() {
      long armed = System.nanoTime();
      vertx.setTimer(1, id -> {
        if (phase == Phase.MEASURE) {
          loopLag.recordValue(Math.min(TimeUnit.SECONDS.toMicros(120),
              Math.max(0, (System.nanoTime() - armed - 1_000_000) / 1000)));
        }
        if (phase != Phase.DONE) {
          probe();
        }
      });
    }

    void startStreams() {
      for (int i = 0; i < streams; i++) {
        next();
      }
    }

    long unfinishedMeasured() {
      // read after the drain: the list is only touched on this event loop, which is idle by now
      synchronized (open) {
        return open.stream().filter(st -> st.measured).count();
      }
    }

    private void next() {
      if (phase != Phase.WARMUP && phase != Phase.MEASURE) {
        return;
      }
      long start = System.nanoTime();
      boolean measured = phase == Phase.MEASURE && start >= measureStartNanos;
      Stream st = new Stream(start, measured, measured && s.sockets > 0);
      synchronized (open) {
        open.add(st);
      }
      long n = inFlight.incrementAndGet();
      if (n > maxInFlight && phase == Phase.MEASURE) {
        maxInFlight = n;
      }
      RequestOptions target = targets.get(nextTarget);
      nextTarget = (nextTarget + 1) % targets.size();
      Buffer body = s.target.equals("direct") ? s.body
          : Buffer.buffer(new JsonObject().put("sessionId", "sg-" + s.label + "-" + index + "-" + (seq++))
              .put("message", s.message).encode());
      Promise<Void> outcome = Promise.promise();
      client.request(target)
          .compose(req -> req.send(body))
          .onComplete(ar -> {
            if (ar.failed()) {
              outcome.tryFail(ar.cause());
            } else {
              read(ar.result(), st, outcome);
            }
          });
      outcome.future().onComplete(ar -> {
        synchronized (open) {
          open.remove(st);
        }
        inFlight.decrementAndGet();
        finished(st, ar.failed() ? ar.cause() : null);
        if (ar.failed()) {
          vertx.setTimer(5, t -> next()); // don't spin on a refused connection
        } else {
          next();
        }
      });
    }

    private void read(HttpClientResponse resp, Stream st, Promise<Void> outcome) {
      String type = resp.getHeader("content-type");
      if (resp.statusCode() != 200 || type == null || !type.startsWith("text/event-stream")) {
        resp.body().onComplete(b -> outcome.tryFail(new IllegalStateException("status " + resp.statusCode() + " "
            + type + (b.succeeded() ? " " + truncate(b.result().toString()) : ""))));
        return;
      }
      boolean direct = s.target.equals("direct");
      SseLines parser = new SseLines((name, data) -> {
        long now = System.nanoTime();
        if (direct) {
          if (data.equals("[DONE]")) {
            st.done = true;
            return;
          }
          int at = data.indexOf(CONTENT);
          if (at >= 0) {
            String content = data.substring(at + CONTENT.length(), data.indexOf('"', at + CONTENT.length()));
            if (!content.isEmpty()) {
              delta(st, now, content);
            }
          }
          return;
        }
        switch (name) {
          case "delta" -> delta(st, now, new JsonObject(data).getString("delta"));
          case "done" -> {
            JsonObject body = new JsonObject(data);
            st.done = true;
            st.conversationId = body.getString("conversationId");
            String message = body.getString("message");
            if (message == null || message.length() != st.deltaChars) {
              textMismatch.incrementAndGet();
            }
          }
          case "error" -> outcome.tryFail(new IllegalStateException("event: error " + truncate(data)));
          default -> { }
        }
      });
      resp.exceptionHandler(outcome::tryFail);
      resp.handler(chunk -> {
        try {
          parser.feed(chunk);
        } catch (RuntimeException e) {
          outcome.tryFail(e);
        }
      });
      resp.endHandler(v -> {
        st.ended = System.nanoTime();
        if (st.done && st.deltas > 0) {
          outcome.tryComplete();
        } else {
          outcome.tryFail(new IllegalStateException(st.done ? "no delta before the end" : "ended without done"));
        }
      });
    }

    private void delta(Stream st, long now, String text) {
      boolean first = st.deltas == 0;
      st.delta(now, text);
      long[] stamp = st.measured ? stamps(text) : null;
      if (stamp != null) {
        if (first) {
          toProvider.recordValue(micros(stamp[0] - st.start));
          firstHop.recordValue(micros(now - stamp[1]));
        }
        hop.recordValue(micros(now - stamp[1]));
      }
    }

    private void finished(Stream st, Throwable failure) {
      long now = System.nanoTime();
      boolean ok = failure == null;
      (ok ? totalOk : totalErrors).incrementAndGet();
      if (failure != null) {
        failures.computeIfAbsent(failure.getClass().getSimpleName() + ": " + truncate(String.valueOf(failure.getMessage())),
            k -> new AtomicLong()).incrementAndGet();
      }
      if (ok && measureStartNanos != 0 && now >= measureStartNanos && (measureEndNanos == 0 || now < measureEndNanos)) {
        completedInWindow.incrementAndGet();
      }
      if (!st.measured) {
        return;
      }
      if (!ok) {
        measuredErrors.incrementAndGet();
        return;
      }
      measuredOk.incrementAndGet();
      measuredDeltas.addAndGet(st.deltas);
      ttft.recordValue(micros(st.first - st.start));
      last.recordValue(micros(st.lastDelta - st.start));
      end.recordValue(micros(st.ended - st.start));
      if (st.recordDeltas && st.conversationId != null) {
        measuredStreams.put(st.conversationId, st);
      }
    }

    // ---- dashboard sockets

    Future<Integer> connectAll() {
      WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000)
          .setTcpNoDelay(true).setConnectTimeout(30_000));
      List<Future<Void>> all = new ArrayList<>();
      for (int i = 0; i < socketCount; i++) {
        Sock sock = new Sock(dashHop);
        sockets.add(sock);
        all.add(connect(ws, sock));
      }
      return Future.join(all).transform(ar -> {
        int failed = 0;
        for (Future<Void> f : all) {
          if (f.failed()) {
            if (failed++ < 3) {
              System.out.println("# socket failed: " + f.cause());
            }
          }
        }
        return Future.succeededFuture(failed);
      });
    }

    private Future<Void> connect(WebSocketClient client, Sock sock) {
      Promise<Void> auth = Promise.promise();
      ClientWebSocket ws = client.webSocket();
      ws.textMessageHandler(text -> {
        if (!sock.authed) {
          if (text.contains("\"auth:ok\"")) {
            sock.authed = true;
            auth.tryComplete();
          } else {
            auth.tryFail("unexpected first frame: " + text);
          }
          return;
        }
        sock.frame(System.nanoTime(), text);
      });
      ws.closeHandler(v -> {
        if (sock.authed) {
          sock.closed = ws.closeStatusCode() + " " + ws.closeReason();
        } else {
          auth.tryFail("closed before auth:ok: " + ws.closeStatusCode() + " " + ws.closeReason());
        }
      });
      ws.exceptionHandler(auth::tryFail);
      long timer = vertx.setTimer(30_000, id -> auth.tryFail("no auth:ok within 30 s"));
      ws.connect(new WebSocketConnectOptions().setHost(s.url.getHost()).setPort(s.url.getPort()).setURI("/api/ws/tenant"))
          .onSuccess(w -> w.writeTextMessage(new JsonObject().put("type", "auth").put("token", s.jwt).encode()))
          .onFailure(auth::tryFail);
      return auth.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    /** Each socket's deltas against the SSE arrival of the same delta of the same conversation. */
    void join(FanOut fan) {
      for (Sock sock : sockets) {
        fan.frames += sock.frames;
        fan.deltaFrames += sock.deltaFrames;
        fan.typingFrames += sock.typingFrames;
        if (sock.closed != null) {
          fan.closed++;
          fan.closeReasons.merge(sock.closed, 1, Integer::sum);
        }
        for (Map.Entry<String, Sock.Deltas> e : sock.byConversation.entrySet()) {
          Stream st = measuredStreams.get(e.getKey());
          if (st == null) {
            continue;
          }
          Sock.Deltas d = e.getValue();
          int n = Math.min(d.n, st.deltas);
          for (int k = 0; k < n; k++) {
            fan.skew.add((d.arrivals[k] - st.arrivals[k]) / 1000);
            if (d.texts[k] != st.texts[k]) {
              fan.mismatched++;
            }
          }
          if (n > 0) {
            fan.dashTtft.recordValue(micros(d.arrivals[0] - st.start));
          }
          fan.delivered += n;
          fan.extra += Math.max(0, d.n - st.deltas);
        }
      }
      if (index == 0) {
        for (Stream st : measuredStreams.values()) {
          fan.expected += (long) st.deltas * s.sockets;
          fan.streams++;
        }
      }
    }
  }

  /** A dashboard socket; touched only on its worker's event loop. */
  static final class Sock {
    static final String DELTA = "{\"type\":\"message:delta\"";
    static final String CONVERSATION = "\"conversationId\":\"";
    static final String TEXT = "\"delta\":\"";

    static final class Deltas {
      long[] arrivals = new long[32];
      int[] texts = new int[32];
      int n;
    }

    final Histogram hops;
    boolean authed;
    String closed;
    long frames;
    long deltaFrames;
    long typingFrames;
    final Map<String, Deltas> byConversation = new HashMap<>();

    Sock(Histogram hops) {
      this.hops = hops;
    }

    void frame(long now, String text) {
      frames++;
      if (!text.startsWith(DELTA)) {
        if (text.startsWith("{\"type\":\"typing\"")) {
          typingFrames++;
        }
        return;
      }
      deltaFrames++;
      if (phase == Phase.DONE) {
        return;
      }
      JsonObject data = new JsonObject(text).getJsonObject("data");
      Deltas d = byConversation.computeIfAbsent(data.getString("conversationId"), k -> new Deltas());
      if (d.n == d.arrivals.length) {
        d.arrivals = Arrays.copyOf(d.arrivals, d.n * 2);
        d.texts = Arrays.copyOf(d.texts, d.n * 2);
      }
      d.arrivals[d.n] = now;
      String delta = data.getString("delta", "");
      d.texts[d.n] = delta.hashCode();
      d.n++;
      long[] stamp = phase == Phase.MEASURE ? stamps(delta) : null;
      if (stamp != null) {
        hops.recordValue(micros(now - stamp[1]));
      }
    }
  }

  /** The fan-out figures over all sockets and measured deltas. */
  static final class FanOut {
    final LongList skew = new LongList();
    final Histogram dashTtft = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    long streams;
    long expected;
    long delivered;
    long extra;
    long mismatched;
    long frames;
    long deltaFrames;
    long typingFrames;
    int closed;
    final Map<String, Integer> closeReasons = new TreeMap<>();

    void print() {
      long[] v = skew.sorted();
      System.out.printf(Locale.ROOT, "# fan-out to %d dashboard sockets: %d measured streams, %d of %d deltas delivered (%d missing, %d extra, "
              + "%d with another text); %d frames (%d deltas, %d typing); %d socket(s) closed %s%n",
          s.sockets, streams, delivered, expected, expected - delivered, extra, mismatched, frames, deltaFrames,
          typingFrames, closed, closeReasons);
      System.out.printf(Locale.ROOT, "# socket arrival - SSE arrival of the same delta (us): min=%d p1=%d p50=%d p90=%d p99=%d p99.9=%d max=%d n=%d%n",
          at(v, -1), at(v, 1), at(v, 50), at(v, 90), at(v, 99), at(v, 99.9), at(v, 101), v.length);
      System.out.printf(Locale.ROOT, "# dashboard time to first token (request start -> first delta on a socket, us): p50=%d p99=%d max=%d n=%d%n",
          dashTtft.getValueAtPercentile(50), dashTtft.getValueAtPercentile(99), dashTtft.getMaxValue(),
          dashTtft.getTotalCount());
    }

    String keyValues() {
      long[] v = skew.sorted();
      return String.format(Locale.ROOT, "sockets=%d fan_streams=%d fan_expected=%d fan_delivered=%d fan_missing=%d fan_extra=%d "
              + "fan_mismatch=%d sockets_closed=%d skew_min_us=%d skew_p50_us=%d skew_p90_us=%d skew_p99_us=%d skew_p999_us=%d "
              + "skew_max_us=%d dash_ttft_p50_us=%d dash_ttft_p99_us=%d dash_ttft_max_us=%d",
          s.sockets, streams, expected, delivered, expected - delivered, extra, mismatched, closed, at(v, -1), at(v, 50),
          at(v, 90), at(v, 99), at(v, 99.9), at(v, 101), dashTtft.getValueAtPercentile(50),
          dashTtft.getValueAtPercentile(99), dashTtft.getMaxValue());
    }

    /** A percentile of sorted values (nearest rank); below 0: the minimum, above 100: the maximum. */
    static long at(long[] sorted, double pct) {
      if (sorted.length == 0) {
        return 0;
      }
      if (pct < 0) {
        return sorted[0];
      }
      if (pct > 100) {
        return sorted[sorted.length - 1];
      }
      int rank = (int) Math.ceil(pct / 100.0 * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
  }

  /** A growable array of longs (signed values: HdrHistogram takes none below zero). */
  static final class LongList {
    private long[] items = new long[1024];
    private int size;

    void add(long v) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      items[size++] = v;
    }

    long[] sorted() {
      long[] out = Arrays.copyOf(items, size);
      Arrays.sort(out);
      return out;
    }
  }

  static final String CONTENT = "\"content\":\"";

  /** {arrived, written} of a stamped token {@code tok<n>:<arrived>:<written> }, else null. */
  static long[] stamps(String text) {
    if (text == null) {
      return null;
    }
    int a = text.indexOf(':');
    int b = a < 0 ? -1 : text.indexOf(':', a + 1);
    if (b < 0) {
      return null;
    }
    try {
      return new long[] {Long.parseLong(text, a + 1, b, 10), Long.parseLong(text.strip(), b + 1, text.strip().length(), 10)};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static long micros(long nanos) {
    return Math.min(TimeUnit.SECONDS.toMicros(120), Math.max(0, nanos / 1000));
  }

  static String truncate(String text) {
    String one = text.replace('\n', ' ');
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }

  static Settings parse(String[] args) throws Exception {
    Settings s = new Settings();
    for (int i = 0; i < args.length; i += 2) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      switch (a) {
        case "--target" -> s.target = v;
        case "--url" -> s.url = URI.create(v);
        case "--targets-file" -> s.targets = Files.readAllLines(Path.of(v)).stream().filter(l -> !l.isBlank()).toList();
        case "--body-file" -> s.body = Buffer.buffer(Files.readAllBytes(Path.of(v)));
        case "--message" -> s.message = v;
        case "--streams" -> s.streams = Integer.parseInt(v);
        case "--threads" -> s.threads = Integer.parseInt(v);
        case "--warmup" -> s.warmupSeconds = Integer.parseInt(v);
        case "--duration" -> s.durationSeconds = Integer.parseInt(v);
        case "--drain" -> s.drainSeconds = Integer.parseInt(v);
        case "--label" -> s.label = v;
        case "--sockets" -> s.sockets = Integer.parseInt(v);
        case "--jwt" -> s.jwt = v;
        case "--cores" -> s.cores = v;
        case "--gen-core" -> s.genCore = v;
        case "--watch" -> {
          int eq = v.indexOf('=');
          s.watch.put(v.substring(0, eq), Integer.parseInt(v.substring(eq + 1)));
        }
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    if (s.url == null) {
      throw new IllegalArgumentException("--url is required");
    }
    if (!"127.0.0.1".equals(s.url.getHost()) && !"localhost".equals(s.url.getHost())) {
      throw new IllegalArgumentException("this generator only targets 127.0.0.1 / localhost");
    }
    if (!s.target.equals("server") && !s.target.equals("direct")) {
      throw new IllegalArgumentException("--target server|direct");
    }
    if (s.target.equals("direct") && s.body == null) {
      throw new IllegalArgumentException("--target direct needs --body-file");
    }
    if (s.sockets > 0 && (s.jwt == null || !s.target.equals("server"))) {
      throw new IllegalArgumentException("--sockets needs --jwt and --target server");
    }
    if (s.streams < 1 || s.durationSeconds <= 0 || s.durationSeconds > 600 || s.warmupSeconds < 0 || s.warmupSeconds > 600
        || s.drainSeconds < 0 || s.drainSeconds > 600) {
      throw new IllegalArgumentException("--streams >= 1; durations are bounded: 0..600 s");
    }
    s.threads = Math.max(1, Math.min(s.threads, s.streams));
    return s;
  }
}
