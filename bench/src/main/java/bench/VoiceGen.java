package bench;

import static bench.Hist.micros;

import com.livechat.voice.sim.FakeCall;
import com.livechat.voice.sim.FakeCarrier;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * Phone calls, closed loop with think time (bench/voice-ttft.sh): N concurrent calls through the
 * server jar's fake Twilio-compatible carrier ({@link FakeCarrier}), each a loop of turns: a final
 * {@code prompt}, the reply's {@code text} frames up to the one with {@code last: true}, {@code
 * --think-ms} of silence (the caller listening and answering), the next prompt.
 *
 * <ul>
 *   <li>{@code --target voice}: dials {@code --calls} calls (to the numbers of {@code
 *       --numbers-file}, in turn), opens each one's ConversationRelay socket, then runs the loops.
 *       Per turn, on this process's System.nanoTime(): t0 = the prompt is written, t1 = the first
 *       {@code text} frame arrives. The fake provider ({@code BareServer --mode openai-stream --stamp
 *       true --first-sentence true}) stamps its first token {@code tok1:<request arrived>:<written>. },
 *       a whole sentence, which the relay speaks at once: so the first text frame is the provider's
 *       first token, and t1 - t0 splits into the way to the provider (arrived - t0), the provider's
 *       own time to first token (written - arrived) and the token's way back (t1 - written).
 *       <em>Added</em> = (t1 - t0) - the provider's own time to first token. At the end every call
 *       hangs up (relay-ended, then the {@code completed} status).
 *   <li>{@code --target direct}: the baseline, the same loop with the completion request the
 *       server sent ({@code --body-file}) posted straight to the fake provider ({@code --url}); t1 =
 *       the first chunk with a non-empty {@code delta.content}, the end = {@code data: [DONE]}.
 *   <li>{@code --target setup}: gives the assistant of each tenant of {@code --tenants-file} (lines
 *       {@code tenantId<TAB>widgetToken<TAB>ownerJwt}) {@code --numbers-per-tenant} phone numbers
 *       (GET /api/assistants/:id, PUT it back with {@code phoneNumbers}); writes them to {@code
 *       --numbers-file}.
 * </ul>
 *
 * <p>Every reply is checked: its tokens must be tok1 .. tok{@code --tokens} in order, and its first
 * text frame must start with tok1. A turn is measured when its prompt is written inside the measured
 * window; turns/s counts the turns that end inside it. With {@code --hold-file F}, the generator
 * prints {@code HOLD <name> live=<calls>} at {@code zero} (before dialling), {@code idle} (every call
 * connected, no turn yet), {@code after} (the loops stopped, every call still connected) and {@code
 * hungup}, and goes on once the file {@code F.<name>} exists: the script measures the server's memory
 * there. The last line printed is {@code RESULT key=value ...}.
 */
public final class VoiceGen {

  static final String PROMPT = "Hi, what are your opening hours, and do you ship to Canada?";

  static final class Settings extends GenSettings {
    String publicUrl;
    String authToken;
    String accountSid = "AC" + "0".repeat(32);
    List<String> numbers = List.of();
    int calls = 50;
    long thinkMs = 1000;
    long turnTimeoutMs = 30_000;
    int tokens = 10;
    int connectWindow = 8;
    String holdFile;
    Path tenantsFile;
    Path numbersFile;
    int numbersPerTenant = 5;

    Settings() {
      super("voice", 8, 20);
    }
  }

