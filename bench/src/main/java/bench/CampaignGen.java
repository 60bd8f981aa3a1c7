package bench;

import static bench.Hist.micros;

import com.livechat.voice.sim.Callee;
import com.livechat.voice.sim.FakeCarrier;
import com.livechat.voice.sim.OutboundCall;
import com.livechat.voice.sim.RestRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Dial attempts through the campaign queue (bench/campaign-queue.sh), against the server jar's fake
 * Twilio-compatible carrier ({@link FakeCarrier#serveRest()}) whose callees end their calls at once.
 *
 * <ul>
 *   <li>{@code --target campaign}: starts the fake carrier (its REST API on 127.0.0.1; it sends its
 *       status callbacks to {@code --url}, signed as {@code --public-url}), writes the REST API's
 *       base URL to {@code --rest-file} and waits for {@code --go-file} (the script starts the nodes
 *       with that URL as {@code voice.twilio.apiBaseUrl} meanwhile; the file's {@code name=pid} lines
 *       are more processes to watch, like {@code --watch}), then waits for every node of
 *       {@code --nodes} to be ready. Signs a tenant up on {@code --url}, gives its assistant a number,
 *       creates a campaign (calling hours 08:00–21:00 every day in a zone where it is daytime now,
 *       {@code maxAttempts} 1, callsPerMinute 600, the API's maximum), uploads {@code --contacts}
 *       distinct numbers as CSV (10,000 rows a request), then sets the campaign's pacing in the
 *       database to {@code --calls-per-minute} / {@code --max-concurrent} (pacing off), starts it,
 *       and watches the carrier until every contact's call has ended (its last status callback
 *       answered), {@code --max-seconds} at most (or until nothing moved for {@code --stall-seconds}):
 *       then it cancels the campaign, lets the calls under way end, and the figures are those of the
 *       window up to that moment. Figures: dials per second (overall, from the
 *       start request to the last call's end; between the first and the last dial; and the steady
 *       middle, the 10th to the 90th percentile of dials), dial → settled (the carrier's REST
 *       request → its terminal status callback answered), the CPU of each watched process over the
 *       start and over the dialling, database statements per attempt (pg_stat_statements of {@code
 *       --pg-port}, by statement, into {@code --statements-file}) and, sampled every {@code
 *       --sample-ms}, the database backends by state and wait event and the claimed jobs by owner.
 *       Then the checks: the campaign completed (or cancelled), its counts, no contact left pending or
 *       in progress, no job left, no contact dialled twice, every status callback answered 200.
 *   <li>{@code --target direct}: the baseline, the fake carrier alone: {@code --contacts} times the
 *       server's Calls.json request (the same form, HTTP Basic) straight to its REST API, {@code
 *       --concurrency} at a time, the carrier's status callbacks and answer-URL fetches going to a
 *       bare responder in this process (200, an empty {@code <Response/>}); the same figures.
 * </ul>
 *
 * <p>The last line printed is {@code RESULT key=value ...}.
 */
public final class CampaignGen {

  static final String TAG = "/* campaign-gen */ ";
  static final List<String> EVENTS = List.of("initiated", "ringing", "answered", "completed");
  static final Set<String> TERMINAL = Set.of("completed", "busy", "no-answer", "failed", "canceled");
  /** Zones to pick the campaign's from: one where it is daytime now (calling hours are real). */
  static final List<String> ZONES = List.of("UTC", "Europe/London", "Europe/Paris", "Europe/Moscow", "Asia/Dubai",
      "Asia/Kolkata", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
      "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
      "America/New_York", "America/Sao_Paulo", "Atlantic/Azores");

  static final class Settings extends GenSettings {
    List<URI> nodes = new ArrayList<>();
    String publicUrl;
    String authToken;
    String accountSid;
    int contacts = 10_000;
    String callee = "busy";
    /** The campaign's number (its assistant's): one per tenant, so one per phase on a shared database. */
    String from = "+14155550100";
    int callsPerMinute = 1_000_000;
    int maxConcurrent = 100_000;
    int maxSeconds = 240;
    int stallSeconds = 30;
    int concurrency = 20;
    int pgPort;
    int sampleMs = 200;
    Path restFile;
    Path goFile;
    Path statementsFile;
    Path timelineFile;

    Settings() {
      super("campaign", 0, 1);
    }
  }

  static Settings s;

  public static void main(String[] args) throws Exception {
    s = parse(args);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, s.threads)));
    String result;
    try {
      result = s.target.equals("direct") ? direct(vertx) : campaign(vertx);
    } catch (Exception | Error e) {
      // the event loops would keep the JVM alive, and the script waiting
      e.printStackTrace();
      System.exit(1);
      return;
    }
    LoopWorker.exit(vertx, result);
  }

  static Callee callee() {
    return callee(s.callee);
  }

  static Callee callee(String kind) {
    return switch (kind) {
      case "busy" -> Callee.busy().withRingMs(0);
      case "no-answer" -> Callee.noAnswer().withRingMs(0);
      // answers at once, hears the greeting, says nothing and hangs up
      case "human" -> Callee.human().withRingMs(0);
      default -> throw new IllegalArgumentException("--callee busy|no-answer|human");
    };
  }

  static String contactPhone(int i) {
    return String.format(Locale.ROOT, "+1415%03d%04d", 666 + i / 10_000, i % 10_000);
  }

  // ---- the baseline: the fake carrier alone

  static String direct(Vertx vertx) throws Exception {
    // stands for the server: answers every status callback and answer URL at once
    HttpServer responder = vertx.createHttpServer()
        .requestHandler(req -> req.end().onComplete(v -> req.response().putHeader("content-type", "text/xml")
            .end("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")))
        .listen(0, "127.0.0.1").await(20, TimeUnit.SECONDS);
    String base = "http://127.0.0.1:" + responder.actualPort();
    String token = "direct-token-" + Long.toHexString(System.nanoTime());
    String sid = "AC" + "d".repeat(32);
    FakeCarrier carrier = new FakeCarrier(vertx, base, base, token, sid);
    int restPort = carrier.serveRest().await(20, TimeUnit.SECONDS);
    carrier.defaultCallee(callee());
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(s.concurrency));
    String auth = "Basic " + Base64.getEncoder().encodeToString((sid + ":" + token).getBytes(StandardCharsets.UTF_8));
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(restPort)
        .setURI("/2010-04-01/Accounts/" + sid + "/Calls.json")
        .putHeader("content-type", "application/x-www-form-urlencoded").putHeader("authorization", auth);
    System.out.printf(Locale.ROOT, "# %s: %d Calls.json requests straight to the fake carrier (127.0.0.1:%d), %d at a "
        + "time, callee %s; its callbacks answered by a bare responder%n", s.label, s.contacts, restPort, s.concurrency,
        s.callee);

    LoadGen.Settings cpu = s.cpuSettings();
    AtomicInteger next = new AtomicInteger();
    AtomicLong failed = new AtomicLong();
    Promise<Void> allSent = Promise.promise();
    AtomicInteger lanesLeft = new AtomicInteger(s.concurrency);
    LoadGen.CpuSnapshot c0 = LoadGen.CpuSnapshot.take(cpu);
    long t0 = System.nanoTime();
    for (int lane = 0; lane < s.concurrency; lane++) {
      vertx.runOnContext(v -> lane(http, post, base, next, failed, lanesLeft, allSent));
    }
    allSent.future().await(s.maxSeconds, TimeUnit.SECONDS);
    Watch w = watchCarrier(carrier, s.contacts, t0);
    LoadGen.CpuSnapshot c1 = LoadGen.CpuSnapshot.take(cpu);
    double window = (w.endNanos - t0) / 1e9;

    Figures f = figures(carrier, t0, w.endNanos);
    f.print();
    String cpuReport = LoadGen.CpuSnapshot.report(c0, c1, window);
    System.out.println("# cpu from the first request to the last call's end (100% = one core): " + cpuReport);
    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "RESULT label=%s target=direct contacts=%d concurrency=%d callee=%s "
            + "post_errors=%d window_s=%.2f gen_cpu_pct=%.0f ", s.label, s.contacts, s.concurrency, s.callee, failed.get(),
        window, (c1.selfCpuNanos - c0.selfCpuNanos) / 1e9 / window * 100));
    line.append(f.keys()).append(' ').append(LoadGen.CpuSnapshot.keyValues(c0, c1, window));
    return line.toString().strip();
  }

  static void lane(HttpClient http, RequestOptions post, String base, AtomicInteger next, AtomicLong failed,
      AtomicInteger lanesLeft, Promise<Void> allSent) {
    int i = next.getAndIncrement();
    if (i >= s.contacts) {
      if (lanesLeft.decrementAndGet() == 0) {
        allSent.tryComplete();
      }
      return;
    }
    String query = "?attempt=cc-direct" + i + ".1";
    Map<String, List<String>> form = new java.util.LinkedHashMap<>();
    form.put("To", List.of(contactPhone(i)));
    form.put("From", List.of(s.from));
    form.put("Url", List.of(base + "/api/voice/twilio/outbound" + query));
    form.put("Method", List.of("POST"));
    form.put("StatusCallback", List.of(base + "/api/voice/twilio/status" + query));
    form.put("StatusCallbackMethod", List.of("POST"));
    form.put("StatusCallbackEvent", EVENTS);
    form.put("MachineDetection", List.of("Enable"));
    form.put("Timeout", List.of("30"));
    http.request(post).compose(req -> req.send(Buffer.buffer(encode(form)))).compose(resp -> resp.body().map(b -> {
      if (resp.statusCode() != 201) {
        if (failed.getAndIncrement() < 3) {
          System.out.println("# Calls.json answered " + resp.statusCode() + ": " + b);
        }
      }
      return null;
    })).onComplete(ar -> {
      if (ar.failed() && failed.getAndIncrement() < 3) {
        System.out.println("# Calls.json failed: " + ar.cause());
      }
      lane(http, post, base, next, failed, lanesLeft, allSent);
    });
  }

  static String encode(Map<String, List<String>> form) {
    StringBuilder b = new StringBuilder();
    form.forEach((k, values) -> values.forEach(v -> {
      if (b.length() > 0) {
        b.append('&');
      }
      b.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
    }));
    return b.toString();
  }

  // ---- the campaign through the server

  static String campaign(Vertx vertx) throws Exception {
    URI node = s.url;
    FakeCarrier carrier = new FakeCarrier(vertx, node.toString(), s.publicUrl, s.authToken, s.accountSid);
    carrier.serveRest().await(20, TimeUnit.SECONDS);
    carrier.defaultCallee(callee());
    Files.writeString(s.restFile, carrier.restBaseUrl() + "\n");
    System.out.printf(Locale.ROOT, "# %s: fake carrier REST API at %s (callbacks to %s, signed as %s); callee %s%n",
        s.label, carrier.restBaseUrl(), node, s.publicUrl, s.callee);
    System.out.flush();
    waitFor("the go-ahead " + s.goFile, 300, () -> Files.exists(s.goFile));
    // the go-ahead names the processes to watch (the nodes and the database started meanwhile): name=pid lines
    for (String l : Files.readAllLines(s.goFile)) {
      int eq = l.indexOf('=');
      if (eq > 0) {
        s.watch.put(l.substring(0, eq).strip(), Integer.parseInt(l.substring(eq + 1).strip()));
      }
    }
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    for (URI n : s.nodes) {
      waitFor(n + "/ready", 180, () -> {
        try {
          return client.send(HttpRequest.newBuilder(n.resolve("/ready")).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
          return false;
        }
      });
    }
    Pool pg = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(2))
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(s.pgPort).setDatabase("postgres")
            .setUser("postgres").setPassword("postgres"))
        .using(vertx).build();
    // once the nodes have migrated the schema (Flyway refuses a non-empty one without its history)
    pg.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute().await(20, TimeUnit.SECONDS);

    // a tenant, its assistant's number, the campaign and its contacts
    JsonObject signup = call(client, "POST", "/api/auth/signup", null, new JsonObject()
        .put("email", "campaign-" + Long.toString(System.currentTimeMillis(), 36) + "@example.com")
        .put("password", "bench-password-1").put("companyName", "Campaign Bench Co"), 201);
    String jwt = signup.getString("token");
    JsonObject tenant = signup.getJsonObject("tenant");
    String tenantId = tenant.getString("id");
    String assistantId = call(client, "GET", "/api/widgets/" + tenantId + "/config", tenant.getString("widgetToken"),
        null, 200).getJsonObject("config").getString("assistantId");
    JsonObject assistant = call(client, "GET", "/api/assistants/" + assistantId, jwt, null, 200).getJsonObject("assistant");
    assistant.put("phoneNumbers", new JsonArray().add(s.from)).put("greeting", "Hello {{name}}, this is Acme.");
    call(client, "PUT", "/api/assistants/" + assistantId, jwt, assistant, 200);
    String zone = dayZone();
    JsonObject created = call(client, "POST", "/api/campaigns", jwt, new JsonObject().put("name", "Queue bench")
        .put("assistantId", assistantId).put("fromNumber", s.from).put("timezone", zone)
        .put("callingHours", new JsonObject().put("start", "08:00").put("end", "21:00")
            .put("days", new JsonArray(List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun"))))
        .put("pacing", new JsonObject().put("callsPerMinute", 600).put("maxConcurrent", 100))
        .put("retry", new JsonObject().put("maxAttempts", 1).put("busyDelayMinutes", 1).put("noAnswerDelayMinutes", 1))
        .put("voicemail", "hangup"), 201).getJsonObject("campaign");
    String campaignId = created.getString("id");
    long i0 = System.nanoTime();
    int accepted = 0;
    for (int first = 0; first < s.contacts; first += 10_000) {
      StringBuilder csv = new StringBuilder("phone,name\n");
      for (int i = first; i < Math.min(s.contacts, first + 10_000); i++) {
        csv.append(contactPhone(i)).append(",Contact ").append(i).append('\n');
      }
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(node.resolve("/api/campaigns/" + campaignId + "/contacts"))
          .timeout(Duration.ofSeconds(120)).header("Authorization", "Bearer " + jwt).header("Content-Type", "text/csv")
          .POST(HttpRequest.BodyPublishers.ofString(csv.toString())).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("POST contacts answered " + r.statusCode() + ": " + r.body());
      }
      JsonObject imported = new JsonObject(r.body());
      accepted += imported.getInteger("accepted", 0);
      if (imported.getInteger("rejectedCount", 0) > 0 || imported.getInteger("duplicates", 0) > 0
          || imported.getInteger("skipped", 0) > 0) {
        throw new IllegalStateException("contacts not all accepted: " + r.body().substring(0, Math.min(600, r.body().length())));
      }
    }
    double importSeconds = (System.nanoTime() - i0) / 1e9;
    if (accepted != s.contacts) {
      throw new IllegalStateException(accepted + " contacts accepted, not " + s.contacts);
    }
    JsonObject pacing = new JsonObject().put("callsPerMinute", s.callsPerMinute).put("maxConcurrent", s.maxConcurrent);
    pg.preparedQuery(TAG + "UPDATE campaigns SET pacing = $1 WHERE id = $2").execute(Tuple.of(pacing, campaignId))
        .await(20, TimeUnit.SECONDS);
    System.out.printf(Locale.ROOT, "# %s: tenant %s, campaign %s in zone %s (local time %s), %d contacts imported in %.1f s; "
            + "pacing set in the database to %s (the API allows 600 calls a minute, 100 concurrent at most)%n",
        s.label, tenantId, campaignId, zone, LocalTime.now(ZoneId.of(zone)).withNano(0), accepted, importSeconds,
        pacing.encode());
    Thread.sleep(1000); // the import's own writes settle; every node's dialer is polling an empty queue

    // start, then watch the carrier until every call has ended
    LoadGen.Settings cpu = s.cpuSettings();
    Map<String, double[]> st0 = statements(pg);
    LoadGen.CpuSnapshot c0 = LoadGen.CpuSnapshot.take(cpu);
    Sampler sampler = new Sampler(vertx, pg);
    long t0 = System.nanoTime();
    JsonObject started = call(client, "POST", "/api/campaigns/" + campaignId + "/start", jwt, new JsonObject(), 200)
        .getJsonObject("campaign");
    long t1 = System.nanoTime();
    LoadGen.CpuSnapshot c1 = LoadGen.CpuSnapshot.take(cpu);
    Map<String, double[]> st1 = statements(pg);
    System.out.printf(Locale.ROOT, "# %s: started (%s) in %.0f ms: the start enqueued one job per contact%n", s.label,
        started.getString("status"), (t1 - t0) / 1e6);
    Watch w = watchCarrier(carrier, s.contacts, t0);
    LoadGen.CpuSnapshot c2 = LoadGen.CpuSnapshot.take(cpu);
    Map<String, double[]> st2 = statements(pg);
    sampler.stop();

    // a campaign not over within --max-seconds is cancelled: its waiting jobs go, its contacts are
    // cancelled, the calls under way end and settle
    boolean cancelled = false;
    if (!w.complete()) {
      cancelled = true;
      JsonObject c = call(client, "POST", "/api/campaigns/" + campaignId + "/cancel", jwt, new JsonObject(), 200)
          .getJsonObject("campaign");
      long d0 = System.nanoTime();
      waitFor("the calls under way to end", 60, () -> {
        List<OutboundCall> calls = carrier.outboundCalls();
        return carrier.liveOutbound() == 0 && calls.stream().allMatch(x -> x.done().isComplete());
      });
      Thread.sleep(1000); // a dialer's batch claimed before the cancel finds it cancelled
      System.out.printf(Locale.ROOT, "# %s: cancelled (%s) after %.0f s, its calls under way over %.1f s later%n", s.label,
          c.getString("status"), (w.endNanos - t0) / 1e9, (System.nanoTime() - d0) / 1e9);
    }
    // the campaign's end as the server sees it
    String expected = cancelled ? "cancelled" : "completed";
    long c0Nanos = System.nanoTime();
    JsonObject campaign = null;
    for (int i = 0; i < 40; i++) {
      campaign = call(client, "GET", "/api/campaigns/" + campaignId, jwt, null, 200).getJsonObject("campaign");
      JsonObject k = campaign.getJsonObject("counts");
      if (expected.equals(campaign.getString("status")) && k.getInteger("inProgress", 0) == 0
          && k.getInteger("pending", 0) == 0) {
        break;
      }
      Thread.sleep(250);
    }
    double completedAfter = (System.nanoTime() - c0Nanos) / 1e9;
    JsonObject counts = campaign.getJsonObject("counts");
    Row db = pg.preparedQuery(TAG + "SELECT "
            + "(SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1 AND status IN ('pending', 'in_progress')) AS unsettled, "
            + "(SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1 AND attempts >= 1) AS dialled, "
            + "(SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1 AND attempts > 1) AS twice, "
            + "(SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1 AND attempts >= 1 AND call_sid IS NULL) AS no_call_sid, "
            + "(SELECT count(*) FROM jobs WHERE queue = 'campaign.dial' AND payload @> jsonb_build_object('campaignId', $1::text)) AS jobs_left, "
            + "(SELECT count(*) FROM conversations WHERE tenant_id = $2) AS conversations, "
            + "(SELECT count(*) FROM voice_calls WHERE tenant_id = $2) AS calls, "
            + "(SELECT count(*) FROM voice_calls WHERE tenant_id = $2 AND ended_at IS NULL) AS calls_open")
        .execute(Tuple.of(campaignId, tenantId)).await(30, TimeUnit.SECONDS).iterator().next();

    double window = (w.endNanos - t0) / 1e9;
    double startWindow = (t1 - t0) / 1e9;
    double dialWindow = (w.endNanos - t1) / 1e9;
    Figures f = figures(carrier, t0, w.endNanos);
    f.print();
    Stmts startSql = Stmts.diff(st0, st1);
    Stmts dialSql = Stmts.diff(st1, st2);
    // the attempts of the measured window: dials accepted before its end
    int n = Math.max(1, f.attempts);
    System.out.printf(Locale.ROOT, "# the start (enqueue %d jobs): %.0f ms, %d statements (%.2f per contact), %.1f ms of "
            + "database execution; %s%n", s.contacts, startWindow * 1000, startSql.calls, startSql.calls / (double) s.contacts,
        startSql.ms, LoadGen.CpuSnapshot.report(c0, c1, startWindow));
    System.out.printf(Locale.ROOT, "# the dialling (after the start): %.1f s, %d statements, %.1f per attempt (BEGIN %.2f, "
            + "COMMIT %.2f, ROLLBACK %.2f), %.2f ms of database execution per attempt%n", dialWindow, dialSql.calls,
        dialSql.calls / (double) n, dialSql.begin / (double) n, dialSql.commit / (double) n, dialSql.rollback / (double) n,
        dialSql.ms / n);
    System.out.println("# cpu over the dialling (100% = one core): " + LoadGen.CpuSnapshot.report(c1, c2, dialWindow));
    System.out.println("# cpu from the start request to the last call's end: " + LoadGen.CpuSnapshot.report(c0, c2, window));
    System.out.println("# " + sampler.report());
    System.out.printf(Locale.ROOT, "# campaign %s %.1f s after the carrier's last call ended; counts %s; database: %s "
            + "unsettled contacts, %s dialled, %s dialled more than once, %s dialled without a call sid, %s jobs left, %s "
            + "conversations, %s calls (%s not ended)%n", campaign.getString("status"), completedAfter, counts.encode(),
        db.getLong("unsettled"), db.getLong("dialled"), db.getLong("twice"), db.getLong("no_call_sid"), db.getLong("jobs_left"), db.getLong("conversations"),
        db.getLong("calls"), db.getLong("calls_open"));
    if (s.statementsFile != null) {
      Files.writeString(s.statementsFile, "# the start (enqueue), then the dialling: calls, per contact/attempt, total ms, "
          + "mean ms, statement\n" + startSql.table(s.contacts) + "\n" + dialSql.table(n));
    }

    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "RESULT label=%s target=campaign nodes=%d contacts=%d callee=%s zone=%s "
            + "complete=%b status=%s completed_after_s=%.1f import_s=%.1f start_ms=%.0f window_s=%.2f dial_window_s=%.2f "
            + "start_statements=%d dial_statements=%d stmts_per_attempt=%.2f begin_per_attempt=%.2f "
            + "commit_per_attempt=%.2f rollback_per_attempt=%.2f db_ms_per_attempt=%.3f start_stmts_per_contact=%.2f "
            + "start_db_ms=%.1f reschedules=%d ",
        s.label, s.nodes.size(), s.contacts, s.callee, zone, w.complete(), campaign.getString("status"), completedAfter,
        importSeconds,
        startWindow * 1000, window, dialWindow, startSql.calls, dialSql.calls, dialSql.calls / (double) n,
        dialSql.begin / (double) n, dialSql.commit / (double) n, dialSql.rollback / (double) n, dialSql.ms / n,
        startSql.calls / (double) s.contacts, startSql.ms, dialSql.matching("UPDATE jobs SET due_at")));
    for (String k : List.of("total", "pending", "inProgress", "completed", "failed", "voicemail", "noAnswer", "busy",
        "skipped", "cancelled")) {
      line.append("count_").append(k).append('=').append(counts.getValue(k)).append(' ');
    }
    for (String k : List.of("unsettled", "dialled", "twice", "no_call_sid", "jobs_left", "conversations", "calls",
        "calls_open")) {
      line.append("db_").append(k).append('=').append(db.getLong(k)).append(' ');
    }
    line.append(f.keys()).append(' ').append(sampler.keys()).append(' ');
    line.append(String.format(Locale.ROOT, "gen_cpu_pct=%.0f ", (c2.selfCpuNanos - c1.selfCpuNanos) / 1e9 / dialWindow * 100));
    // the dialling's CPU (after the start request), then the start's (start_cpu_*)
    line.append(LoadGen.CpuSnapshot.keyValues(c1, c2, dialWindow)).append(' ');
    LoadGen.CpuSnapshot.processes(c0, c1, startWindow).forEach((name, pct) ->
        line.append(String.format(Locale.ROOT, "start_cpu_%s_pct=%.0f ", name, pct)));
    pg.close();
    return line.toString().strip();
  }

  /** A zone where it is between 08:30 and 20:00 now, the one nearest 14:00 local. */
  static String dayZone() {
    Instant now = Instant.now();
    String best = null;
    long bestDistance = Long.MAX_VALUE;
    for (String zone : ZONES) {
      LocalTime local = now.atZone(ZoneId.of(zone)).toLocalTime();
      if (local.isBefore(LocalTime.of(8, 30)) || local.isAfter(LocalTime.of(20, 0))) {
        continue;
      }
      long distance = Math.abs(Duration.between(LocalTime.of(14, 0), local).toMinutes());
      if (distance < bestDistance) {
        bestDistance = distance;
        best = zone;
      }
    }
    if (best == null) {
      throw new IllegalStateException("no zone in daytime");
    }
    return best;
  }

  // ---- watching the carrier

  record Watch(long endNanos, int finished, int requests, boolean complete) {}

  /** Until {@code expected} calls have ended (their last status callback answered), or a bound is hit. */
  static Watch watchCarrier(FakeCarrier carrier, int expected, long t0) throws InterruptedException {
    long deadline = t0 + TimeUnit.SECONDS.toNanos(s.maxSeconds);
    long lastChange = System.nanoTime();
    int lastFinished = -1;
    int lastRequests = -1;
    long lastPrint = System.nanoTime();
    int seen = 0;
    AtomicInteger over = new AtomicInteger();
    while (true) {
      // accepted calls only (a refused request makes none): what is over counted by its done() future
      List<OutboundCall> calls = carrier.outboundCalls();
      for (int i = seen; i < calls.size(); i++) {
        calls.get(i).done().onComplete(ar -> over.incrementAndGet());
      }
      seen = calls.size();
      int finished = over.get();
      int requests = calls.size();
      long now = System.nanoTime();
      if (finished >= expected && requests >= expected) {
        return new Watch(now, finished, requests, true);
      }
      if (finished != lastFinished || requests != lastRequests) {
        lastChange = now;
        lastFinished = finished;
        lastRequests = requests;
      }
      if (now > deadline || now - lastChange > TimeUnit.SECONDS.toNanos(s.stallSeconds)) {
        System.out.printf(Locale.ROOT, "# WARNING: stopped watching after %.0f s: %d of %d calls ended, %d requests to "
                + "Calls.json, %d live at the carrier (%s)%n", (now - t0) / 1e9, finished, expected, requests,
            carrier.liveOutbound(), now > deadline ? "--max-seconds" : "no progress for " + s.stallSeconds + " s");
        return new Watch(now, finished, requests, false);
      }
      if (now - lastPrint > TimeUnit.SECONDS.toNanos(10)) {
        lastPrint = now;
        System.err.printf(Locale.ROOT, "[%s] %.0f s: %d dials, %d calls ended, %d live at the carrier%n", s.label,
            (now - t0) / 1e9, requests, finished, carrier.liveOutbound());
      }
      Thread.sleep(250);
    }
  }

  /** What the carrier saw: dial rates, dial -> settled, and its own checks. */
  static final class Figures {
    int requests;
    int accepted;
    /** Dials accepted before the window's end. */
    int attempts;
    /** Calls over (last callback answered) before the window's end. */
    int finishedInWindow;
    int distinctTo;
    int refused;
    int finished;
    int callbacks;
    int callbacksNot200;
    int carrierErrors;
    Map<String, Integer> terminal = new TreeMap<>();
    double overallRate;
    double dialRate;
    double middleRate;
    double firstDialMs;
    double lastDialS;
    int peakSecond;
    final Histogram settle = Hist.create();
    final Histogram dialGap = Hist.create();
    String timeline = "";

    void print() {
      System.out.printf(Locale.ROOT, "# %d Calls.json requests (%d accepted, %d refused) to %d distinct numbers; %d calls "
              + "ended %s; %d status callbacks, %d not answered 200; %d carrier-side errors%n", requests, accepted, refused,
          distinctTo, finished, terminal, callbacks, callbacksNot200, carrierErrors);
      System.out.printf(Locale.ROOT, "# dials/s: overall %.1f (from the start request to the last call's end), between the "
              + "first and the last dial %.1f, steady middle (10th to 90th percentile of dials) %.1f, busiest second %d; "
              + "first dial %.0f ms after the start request, last %.1f s%n", overallRate, dialRate, middleRate, peakSecond,
          firstDialMs, lastDialS);
      Hist.print("dial -> settled (the carrier's REST request -> its terminal status callback answered)", settle);
      Hist.print("the carrier's REST request -> its next request arrives (per-dial gap)", dialGap);
      System.out.println("# dials per second: " + timeline);
    }

    String keys() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT, "attempts=%d finished_in_window=%d requests=%d accepted=%d refused=%d distinct_to=%d finished=%d callbacks=%d "
              + "callbacks_not_200=%d carrier_errors=%d rate_overall=%.1f rate_dial=%.1f rate_middle=%.1f peak_second=%d "
              + "first_dial_ms=%.0f last_dial_s=%.1f", attempts, finishedInWindow, requests, accepted, refused, distinctTo, finished, callbacks,
          callbacksNot200, carrierErrors, overallRate, dialRate, middleRate, peakSecond, firstDialMs, lastDialS));
      terminal.forEach((k, v) -> b.append(" ended_").append(k.replace('-', '_')).append('=').append(v));
      b.append(Hist.keys("settle", settle));
      return b.toString();
    }
  }

  static Figures figures(FakeCarrier carrier, long t0, long end) {
    Figures f = new Figures();
    List<RestRequest> requests = carrier.restRequests();
    f.requests = requests.size();
    Set<String> to = new HashSet<>();
    List<Long> times = new ArrayList<>();
    for (RestRequest r : requests) {
      if (r.accepted()) {
        f.accepted++;
        if (r.timeNanos() <= end) {
          f.attempts++;
        }
      } else {
        f.refused++;
      }
      to.add(r.to());
      // the rates are the window's: dials after it (a cancelled campaign's last batch) are left out
      if (r.timeNanos() <= end) {
        times.add(r.timeNanos());
      }
    }
    f.distinctTo = to.size();
    times.sort(Long::compare);
    for (int i = 1; i < times.size(); i++) {
      f.dialGap.recordValue(micros(times.get(i) - times.get(i - 1)));
    }
    long lastEnd = t0;
    for (OutboundCall c : carrier.outboundCalls()) {
      List<OutboundCall.Callback> cbs = c.callbacks();
      f.callbacks += cbs.size();
      for (OutboundCall.Callback cb : cbs) {
        if (cb.httpStatus() != 200) {
          f.callbacksNot200++;
        }
      }
      f.carrierErrors += c.errors().size();
      String t = c.terminalStatus();
      f.terminal.merge(t == null ? "not_ended" : t, 1, Integer::sum);
      if (c.done().isComplete()) {
        f.finished++;
        long settled = cbs.isEmpty() ? c.endedAtNanos() : cbs.get(cbs.size() - 1).timeNanos();
        if (c.acceptedNanos() <= end) {
          f.settle.recordValue(micros(settled - c.acceptedNanos()));
        }
        if (settled <= end) {
          f.finishedInWindow++;
          lastEnd = Math.max(lastEnd, settled);
        }
      }
    }
    int n = times.size();
    if (n > 1) {
      f.overallRate = f.finishedInWindow / ((Math.max(lastEnd, times.get(n - 1)) - t0) / 1e9);
      f.dialRate = (n - 1) / ((times.get(n - 1) - times.get(0)) / 1e9);
      int lo = n / 10;
      int hi = (n * 9) / 10;
      f.middleRate = hi > lo ? (hi - lo) / ((times.get(hi) - times.get(lo)) / 1e9) : 0;
      f.firstDialMs = (times.get(0) - t0) / 1e6;
      f.lastDialS = (times.get(n - 1) - t0) / 1e9;
      int seconds = (int) ((times.get(n - 1) - t0) / 1_000_000_000L) + 1;
      int[] perSecond = new int[seconds];
      for (long t : times) {
        perSecond[(int) ((t - t0) / 1_000_000_000L)]++;
      }
      StringBuilder tl = new StringBuilder();
      for (int sec = 0; sec < seconds; sec++) {
        f.peakSecond = Math.max(f.peakSecond, perSecond[sec]);
        tl.append(sec == 0 ? "" : " ").append(perSecond[sec]);
      }
      f.timeline = tl.toString();
      if (s.timelineFile != null) {
        try {
          Files.writeString(s.timelineFile, "# second since the start request, dials in it\n"
              + String.join("\n", java.util.stream.IntStream.range(0, seconds).mapToObj(i -> i + " " + perSecond[i]).toList())
              + "\n");
        } catch (java.io.IOException e) {
          System.out.println("# timeline not written: " + e);
        }
      }
    }
    return f;
  }

  // ---- the database: statements and what its backends wait for

  /** pg_stat_statements now: one-line text -> {calls, total ms}, the generator's own statements left out. */
  static Map<String, double[]> statements(Pool pg) throws Exception {
    Map<String, double[]> out = new HashMap<>();
    for (Row r : pg.query(TAG + "SELECT query, calls, total_exec_time FROM pg_stat_statements").execute()
        .await(20, TimeUnit.SECONDS)) {
      String q = r.getString("query");
      if (q == null || q.contains("campaign-gen") || q.contains("pg_stat_statements")) {
        continue;
      }
      double[] v = out.computeIfAbsent(q.strip().replaceAll("\\s+", " "), k -> new double[2]);
      v[0] += r.getLong("calls");
      v[1] += r.getDouble("total_exec_time");
    }
    return out;
  }

  /** The statements between two snapshots. */
  static final class Stmts {
    final Map<String, double[]> byQuery = new HashMap<>();
    long calls;
    long begin;
    long commit;
    long rollback;
    double ms;

    static Stmts diff(Map<String, double[]> a, Map<String, double[]> b) {
      Stmts d = new Stmts();
      b.forEach((q, v) -> {
        double[] was = a.getOrDefault(q, new double[2]);
        long calls = Math.round(v[0] - was[0]);
        if (calls <= 0) {
          return;
        }
        d.byQuery.put(q, new double[] {calls, v[1] - was[1]});
        d.calls += calls;
        d.ms += v[1] - was[1];
        String u = q.toUpperCase(Locale.ROOT);
        if (u.equals("BEGIN")) {
          d.begin += calls;
        } else if (u.equals("COMMIT")) {
          d.commit += calls;
        } else if (u.equals("ROLLBACK")) {
          d.rollback += calls;
        }
      });
      return d;
    }

    long matching(String prefix) {
      return byQuery.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> (long) e.getValue()[0])
          .sum();
    }

    String table(int per) {
      StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "# %d statements, %.2f per unit, %.1f ms%n", calls,
          calls / (double) per, ms));
      byQuery.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0])).forEach(e ->
          b.append(String.format(Locale.ROOT, "%8d %7.3f %10.1f %8.3f  %s%n", (long) e.getValue()[0],
              e.getValue()[0] / per, e.getValue()[1], e.getValue()[1] / e.getValue()[0],
              e.getKey().length() > 300 ? e.getKey().substring(0, 300) + "…" : e.getKey())));
      return b.toString();
    }
  }

  /**
   * Every {@code --sample-ms}: the nodes' database backends by state and wait event
   * (pg_stat_activity), and the claimed dial jobs by lease owner (which node holds how many).
   */
  static final class Sampler {
    private final Vertx vertx;
    private final long timer;
    private final Map<String, Long> states = new ConcurrentHashMap<>();
    private final Map<String, Long> owners = new ConcurrentHashMap<>();
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong lockSamples = new AtomicLong();
    private volatile boolean busy;

    Sampler(Vertx vertx, Pool pg) {
      this.vertx = vertx;
      this.timer = vertx.setPeriodic(s.sampleMs, id -> {
        if (busy) {
          return;
        }
        busy = true;
        pg.query(TAG + "SELECT state, coalesce(wait_event_type, '') AS wt, coalesce(wait_event, '') AS we, count(*) AS n "
                + "FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
                + "AND query NOT LIKE '%campaign-gen%' GROUP BY 1, 2, 3").execute()
            .compose(rows -> {
              boolean lock = false;
              for (Row r : rows) {
                String state = r.getString("state");
                String key = state + (r.getString("wt").isEmpty() || "idle".equals(state) ? ""
                    : " " + r.getString("wt") + ":" + r.getString("we"));
                states.merge(key, r.getLong("n"), Long::sum);
                lock |= "Lock".equals(r.getString("wt"));
              }
              if (lock) {
                lockSamples.incrementAndGet();
              }
              return pg.query(TAG + "SELECT lease_owner, count(*) AS n FROM jobs WHERE queue = 'campaign.dial' "
                  + "AND lease_owner IS NOT NULL GROUP BY 1").execute();
            })
            .onComplete(ar -> {
              if (ar.succeeded()) {
                for (Row r : ar.result()) {
                  owners.merge(r.getString("lease_owner"), r.getLong("n"), Long::sum);
                }
                samples.incrementAndGet();
              }
              busy = false;
            });
      });
    }

    void stop() {
      vertx.cancelTimer(timer);
    }

    String report() {
      long n = Math.max(1, samples.get());
      StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "database backends on average (%d samples, every %d ms;"
          + " state and wait event): ", samples.get(), s.sampleMs));
      new TreeMap<>(states).forEach((k, v) -> b.append(String.format(Locale.ROOT, "%s %.2f; ", k, v / (double) n)));
      b.append(String.format(Locale.ROOT, "samples with a backend waiting for a lock: %.0f%%; claimed dial jobs held on "
          + "average by owner: ", 100.0 * lockSamples.get() / n));
      new TreeMap<>(owners).forEach((k, v) -> b.append(String.format(Locale.ROOT, "%s %.1f; ", k, v / (double) n)));
      return b.toString().strip();
    }

    String keys() {
      long n = Math.max(1, samples.get());
      double inTx = 0;
      double lockWait = 0;
      double idleInTx = 0;
      double active = 0;
      for (Map.Entry<String, Long> e : states.entrySet()) {
        String k = e.getKey();
        double v = e.getValue() / (double) n;
        if (k.startsWith("active") || k.startsWith("idle in transaction")) {
          inTx += v;
        }
        if (k.startsWith("idle in transaction")) {
          idleInTx += v;
        } else if (k.startsWith("active")) {
          active += v;
          if (k.contains(" Lock:")) {
            lockWait += v;
          }
        }
      }
      StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "pg_samples=%d pg_busy_backends=%.2f "
              + "pg_active=%.2f pg_lock_waiting=%.2f pg_idle_in_tx=%.2f pg_lock_sample_pct=%.0f", samples.get(), inTx,
          active, lockWait, idleInTx, 100.0 * lockSamples.get() / n));
      int i = 0;
      for (Map.Entry<String, Long> e : new TreeMap<>(owners).entrySet()) {
        b.append(String.format(Locale.ROOT, " held_by_owner%d=%.1f", ++i, e.getValue() / (double) n));
      }
      return b.toString();
    }
  }

  // ---- helpers

  interface Check {
    boolean done() throws Exception;
  }

  static void waitFor(String what, int seconds, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!check.done()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  static JsonObject call(java.net.http.HttpClient client, String method, String path, String bearer, JsonObject body,
      int expect) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(s.url.resolve(path)).timeout(Duration.ofSeconds(120));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expect) {
      throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body());
  }

  static Settings parse(String[] args) throws Exception {
    Settings s = new Settings();
    // --target direct talks to no server: GenSettings requires a --url all the same
    if (!List.of(args).contains("--url")) {
      args = Stream.concat(Stream.of("--url", "http://127.0.0.1/"), Stream.of(args)).toArray(String[]::new);
    }
    s.parse(args, (a, v) -> {
      switch (a) {
        case "--nodes" -> {
          for (String n : v.split(",")) {
            s.nodes.add(URI.create(n.strip()));
          }
        }
        case "--public-url" -> s.publicUrl = v;
        case "--auth-token" -> s.authToken = v;
        case "--account-sid" -> s.accountSid = v;
        case "--contacts" -> s.contacts = Integer.parseInt(v);
        case "--callee" -> s.callee = v;
        case "--from" -> s.from = v;
        case "--calls-per-minute" -> s.callsPerMinute = Integer.parseInt(v);
        case "--max-concurrent" -> s.maxConcurrent = Integer.parseInt(v);
        case "--max-seconds" -> s.maxSeconds = Integer.parseInt(v);
        case "--stall-seconds" -> s.stallSeconds = Integer.parseInt(v);
        case "--concurrency" -> s.concurrency = Integer.parseInt(v);
        case "--pg-port" -> s.pgPort = Integer.parseInt(v);
        case "--sample-ms" -> s.sampleMs = Integer.parseInt(v);
        case "--rest-file" -> s.restFile = Path.of(v);
        case "--go-file" -> s.goFile = Path.of(v);
        case "--statements-file" -> s.statementsFile = Path.of(v);
        case "--timeline-file" -> s.timelineFile = Path.of(v);
        default -> {
          return false;
        }
      }
      return true;
    });
    if (!"127.0.0.1".equals(s.url.getHost()) || s.nodes.stream().anyMatch(n -> !"127.0.0.1".equals(n.getHost()))) {
      throw new IllegalArgumentException("this generator only talks to 127.0.0.1");
    }
    if (s.contacts < 1 || s.contacts > 100_000 || s.maxSeconds < 1 || s.maxSeconds > 900 || s.concurrency < 1
        || s.sampleMs < 10) {
      throw new IllegalArgumentException("--contacts 1..100000, --max-seconds 1..900, --concurrency >= 1");
    }
    callee(s.callee);
    switch (s.target) {
      case "direct" -> { }
      case "campaign" -> {
        if (s.authToken == null || s.accountSid == null || s.pgPort == 0 || s.restFile == null || s.goFile == null) {
          throw new IllegalArgumentException("--target campaign needs --auth-token, --account-sid, --pg-port, --rest-file "
              + "and --go-file");
        }
        if (s.nodes.isEmpty()) {
          s.nodes.add(s.url);
        }
        if (s.publicUrl == null) {
          s.publicUrl = s.url.toString();
        }
      }
      default -> throw new IllegalArgumentException("--target campaign|direct");
    }
    return s;
  }
}
