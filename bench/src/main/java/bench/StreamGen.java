package bench;

import static bench.Hist.micros;

import io.vertx.core.Future;
import io.vertx.core.Promise;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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

  static final class Settings extends GenSettings {
    List<String> targets = List.of();
    String message = "What are your opening hours, and do you ship to Canada?";
    int streams = 100;
    int sockets;
    String jwt;

    Settings() {
      super("server", 5, 15);
    }
  }

  static Settings s;
  static final Window window = new Window();
  /** The streams: ok = ended with done. */
  static final Outcomes outcomes = new Outcomes(window);
  static final AtomicLong measuredDeltas = new AtomicLong();
  static final AtomicLong textMismatch = new AtomicLong();
  /** conversationId -> the measured stream that opened it (server target with sockets only). */
  static final Map<String, Stream> measuredStreams = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    s = parse(args);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.threads));
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < s.threads; i++) {
      workers.add(new Worker(i, LoopWorker.share(s.streams, s.threads, i), LoopWorker.share(s.sockets, s.threads, i)));
    }
    LoopWorker.deployAll(vertx, workers);
    if (s.sockets > 0) {
      long t0 = System.nanoTime();
      int failed = LoopWorker.sum(workers, Worker::connectAll, 60);
      System.out.printf(Locale.ROOT, "# %d/%d dashboard sockets authenticated in %.1f s%n", s.sockets - failed,
          s.sockets, (System.nanoTime() - t0) / 1e9);
      if (failed > 0) {
        throw new IllegalStateException(failed + " dashboard socket(s) failed to authenticate");
      }
    }
    LoopWorker.startAll(workers);
    System.out.printf(Locale.ROOT, "# %s: target=%s %s streams=%d sockets=%d event-loop-threads=%d warmup=%ds duration=%ds%n",
        s.label, s.target, s.targets.isEmpty() ? s.url : s.targets.size() + " targets (" + s.targets.get(0).split("\t")[0]
            + ", ...)", s.streams, s.sockets, s.threads, s.warmupSeconds, s.durationSeconds);

    window.run(s, workers);
    if (s.sockets > 0) {
      Thread.sleep(500); // the last deltas of the last streams on their way to the sockets
    }
    window.done();

    Latencies all = LoopWorker.addUp(workers, new Latencies());
    long unfinished = 0;
    long maxInFlight = 0;
    for (Worker w : workers) {
      unfinished += w.unfinishedMeasured();
      maxInFlight += w.maxInFlight;
    }
    FanOut fan = new FanOut();
    if (s.sockets > 0) {
      LoopWorker.each(workers, w -> w.join(fan), 60);
    }
    long ok = outcomes.measuredOk.get();
    long errors = outcomes.errors(unfinished);
    double sps = outcomes.perSecond();

    outcomes.print("streams", ok, "ended with done", errors, unfinished);
    Hist.print("time to first token", all.ttft);
    System.out.printf(Locale.ROOT, "# time to last token (us): p50=%d p99=%d max=%d; to the end of the stream: p50=%d p99=%d max=%d%n",
        all.last.getValueAtPercentile(50), all.last.getValueAtPercentile(99), all.last.getMaxValue(),
        all.end.getValueAtPercentile(50), all.end.getValueAtPercentile(99), all.end.getMaxValue());
    System.out.printf(Locale.ROOT, "# %.1f streams/s ended in the window, %.2f deltas per measured stream, %d done bodies not equal to their "
            + "deltas' text; %s%n", sps, ok > 0 ? measuredDeltas.get() / (double) ok : 0, textMismatch.get(), LoopWorker.lagReport(all.lag));
    if (all.hop.getTotalCount() > 0) {
      System.out.printf(Locale.ROOT, "# stamped tokens (us): request start -> the provider has it p50=%d p99=%d max=%d; first token, provider write -> "
              + "here p50=%d p99=%d max=%d; every token p50=%d p99=%d max=%d n=%d%n",
          all.toProvider.getValueAtPercentile(50), all.toProvider.getValueAtPercentile(99), all.toProvider.getMaxValue(),
          all.firstHop.getValueAtPercentile(50), all.firstHop.getValueAtPercentile(99), all.firstHop.getMaxValue(),
          all.hop.getValueAtPercentile(50), all.hop.getValueAtPercentile(99), all.hop.getMaxValue(), all.hop.getTotalCount());
    }
    if (s.sockets > 0) {
      fan.print();
      System.out.printf(Locale.ROOT, "# stamped tokens, provider write -> a dashboard socket (us, during the window): p50=%d p99=%d p99.9=%d max=%d n=%d%n",
          all.dashHop.getValueAtPercentile(50), all.dashHop.getValueAtPercentile(99), all.dashHop.getValueAtPercentile(99.9),
          all.dashHop.getMaxValue(), all.dashHop.getTotalCount());
    }
    window.printCpu();

    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "RESULT label=%s target=%s streams=%d sps=%.1f completed=%d ok=%d errors=%d unfinished=%d window_s=%.2f",
        s.label, s.target, s.streams, sps, outcomes.inWindow.get(), ok, errors, unfinished, window.seconds));
    line.append(String.format(Locale.ROOT, " total_ok=%d total_errors=%d", outcomes.totalOk.get(), outcomes.totalErrors.get()));
    line.append(String.format(Locale.ROOT, " ttft_p50_us=%d ttft_p90_us=%d ttft_p99_us=%d ttft_p999_us=%d ttft_max_us=%d",
        all.ttft.getValueAtPercentile(50), all.ttft.getValueAtPercentile(90), all.ttft.getValueAtPercentile(99),
        all.ttft.getValueAtPercentile(99.9), all.ttft.getMaxValue()));
    line.append(String.format(Locale.ROOT, " last_p50_us=%d last_p99_us=%d end_p50_us=%d end_p99_us=%d end_max_us=%d",
        all.last.getValueAtPercentile(50), all.last.getValueAtPercentile(99), all.end.getValueAtPercentile(50),
        all.end.getValueAtPercentile(99), all.end.getMaxValue()));
    line.append(String.format(Locale.ROOT, " deltas=%d text_mismatch=%d lag_p99_us=%d lag_max_us=%d max_in_flight=%d",
        measuredDeltas.get(), textMismatch.get(), all.lag.getValueAtPercentile(99), all.lag.getMaxValue(), maxInFlight));
    line.append(String.format(Locale.ROOT, " to_provider_p50_us=%d to_provider_p99_us=%d first_hop_p50_us=%d first_hop_p99_us=%d"
            + " hop_p50_us=%d hop_p99_us=%d hop_max_us=%d",
        all.toProvider.getValueAtPercentile(50), all.toProvider.getValueAtPercentile(99), all.firstHop.getValueAtPercentile(50),
        all.firstHop.getValueAtPercentile(99), all.hop.getValueAtPercentile(50), all.hop.getValueAtPercentile(99), all.hop.getMaxValue()));
    if (s.sockets > 0) {
      line.append(' ').append(fan.keyValues());
      line.append(String.format(Locale.ROOT, " dash_hop_p50_us=%d dash_hop_p99_us=%d dash_hop_max_us=%d",
          all.dashHop.getValueAtPercentile(50), all.dashHop.getValueAtPercentile(99), all.dashHop.getMaxValue()));
    }
    line.append(String.format(Locale.ROOT, " gen_cpu_pct=%.0f threads=%d", window.genCpuPct(), s.threads));
    line.append(' ').append(window.cpuKeyValues());
    LoopWorker.exit(vertx, line.toString());
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

  /** The streams' latencies (us), per worker and added up. */
  static final class Latencies extends Figures {
    final Histogram ttft = histogram();
    final Histogram last = histogram();
    final Histogram end = histogram();
    // stamped tokens (BareServer --stamp true): request start -> provider has it; token written -> here
    final Histogram toProvider = histogram();
    final Histogram firstHop = histogram();
    final Histogram hop = histogram();
    final Histogram dashHop = histogram();
  }

  /** The streams (and sockets) of one event loop: its own client, connections and histograms. */
  static final class Worker extends LoopWorker<Latencies> {
    private final int index;
    private final int streams;
    private final int socketCount;
    long maxInFlight;
    private final Set<Stream> open = new HashSet<>();
    private final List<Sock> sockets = new ArrayList<>();
    private HttpClient client;
    private final List<RequestOptions> targets = new ArrayList<>();
    private int nextTarget;
    private long seq;

    Worker(int index, int streams, int socketCount) {
      super(StreamGen.window, new Latencies());
      this.index = index;
      this.streams = streams;
      this.socketCount = socketCount;
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

    @Override
    void startLoad() {
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
      if (!window.open()) {
        return;
      }
      long start = System.nanoTime();
      boolean measured = window.measures(start);
      Stream st = new Stream(start, measured, measured && s.sockets > 0);
      synchronized (open) {
        open.add(st);
      }
      long n = inFlight.incrementAndGet();
      if (n > maxInFlight && window.phase() == Window.Phase.MEASURE) {
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
            + type + (b.succeeded() ? " " + Outcomes.truncate(b.result().toString()) : ""))));
        return;
      }
      boolean direct = s.target.equals("direct");
      SseLines parser = new SseLines((name, data) -> {
        long now = System.nanoTime();
        if (direct) {
          if (data.equals(SseLines.DONE)) {
            st.done = true;
            return;
          }
          String content = SseLines.content(data);
          if (content != null) {
            delta(st, now, content);
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
          case "error" -> outcome.tryFail(new IllegalStateException("event: error " + Outcomes.truncate(data)));
          default -> { }
        }
      });
      parser.feed(resp, outcome);
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
      long[] stamp = st.measured ? Stamps.of(text) : null;
      if (stamp != null) {
        if (first) {
          figures.toProvider.recordValue(micros(stamp[0] - st.start));
          figures.firstHop.recordValue(micros(now - stamp[1]));
        }
        figures.hop.recordValue(micros(now - stamp[1]));
      }
    }

    private void finished(Stream st, Throwable failure) {
      if (!outcomes.end(System.nanoTime(), st.measured, failure)) {
        return;
      }
      measuredDeltas.addAndGet(st.deltas);
      figures.ttft.recordValue(micros(st.first - st.start));
      figures.last.recordValue(micros(st.lastDelta - st.start));
      figures.end.recordValue(micros(st.ended - st.start));
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
        Sock sock = new Sock(figures.dashHop);
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
      if (window.phase() == Window.Phase.DONE) {
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
      long[] stamp = window.phase() == Window.Phase.MEASURE ? Stamps.of(delta) : null;
      if (stamp != null) {
        hops.recordValue(micros(now - stamp[1]));
      }
    }
  }

  /** The fan-out figures over all sockets and measured deltas. */
  static final class FanOut {
    final LongList skew = new LongList();
    final Histogram dashTtft = Hist.create();
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

  static Settings parse(String[] args) throws Exception {
    Settings s = new Settings();
    s.parse(args, (a, v) -> {
      switch (a) {
        case "--targets-file" -> s.targets = Files.readAllLines(Path.of(v)).stream().filter(l -> !l.isBlank()).toList();
        case "--message" -> s.message = v;
        case "--streams" -> s.streams = Integer.parseInt(v);
        case "--sockets" -> s.sockets = Integer.parseInt(v);
        case "--jwt" -> s.jwt = v;
        default -> {
          return false;
        }
      }
      return true;
    });
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
    if (s.streams < 1 || s.durationsOutOfBounds()) {
      throw new IllegalArgumentException("--streams >= 1; durations are bounded: 0..600 s");
    }
    s.threads = Math.max(1, Math.min(s.threads, s.streams));
    return s;
  }
}