  static Settings s;
  static final Window window = new Window();
  /** The turns: ok = ended with their last text. */
  static final Outcomes outcomes = new Outcomes(window);
  static final AtomicLong mismatched = new AtomicLong();
  static final AtomicLong notFirst = new AtomicLong();
  static final AtomicLong unstamped = new AtomicLong();
  static final AtomicLong stray = new AtomicLong();
  static final AtomicLong textFrames = new AtomicLong();
  static final AtomicLong socketsClosed = new AtomicLong();
  static final Map<String, AtomicLong> otherFrames = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    s = parse(args);
    if (s.target.equals("setup")) {
      setup();
      return;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.threads));
    List<Worker> workers = new ArrayList<>();
    int first = 0;
    for (int i = 0; i < s.threads; i++) {
      int calls = LoopWorker.share(s.calls, s.threads, i);
      workers.add(new Worker(first, calls));
      first += calls;
    }
    LoopWorker.deployAll(vertx, workers);
    hold("zero", 0);

    long t0 = System.nanoTime();
    int failed = LoopWorker.sum(workers, Worker::openAll, 300);
    double openSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "# %s: %d/%d %s in %.1f s%n", s.label, s.calls - failed, s.calls,
        s.target.equals("voice") ? "calls dialled and their relay sockets connected" : "loops ready", openSeconds);
    if (failed > 0) {
      throw new IllegalStateException(failed + " call(s) could not be connected");
    }
    Thread.sleep(2000); // the server's side of the last connections settles
    hold("idle", s.calls);

    LoopWorker.startAll(workers);
    System.out.printf(Locale.ROOT, "# %s: target=%s calls=%d think=%d ms tokens=%d event-loop-threads=%d warmup=%ds duration=%ds%n",
        s.label, s.target, s.calls, s.thinkMs, s.tokens, s.threads, s.warmupSeconds, s.durationSeconds);
    window.run(s, workers);
    long unfinished = 0;
    for (Worker w : workers) {
      unfinished += w.onContext(w::unfinishedMeasured).await(10, TimeUnit.SECONDS);
    }
    window.done();
    Thread.sleep(1000); // a frame after the last one of a reply would show up as stray
    hold("after", s.calls);

    long h0 = System.nanoTime();
    int hangupFailed = LoopWorker.sum(workers, Worker::hangUpAll, 300);
    double hangupSeconds = (System.nanoTime() - h0) / 1e9;
    if (s.target.equals("voice")) {
      System.out.printf(Locale.ROOT, "# %d call(s) hung up in %.1f s (relay-ended, then the completed status), %d failed%n",
          s.calls - hangupFailed, hangupSeconds, hangupFailed);
    }
    Thread.sleep(2000);
    hold("hungup", 0);

    Latencies all = LoopWorker.addUp(workers, new Latencies());
    long ok = outcomes.measuredOk.get();
    long errors = outcomes.errors(unfinished);
    double tps = outcomes.perSecond();
    outcomes.print("turns", ok, "ended with their last text", errors, unfinished);
    Hist.print("prompt -> first text (t1 - t0)", all.e2e);
    Hist.print("the provider's own time to first token", all.provider);
    Hist.print("added = (t1 - t0) - the provider's own", all.added);
    Hist.print("  before the provider call: prompt -> the provider has the request", all.toProvider);
    Hist.print("  the token's way back: provider write -> first text here", all.firstHop);
    Hist.print("prompt -> last text", all.end);
    System.out.printf(Locale.ROOT, "# %.1f turns/s ended in the window; %d text frames (all phases), %d replies whose tokens were not tok1..tok%d "
            + "in order, %d turns whose first text did not start with tok1, %d without a stamp, %d text frames outside a turn, "
            + "other frames %s, %d socket(s) closed by the server; %s%n",
        tps, textFrames.get(), mismatched.get(), s.tokens, notFirst.get(), unstamped.get(), stray.get(), otherFrames,
        socketsClosed.get(), LoopWorker.lagReport(all.lag));
    window.printCpu();

    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "RESULT label=%s target=%s calls=%d think_ms=%d tps=%.1f ended=%d ok=%d errors=%d "
            + "unfinished=%d window_s=%.2f total_ok=%d total_errors=%d open_s=%.1f hangup_failed=%d",
        s.label, s.target, s.calls, s.thinkMs, tps, outcomes.inWindow.get(), ok, errors, unfinished, window.seconds,
        outcomes.totalOk.get(), outcomes.totalErrors.get(), openSeconds, hangupFailed));
    line.append(Hist.keys("e2e", all.e2e)).append(Hist.keys("provider", all.provider)).append(Hist.keys("added", all.added))
        .append(Hist.keys("to_provider", all.toProvider)).append(Hist.keys("first_hop", all.firstHop)).append(Hist.keys("end", all.end));
    line.append(String.format(Locale.ROOT, " mismatch=%d not_first=%d unstamped=%d stray=%d text_frames=%d other_frames=%d "
            + "closed=%d lag_p99_us=%d lag_max_us=%d gen_cpu_pct=%.0f threads=%d ",
        mismatched.get(), notFirst.get(), unstamped.get(), stray.get(), textFrames.get(),
        otherFrames.values().stream().mapToLong(AtomicLong::get).sum(), socketsClosed.get(), all.lag.getValueAtPercentile(99),
        all.lag.getMaxValue(), window.genCpuPct(), s.threads));
    line.append(window.cpuKeyValues());
    LoopWorker.exit(vertx, line.toString().strip());
  }

  /** Prints {@code HOLD name live=n} and waits (bounded) for the script's go-ahead, the file hold-file.name. */
  static void hold(String name, int live) throws InterruptedException {
    if (s.holdFile == null) {
      return;
    }
    System.out.printf(Locale.ROOT, "HOLD %s live=%d%n", name, live);
    System.out.flush();
    Path go = Path.of(s.holdFile + "." + name);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (!Files.exists(go)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no go-ahead " + go + " within 300 s");
      }
      Thread.sleep(50);
    }
  }

  /** One turn: its times on this process's clock, and what it heard. */
  static final class Turn {
    final long start = System.nanoTime();
    final boolean measured;
    long first;
    String firstText;
    int frames;

    Turn(boolean measured) {
      this.measured = measured;
    }

    void text(long now, String token) {
      if (frames++ == 0) {
        first = now;
        firstText = token;
      }
    }
  }

  /** One caller: its call (voice) and the turn it waits for. */
  static final class Caller {
    final int index;
    FakeCall call;
    Turn turn;
    long seq;
    long timer = -1;
    long answeredAt;

    Caller(int index) {
      this.index = index;
    }
  }

  /** The turns' latencies (us), per worker and added up; all but end split the wait for the first text. */
  static final class Latencies extends Figures {
    final Histogram e2e = histogram();
    final Histogram provider = histogram();
    final Histogram added = histogram();
    final Histogram toProvider = histogram();
    final Histogram firstHop = histogram();
    final Histogram end = histogram();
  }

  /** The calls of one event loop: its carrier (or HTTP client), its histograms. */
  static final class Worker extends LoopWorker<Latencies> {
    private final int firstCall;
    private final int count;
    private final List<Caller> callers = new ArrayList<>();
    private FakeCarrier carrier;
    private HttpClient http;
    private RequestOptions direct;

    Worker(int firstCall, int count) {
      super(VoiceGen.window, new Latencies());
      this.firstCall = firstCall;
      this.count = count;
    }

    @Override
    public Future<?> start() {
      if (s.target.equals("voice")) {
        carrier = new FakeCarrier(vertx, s.url.toString(), s.publicUrl, s.authToken, s.accountSid);
      } else {
        http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
            new PoolOptions().setHttp1MaxSize(Math.max(1, count)).setMaxWaitQueueSize(-1));
        direct = new RequestOptions().setMethod(HttpMethod.POST).setHost(s.url.getHost()).setPort(s.url.getPort())
            .setURI(s.url.getRawPath()).putHeader("content-type", "application/json")
            .putHeader("accept", "text/event-stream");
      }
      for (int i = 0; i < count; i++) {
        callers.add(new Caller(firstCall + i));
      }
      return Future.succeededFuture();
    }

    /** Dials and connects every call of this worker, connectWindow at a time; the number that failed. */
    Future<Integer> openAll() {
      return s.target.equals("voice") ? eachCall(this::open, "connect") : Future.succeededFuture(0);
    }

    /**
     * Runs {@code step} for every caller of this worker, connectWindow at a time; the number that
     * failed (the first three printed: {@code # call <i> failed to <what>: <cause>}).
     */
    private Future<Integer> eachCall(Function<Caller, Future<?>> step, String what) {
      if (callers.isEmpty()) {
        return Future.succeededFuture(0);
      }
      Promise<Integer> done = Promise.promise();
      int[] next = {0};
      int[] pending = {0};
      int[] failed = {0};
      Runnable[] more = new Runnable[1];
      more[0] = () -> {
        while (pending[0] < s.connectWindow && next[0] < callers.size()) {
          Caller c = callers.get(next[0]++);
          pending[0]++;
          step.apply(c).onComplete(ar -> {
            pending[0]--;
            if (ar.failed() && failed[0]++ < 3) {
              System.out.println("# call " + c.index + " failed to " + what + ": " + ar.cause());
            }
            if (next[0] == callers.size() && pending[0] == 0) {
              done.complete(failed[0]);
            } else {
              more[0].run();
            }
          });
        }
      };
      more[0].run();
      return done.future();
    }

    private Future<Void> open(Caller c) {
      String to = s.numbers.get(c.index % s.numbers.size());
      String from = String.format(Locale.ROOT, "+1555%07d", 9_000_000 + c.index);
      return carrier.dial(from, to).compose(call -> {
        if (call.httpStatus() != 200 || call.relayParameters().get("conversationId") == null) {
          return Future.failedFuture(new IllegalStateException("the incoming webhook answered " + call.httpStatus()
              + ": " + call.twiml()));
        }
        c.call = call;
        c.answeredAt = System.nanoTime();
        call.onFrame(frame -> frame(c, frame));
        return call.connect();
      }).compose(v -> {
        c.call.socketClosed().onComplete(closed -> {
          if (window.phase() != Window.Phase.DONE) {
            socketsClosed.incrementAndGet();
          }
        });
        return Future.<Void>succeededFuture();
      });
    }

    private void frame(Caller c, io.vertx.core.json.JsonObject frame) {
      String type = frame.getString("type", "");
      if (!type.equals("text")) {
        otherFrames.computeIfAbsent(type, k -> new AtomicLong()).incrementAndGet();
        return;
      }
      long now = System.nanoTime();
      textFrames.incrementAndGet();
      if (c.turn == null) {
        stray.incrementAndGet();
        return;
      }
      c.turn.text(now, frame.getString("token", ""));
    }

    /** Each loop starts at a random point of one turn plus its think time, so that turns do not come in waves. */
    @Override
    void startLoad() {
      long cycle = s.thinkMs + 500;
      for (Caller c : callers) {
        vertx.setTimer(1 + ThreadLocalRandom.current().nextLong(cycle), id -> turn(c));
      }
    }

    long unfinishedMeasured() {
      return callers.stream().filter(c -> c.turn != null && c.turn.measured).count();
    }

    private void turn(Caller c) {
      if (!window.open()) {
        return;
      }
      long start = System.nanoTime();
      Turn turn = new Turn(window.measures(start));
      c.turn = turn;
      long seq = ++c.seq;
      inFlight.incrementAndGet();
      c.timer = vertx.setTimer(s.turnTimeoutMs, id -> ended(c, seq, null,
          new IllegalStateException("no last text within " + s.turnTimeoutMs + " ms")));
      Future<String> reply = s.target.equals("voice") ? c.call.prompt(PROMPT) : ask(turn);
      reply.onComplete(ar -> ended(c, seq, ar.succeeded() ? ar.result() : null, ar.failed() ? ar.cause() : null));
    }

    /** The direct baseline: one streamed completion straight to the fake provider. */
    private Future<String> ask(Turn turn) {
      Promise<String> outcome = Promise.promise();
      http.request(direct).compose(req -> req.send(s.body)).onComplete(ar -> {
        if (ar.failed()) {
          outcome.tryFail(ar.cause());
        } else {
          read(ar.result(), turn, outcome);
        }
      });
      return outcome.future();
    }

    private void read(HttpClientResponse resp, Turn turn, Promise<String> outcome) {
      if (resp.statusCode() != 200) {
        resp.body().onComplete(b -> outcome.tryFail(new IllegalStateException("status " + resp.statusCode())));
        return;
      }
      StringBuilder text = new StringBuilder();
      boolean[] done = {false};
      new SseLines((name, data) -> {
        if (data.equals(SseLines.DONE)) {
          done[0] = true;
          return;
        }
        String content = SseLines.content(data);
        if (content != null) {
          turn.text(System.nanoTime(), content);
          text.append(content);
        }
      }).feed(resp, outcome);
      resp.endHandler(v -> {
        if (done[0]) {
          outcome.tryComplete(text.toString());
        } else {
          outcome.tryFail(new IllegalStateException("ended without [DONE]"));
        }
      });
    }

    private void ended(Caller c, long seq, String reply, Throwable failure) {
      if (seq != c.seq || c.turn == null) {
        return; // a turn that timed out, answered late
      }
      long now = System.nanoTime();
      Turn turn = c.turn;
      c.turn = null;
      vertx.cancelTimer(c.timer);
      inFlight.decrementAndGet();
      if (failure == null && (reply == null || turn.frames == 0)) {
        failure = new IllegalStateException(c.call != null && c.call.ended() ? "the server ended the relay session"
            : "a reply without text");
      }
      boolean ok = failure == null;
      if (ok && !inOrder(reply)) {
        mismatched.incrementAndGet();
      }
      if (outcomes.end(now, turn.measured, failure)) {
        long t1 = turn.first - turn.start;
        figures.e2e.recordValue(micros(t1));
        figures.end.recordValue(micros(now - turn.start));
        long[] stamp = Stamps.leading(turn.firstText);
        if (stamp == null) {
          unstamped.incrementAndGet();
        } else {
          if (stamp[0] != 1) {
            notFirst.incrementAndGet();
          }
          long own = stamp[2] - stamp[1];
          figures.provider.recordValue(micros(own));
          figures.added.recordValue(micros(t1 - own));
          figures.toProvider.recordValue(micros(stamp[1] - turn.start));
          figures.firstHop.recordValue(micros(turn.first - stamp[2]));
        }
      }
      if (ok || c.call == null || !c.call.ended()) {
        vertx.setTimer(Math.max(1, s.thinkMs), id -> turn(c));
      }
    }

    /** Relay-ended, then the completed status, connectWindow calls at a time; the number that failed. */
    Future<Integer> hangUpAll() {
      if (!s.target.equals("voice")) {
        return Future.succeededFuture(0);
      }
      return eachCall(c -> {
        int seconds = (int) Math.round((System.nanoTime() - c.answeredAt) / 1e9);
        return c.call.relayEnded().compose(call -> call.hangUp(seconds));
      }, "hang up");
    }
  }

  /** Whether a reply's tokens are tok1 .. tok{tokens}, in order, nothing else. */
  static boolean inOrder(String reply) {
    String[] parts = reply.strip().split("\\s+");
    if (parts.length != s.tokens) {
      return false;
    }
    for (int i = 0; i < parts.length; i++) {
      if (!parts[i].startsWith("tok" + (i + 1) + ":") && !parts[i].equals("tok" + (i + 1))
          && !parts[i].equals("tok" + (i + 1) + ".")) {
        return false;
      }
    }
    return true;
  }

  // ---- setup: numbers for every tenant's assistant

  static void setup() throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    List<String> all = new ArrayList<>();
    List<String> lines = Files.readAllLines(s.tenantsFile).stream().filter(l -> !l.isBlank()).toList();
    for (int t = 0; t < lines.size(); t++) {
      String[] f = lines.get(t).split("\t");
      String tenantId = f[0];
      String widgetToken = f[1];
      String jwt = f[2];
      JsonObject config = get(client, "/api/widgets/" + tenantId + "/config", widgetToken).getJsonObject("config");
      String assistantId = config.getString("assistantId");
      JsonObject assistant = get(client, "/api/assistants/" + assistantId, jwt).getJsonObject("assistant");
      JsonArray numbers = new JsonArray();
      for (int n = 0; n < s.numbersPerTenant; n++) {
        numbers.add(String.format(Locale.ROOT, "+1555%03d%04d", 100 + t, n + 1));
      }
      assistant.put("phoneNumbers", numbers).put("greeting", "Hello, thanks for calling.");
      HttpResponse<String> put = client.send(HttpRequest.newBuilder(s.url.resolve("/api/assistants/" + assistantId))
          .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + jwt).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString(assistant.encode())).build(), HttpResponse.BodyHandlers.ofString());
      if (put.statusCode() != 200) {
        throw new IllegalStateException("PUT /api/assistants/" + assistantId + " answered " + put.statusCode() + ": " + put.body());
      }
      JsonArray stored = new JsonObject(put.body()).getJsonObject("assistant").getJsonArray("phoneNumbers");
      if (!numbers.equals(stored)) {
        throw new IllegalStateException("the assistant's numbers are " + stored + ", not " + numbers);
      }
      numbers.forEach(n -> all.add((String) n));
    }
    Files.write(s.numbersFile, all);
    System.out.printf(Locale.ROOT, "# %d number(s) on %d assistant(s)%n", all.size(), lines.size());
  }

  static JsonObject get(java.net.http.HttpClient client, String path, String bearer) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(s.url.resolve(path)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body());
  }

  static Settings parse(String[] args) throws Exception {
    Settings s = new Settings();
    s.parse(args, (a, v) -> {
      switch (a) {
        case "--public-url" -> s.publicUrl = v;
        case "--auth-token" -> s.authToken = v;
        case "--account-sid" -> s.accountSid = v;
        case "--numbers-file" -> s.numbersFile = Path.of(v);
        case "--tenants-file" -> s.tenantsFile = Path.of(v);
        case "--numbers-per-tenant" -> s.numbersPerTenant = Integer.parseInt(v);
        case "--calls" -> s.calls = Integer.parseInt(v);
        case "--think-ms" -> s.thinkMs = Long.parseLong(v);
        case "--turn-timeout-ms" -> s.turnTimeoutMs = Long.parseLong(v);
        case "--tokens" -> s.tokens = Integer.parseInt(v);
        case "--connect-window" -> s.connectWindow = Integer.parseInt(v);
        case "--hold-file" -> s.holdFile = v;
        default -> {
          return false;
        }
      }
      return true;
    });
    if (!"127.0.0.1".equals(s.url.getHost())) {
      throw new IllegalArgumentException("this generator only talks to 127.0.0.1");
    }
    switch (s.target) {
      case "setup" -> {
        if (s.tenantsFile == null || s.numbersFile == null) {
          throw new IllegalArgumentException("--target setup needs --tenants-file and --numbers-file");
        }
        return s;
      }
      case "voice" -> {
        if (s.numbersFile == null || s.authToken == null) {
          throw new IllegalArgumentException("--target voice needs --numbers-file and --auth-token");
        }
        s.numbers = Files.readAllLines(s.numbersFile).stream().filter(l -> !l.isBlank()).toList();
        if (s.numbers.isEmpty()) {
          throw new IllegalArgumentException("no number in " + s.numbersFile);
        }
        if (s.publicUrl == null) {
          s.publicUrl = "http://localhost:" + s.url.getPort();
        }
        // the public URL is only signed, never dialled: every request goes to --url (127.0.0.1)
      }
      case "direct" -> {
        if (s.body == null) {
          throw new IllegalArgumentException("--target direct needs --body-file");
        }
      }
      default -> throw new IllegalArgumentException("--target voice|direct|setup");
    }
    if (s.calls < 1 || s.durationsOutOfBounds() || s.thinkMs < 0 || s.tokens < 1) {
      throw new IllegalArgumentException("--calls >= 1, --tokens >= 1; durations are bounded: 0..600 s");
    }
    s.threads = Math.max(1, Math.min(s.threads, s.calls));
    return s;
  }
}
