package com.livechat.dialer;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.Ports;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.voice.sim.Callee;
import com.livechat.voice.sim.FakeCarrier;
import com.livechat.voice.sim.RestRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Campaigns dialled through the fake carrier's REST API, the callee played by the fake: a person
 * who talks, a machine, a busy line retried, an invalid number never retried, do-not-call at dial
 * time and by phrase, calling hours in the contact's zone, the carrier's 429 backed off, pacing and
 * concurrency, pause and cancel, and campaign:progress with the counts of GET.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CampaignDialTest {

  static final String TOKEN = "campaign-carrier-token-0123456789";
  static final String ACCOUNT = "AC" + "7".repeat(32);
  private static final AtomicInteger NUMBERS = new AtomicInteger(2000);

  private Vertx client;
  private FakeCarrier carrier;
  private LiveChatServer server;
  private Api api;
  private String jwt;
  private String tenantId;
  private String assistantId;
  private String fromNumber;

  @BeforeAll
  void start() throws Exception {
    int port = Ports.free();
    client = Vertx.vertx();
    carrier = new FakeCarrier(client, "http://127.0.0.1:" + port, "http://localhost:" + port, TOKEN, ACCOUNT);
    carrier.serveRest().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("http").put("port", port);
    config.getJsonObject("voice").getJsonObject("twilio").put("authToken", TOKEN).put("accountSid", ACCOUNT)
        .put("apiBaseUrl", carrier.restBaseUrl());
    config.getJsonObject("campaigns").put("dialerPollMs", 50);
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
    carrier.close();
    client.close();
  }

  @BeforeEach
  void signUp() {
    JsonObject s = api.signup("campaign-" + System.nanoTime() + "@example.com");
    jwt = s.getString("token");
    tenantId = s.getJsonObject("tenant").getString("id");
    String widgetToken = s.getJsonObject("tenant").getString("widgetToken");
    assistantId = api.get("/api/widgets/" + tenantId + "/config", "Authorization", bearer(widgetToken)).json()
        .getJsonObject("config").getString("assistantId");
    fromNumber = "+1416555" + NUMBERS.incrementAndGet();
    JsonObject assistant = api.get("/api/assistants/" + assistantId, "Authorization", bearer(jwt)).json()
        .getJsonObject("assistant").put("phoneNumbers", new JsonArray().add(fromNumber))
        .put("greeting", "Hello {{name}}, this is Acme about your {{plan}} plan.");
    Api.Response put = api.method("PUT", "/api/assistants/" + assistantId, assistant.encode(), "Authorization",
        bearer(jwt), "Content-Type", "application/json");
    assertThat(put.status()).as(put.text()).isEqualTo(200);
  }

  private static String number() {
    return "+1415666" + NUMBERS.incrementAndGet();
  }

  private JsonObject campaign(JsonObject overrides) {
    JsonObject body = new JsonObject().put("name", "Renewals").put("assistantId", assistantId).put("fromNumber", fromNumber)
        .put("timezone", dayZone())
        .put("callingHours", new JsonObject().put("start", "08:00").put("end", "21:00")
            .put("days", new JsonArray().add("mon").add("tue").add("wed").add("thu").add("fri").add("sat").add("sun")))
        .put("pacing", new JsonObject().put("callsPerMinute", 600).put("maxConcurrent", 50))
        .put("retry", new JsonObject().put("maxAttempts", 2).put("busyDelayMinutes", 1).put("noAnswerDelayMinutes", 1))
        .put("voicemail", "leave_message").put("voicemailMessage", "Hi {{name}}, Acme here. Please call us back.");
    body.mergeIn(overrides, true);
    Api.Response r = api.post("/api/campaigns", body, "Authorization", bearer(jwt));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json().getJsonObject("campaign");
  }

  /** A zone where it is between 09:00 and 20:00 now and for the next minutes (calling hours are real). */
  static String dayZone() {
    CallingHours day = new CallingHours(LocalTime.of(9, 0), LocalTime.of(20, 0), EnumSet.allOf(java.time.DayOfWeek.class));
    Instant now = Instant.now();
    for (String zone : List.of("UTC", "Europe/Paris", "Asia/Kolkata", "Asia/Tokyo", "Pacific/Auckland",
        "America/New_York", "America/Los_Angeles", "Pacific/Honolulu")) {
      if (day.open(now, ZoneId.of(zone)) && day.open(now.plusSeconds(600), ZoneId.of(zone))) {
        return zone;
      }
    }
    throw new IllegalStateException("no zone in daytime");
  }

  private void contacts(String campaignId, JsonArray contacts) {
    Api.Response r = api.post("/api/campaigns/" + campaignId + "/contacts", new JsonObject().put("contacts", contacts),
        "Authorization", bearer(jwt));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
  }

  private static JsonObject contact(String phone, String name) {
    return new JsonObject().put("phone", phone).put("name", name).put("variables", new JsonObject().put("plan", "Pro"));
  }

  private Api.Response action(String campaignId, String action) {
    return api.post("/api/campaigns/" + campaignId + "/" + action, new JsonObject(), "Authorization", bearer(jwt));
  }

  private JsonObject get(String campaignId) {
    return api.get("/api/campaigns/" + campaignId, "Authorization", bearer(jwt)).json().getJsonObject("campaign");
  }

  private List<JsonObject> contactsOf(String campaignId) {
    return api.get("/api/campaigns/" + campaignId + "/contacts?limit=200", "Authorization", bearer(jwt)).json()
        .getJsonArray("items").stream().map(o -> (JsonObject) o).toList();
  }

  private JsonObject contactOf(String campaignId, String phone) {
    return contactsOf(campaignId).stream().filter(c -> c.getString("phone").equals(phone)).findFirst().orElseThrow();
  }

  private static volatile String debug = "";

  private void waitForCompletion(String id, long millis) {
    long deadline = System.currentTimeMillis() + millis;
    while (!"completed".equals(get(id).getString("status"))) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("campaign " + get(id) + " contacts " + contactsOf(id) + " calls "
            + carrier.outboundCalls() + " requests " + carrier.restRequests().size());
      }
      sleep(50);
    }
  }

  private static void waitFor(String what, long millis, BooleanSupplier done) {
    long deadline = System.currentTimeMillis() + millis;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what + " " + debug);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private long dialsTo(List<String> phones) {
    return carrier.restRequests().stream().filter(r -> phones.contains(r.to())).count();
  }

  @Test
  void aCampaignCallsEachContactAndEndsWithEveryResult() {
    String person = number();
    String machine = number();
    String busy = number();
    String invalid = number();
    String listed = number();
    carrier.callee(person, Callee.human("Yes, I'd like to renew."));
    carrier.callee(machine, Callee.machine());
    carrier.callee(busy, Callee.busy());
    carrier.callee(invalid, Callee.invalid());
    Api.Response dnc = api.post("/api/dnc", new JsonObject().put("phone", listed), "Authorization", bearer(jwt));
    assertThat(dnc.status()).as(dnc.text()).isIn(200, 201);
    String id = campaign(new JsonObject()).getString("id");
    contacts(id, new JsonArray().add(contact(person, "Ana")).add(contact(machine, "Bo")).add(contact(busy, "Cy"))
        .add(contact(invalid, "Di")).add(contact(listed, "Ed")));
    // a retry due at once: the delay is the one thing the API will not set this short
    TestServer.sql(server, "UPDATE campaigns SET retry = '{\"maxAttempts\": 2, \"busyDelayMinutes\": 0, "
        + "\"noAnswerDelayMinutes\": 0}' WHERE id = $1", id);
    try (com.livechat.support.WsClient dashboard = com.livechat.support.WsClient.authenticated(server.port(), jwt,
        null)) {
      assertThat(action(id, "start").status()).isEqualTo(200);
      waitForCompletion(id, 30_000);
      JsonObject last = null;
      JsonObject frame;
      while ((frame = dashboard.next(2)) != null) {
        if ("campaign:progress".equals(frame.getString("type"))) {
          last = frame.getJsonObject("data");
        }
      }
      assertThat(last).isNotNull();
      assertThat(last.getString("status")).isEqualTo("completed");
      JsonObject counts = get(id).getJsonObject("counts");
      assertThat(last.getInteger("completed")).isEqualTo(counts.getInteger("completed"));
      assertThat(last.getInteger("failed")).isEqualTo(counts.getInteger("failed"));
      assertThat(last.getInteger("total")).isEqualTo(5);
    }
    // while counts change, at most one campaign:progress a second (state changes come on top)
    List<io.vertx.sqlclient.Row> sent = new java.util.ArrayList<>();
    TestServer.sql(server, "SELECT created_at, data->>'status' AS status FROM tenant_events WHERE tenant_id = $1 "
        + "AND type = 'campaign:progress' AND data->>'campaignId' = $2 ORDER BY seq", tenantId, id).forEach(sent::add);
    List<java.time.OffsetDateTime> whileRunning = sent.stream()
        .filter(r -> "running".equals(r.getString("status"))).map(r -> r.getOffsetDateTime("created_at")).toList();
    for (int i = 2; i < whileRunning.size(); i++) {
      // the first is the start's own; the others are the once-a-second ones
      assertThat(Duration.between(whileRunning.get(i - 1), whileRunning.get(i)).toMillis()).isGreaterThanOrEqualTo(900);
    }
    assertThat(contactOf(id, person).getString("status")).isEqualTo("completed");
    assertThat(contactOf(id, machine).getString("status")).isEqualTo("voicemail");
    assertThat(contactOf(id, busy).getString("status")).isEqualTo("busy");
    assertThat(contactOf(id, busy).getInteger("attempts")).isEqualTo(2);
    assertThat(contactOf(id, invalid).getString("status")).isEqualTo("failed");
    assertThat(contactOf(id, listed).getString("status")).isEqualTo("skipped");
    // each placed call's sid is on its contact, also when its callbacks (a quick carrier) settled the
    // attempt before the carrier's answer to the dial was recorded
    assertThat(TestServer.sql(server, "SELECT phone FROM campaign_contacts WHERE campaign_id = $1 AND call_sid IS NULL "
        + "AND phone IN ($2, $3, $4)", id, person, machine, busy).size()).isZero();
    // the invalid number was asked once, never again; the listed one never
    assertThat(dialsTo(List.of(invalid))).isEqualTo(1);
    assertThat(dialsTo(List.of(listed))).isZero();
    assertThat(dialsTo(List.of(busy))).isEqualTo(2);
    // personalised: the person heard the greeting with their name and plan, the machine the message once
    assertThat(carrier.outboundCall(person).said()).contains("Hello Ana, this is Acme about your Pro plan.");
    assertThat(carrier.outboundCall(machine).said()).containsExactly("Hi Bo, Acme here. Please call us back.");
    // what the dialler asked the carrier for
    RestRequest request = carrier.restRequests().stream().filter(r -> r.to().equals(person)).findFirst().orElseThrow();
    assertThat(request.from()).isEqualTo(fromNumber);
    assertThat(request.events()).containsExactlyInAnyOrder("initiated", "ringing", "answered", "completed");
    assertThat(request.machineDetection()).isNotNull();
    JsonObject counts = get(id).getJsonObject("counts");
    assertThat(counts.getInteger("total")).isEqualTo(5);
    assertThat(counts.getInteger("completed") + counts.getInteger("voicemail") + counts.getInteger("busy")
        + counts.getInteger("failed") + counts.getInteger("skipped")).isEqualTo(5);
  }

  @Test
  void anAttemptWhoseEndNeverCameIsFailedByTheSweepAndTheCampaignCompletes() {
    // two calls that ring for minutes: in a call, their ends not come yet
    String lost = number();
    String ringing = number();
    carrier.callee(lost, Callee.human("Hello?").withRingMs(600_000));
    carrier.callee(ringing, Callee.human("Hello?").withRingMs(600_000));
    String id = campaign(new JsonObject().put("retry", new JsonObject().put("maxAttempts", 1)
        .put("busyDelayMinutes", 1).put("noAnswerDelayMinutes", 1))).getString("id");
    contacts(id, new JsonArray().add(contact(lost, "Lo")).add(contact(ringing, "Ri")));
    assertThat(action(id, "start").status()).isEqualTo(200);
    waitFor("both calls placed", 20_000, () -> TestServer.sql(server, "SELECT 1 FROM campaign_contacts "
        + "WHERE campaign_id = $1 AND status = 'in_progress' AND call_sid IS NOT NULL", id).size() == 2);
    // one of them as if it had started longer ago than any call lasts: its terminal callback was lost
    TestServer.sql(server, "UPDATE campaign_contacts SET updated_at = now() - interval '1 day' WHERE campaign_id = $1 "
        + "AND phone = $2", id, lost);
    DialerStore store = new DialerStore(server.wiring().pool());
    // (the ticker sweeps with voice.maxCallMinutes + 2 every 30 s; a test does not wait for it)
    int minutes = 60;
    assertThat(store.sweep(minutes).await()).isEqualTo(1);
    assertThat(contactOf(id, lost).getString("status")).isEqualTo("failed");
    assertThat(contactOf(id, ringing).getString("status")).isEqualTo("in_progress");
    assertThat(get(id).getString("status")).isEqualTo("running");
    // the other too: nothing is left to dial, and the ticker completes the campaign with its progress
    TestServer.sql(server, "UPDATE campaign_contacts SET updated_at = now() - interval '1 day' WHERE campaign_id = $1 "
        + "AND phone = $2", id, ringing);
    assertThat(store.sweep(minutes).await()).isEqualTo(1);
    waitForCompletion(id, 10_000);
    String progress = "SELECT data FROM tenant_events WHERE tenant_id = $1 AND type = 'campaign:progress' "
        + "AND data->>'campaignId' = $2 ORDER BY seq";
    List<io.vertx.sqlclient.Row> sent = new java.util.ArrayList<>();
    TestServer.sql(server, progress, tenantId, id).forEach(sent::add);
    JsonObject last = sent.get(sent.size() - 1).getJsonObject("data");
    assertThat(last.getString("status")).isEqualTo("completed");
    assertThat(last.getInteger("failed")).isEqualTo(2);
    assertThat(last.getInteger("inProgress")).isZero();
    // counts that no longer change send nothing more
    sleep(2500);
    assertThat(TestServer.sql(server, progress, tenantId, id).size()).isEqualTo(sent.size());
  }

  @Test
  void aTenantsCarrierUrlThatNowPointsToAPrivateAddressGetsNoCredentialsAndPausesTheCampaign() {
    // the tenant's own account, saved with a public https URL; its name then resolves (as far as the
    // dialler can tell) to a private address: the stored URL is set so here
    Api.Response own = api.method("PUT", "/api/tenant/telephony", new JsonObject().put("accountSid", ACCOUNT)
        .put("authToken", TOKEN).put("apiBaseUrl", "https://carrier.example/twilio").encode(),
        "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(own.status()).as(own.text()).isEqualTo(200);
    // (https and a literal address: the fake carrier's, under another URL than the server-wide one)
    String restUrl = carrier.restBaseUrl().replace("http://", "https://");
    TestServer.sql(server, "UPDATE tenant_telephony SET api_base_url = $2 WHERE tenant_id = $1", tenantId, restUrl);
    String callee = number();
    String id = campaign(new JsonObject()).getString("id");
    contacts(id, new JsonArray().add(contact(callee, "Pi")));
    assertThat(action(id, "start").status()).isEqualTo(200);
    waitFor("the campaign to pause", 20_000, () -> "paused".equals(get(id).getString("status")));
    assertThat(dialsTo(List.of(callee))).as("no request, so no credentials, went there").isZero();
    JsonObject waiting = contactOf(id, callee);
    assertThat(waiting.getString("status")).isEqualTo("pending");
    assertThat(waiting.getInteger("attempts")).isZero();
    // the account fixed (the server-wide one again), resume dials
    assertThat(api.method("DELETE", "/api/tenant/telephony", null, "Authorization", bearer(jwt)).status())
        .isEqualTo(200);
    assertThat(action(id, "resume").status()).isEqualTo(200);
    waitForCompletion(id, 30_000);
    assertThat(dialsTo(List.of(callee))).isEqualTo(1);
  }

  @Test
  void aBusyLineIsTriedAgainAfterItsDelay() {
    String busy = number();
    carrier.callee(busy, Callee.busy());
    String id = campaign(new JsonObject()).getString("id");
    contacts(id, new JsonArray().add(contact(busy, "Jo")));
    Instant started = Instant.now();
    assertThat(action(id, "start").status()).isEqualTo(200);
    waitFor("the busy attempt to settle", 20_000,
        () -> "busy".equals(contactOf(id, busy).getString("lastResult")));
    JsonObject waiting = contactOf(id, busy);
    assertThat(waiting.getString("status")).isEqualTo("pending");
    assertThat(waiting.getInteger("attempts")).isEqualTo(1);
    // busyDelayMinutes 1: due a minute after the line was busy, and nothing before
    Instant next = Instant.parse(waiting.getString("nextAttemptAt"));
    assertThat(next).isBetween(started.plusSeconds(59), Instant.now().plusSeconds(61));
    assertThat(TestServer.sql(server, "SELECT count(*) FROM jobs WHERE job_key = $1 AND due_at > now() + interval "
        + "'50 seconds'", waiting.getString("id")).iterator().next().getLong(0)).isEqualTo(1);
    assertThat(dialsTo(List.of(busy))).isEqualTo(1);
    assertThat(action(id, "cancel").status()).isEqualTo(200);
    assertThat(contactOf(id, busy).getString("status")).isEqualTo("cancelled");
  }

  @Test
  void aCalleeWhoAsksNotToBeCalledIsListedAndTheCallEndsPolitely() {
    String callee = number();
    carrier.callee(callee, Callee.human("Please stop calling me.", "Hello?"));
    String id = campaign(new JsonObject()).getString("id");
    contacts(id, new JsonArray().add(contact(callee, "Flo")));
    assertThat(action(id, "start").status()).isEqualTo(200);
    waitForCompletion(id, 30_000);
    assertThat(carrier.outboundCall(callee).said()).contains("Understood. We will not call you again. Goodbye.");
    // the call ended: the second line was never spoken
    assertThat(carrier.outboundCall(callee).spoken()).containsExactly("Please stop calling me.");
    JsonArray listed = api.get("/api/dnc", "Authorization", bearer(jwt)).json().getJsonArray("items");
    assertThat(listed.stream().map(o -> ((JsonObject) o).getString("phone"))).contains(callee);
    // a second campaign never calls them
    String again = campaign(new JsonObject()).getString("id");
    contacts(again, new JsonArray().add(contact(callee, "Flo")));
    assertThat(contactOf(again, callee).getString("status")).isEqualTo("skipped");
  }

  @Test
  void aContactOutsideItsCallingWindowWaitsAndTheCampaignKeepsRunning() {
    // a zone where it is now within 09:00–20:00, and one where it is not
    Instant now = Instant.now();
    CallingHours hours = new CallingHours(LocalTime.of(9, 0), LocalTime.of(20, 0),
        EnumSet.allOf(java.time.DayOfWeek.class));
    String open = null;
    String closed = null;
    for (String zone : List.of("Pacific/Kiritimati", "Asia/Tokyo", "Asia/Kolkata", "Europe/Paris", "UTC",
        "America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Pacific/Pago_Pago")) {
      if (hours.open(now.plusSeconds(120), ZoneId.of(zone)) && hours.open(now, ZoneId.of(zone))) {
        open = open == null ? zone : open;
      } else if (!hours.open(now.plusSeconds(120), ZoneId.of(zone)) && !hours.open(now, ZoneId.of(zone))) {
        closed = closed == null ? zone : closed;
      }
    }
    assertThat(open).isNotNull();
    assertThat(closed).isNotNull();
    String day = number();
    String night = number();
    carrier.callee(day, Callee.human("Hi."));
    String id = campaign(new JsonObject().put("callingHours", new JsonObject().put("start", "09:00").put("end", "20:00")
        .put("days", new JsonArray().add("mon").add("tue").add("wed").add("thu").add("fri").add("sat").add("sun"))))
        .getString("id");
    contacts(id, new JsonArray().add(contact(day, "Gus").put("timezone", open))
        .add(contact(night, "Hal").put("timezone", closed)));
    assertThat(action(id, "start").status()).isEqualTo(200);
    String finalDay = day;
    waitFor("the open zone's contact to finish", 20_000,
        () -> "completed".equals(contactOf(id, finalDay).getString("status")));
    JsonObject waiting = contactOf(id, night);
    assertThat(waiting.getString("status")).isEqualTo("pending");
    Instant next = Instant.parse(waiting.getString("nextAttemptAt"));
    assertThat(next).isEqualTo(hours.next(now, ZoneId.of(closed)));
    assertThat(dialsTo(List.of(night))).isZero();
    assertThat(get(id).getString("status")).isEqualTo("running");
    assertThat(action(id, "cancel").status()).isEqualTo(200);
  }

  @Test
  void theCarriersRateLimitIsBackedOffAndIsNotAnAttempt() {
    String callee = number();
    carrier.callee(callee, Callee.human("Okay."));
    String id = campaign(new JsonObject()).getString("id");
    contacts(id, new JsonArray().add(contact(callee, "Ivy")));
    carrier.rateLimitNext(2);
    assertThat(action(id, "start").status()).isEqualTo(200);
    waitForCompletion(id, 30_000);
    List<RestRequest> asked = carrier.restRequests().stream().filter(r -> r.to().equals(callee)).toList();
    assertThat(asked).hasSize(3);
    assertThat(asked.subList(0, 2)).allMatch(r -> r.httpStatus() == 429);
    // backed off: 1 s, then 2 s
    assertThat(asked.get(2).timeNanos() - asked.get(0).timeNanos()).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(2500));
    assertThat(contactOf(id, callee).getInteger("attempts")).isEqualTo(1);
    assertThat(contactOf(id, callee).getString("status")).isEqualTo("completed");
    // the two undone tries left no conversation of their own: the attempt's one conversation has the call
    String contactId = contactOf(id, callee).getString("id");
    assertThat(TestServer.sql(server, "SELECT id FROM conversations WHERE tenant_id = $1 AND session_id LIKE $2",
        tenantId, "campaign_" + contactId + "_%").size()).isEqualTo(1);
  }

  @Test
  void maxConcurrentHoldsAndPacingHoldsOverTheMinute() {
    List<String> phones = new java.util.ArrayList<>();
    JsonArray list = new JsonArray();
    for (int i = 0; i < 6; i++) {
      String phone = number();
      phones.add(phone);
      carrier.callee(phone, Callee.human("One.", "Two."));
      list.add(contact(phone, "P" + i));
    }
    int before = carrier.maxLiveOutbound();
    String id = campaign(new JsonObject().put("pacing", new JsonObject().put("callsPerMinute", 600)
        .put("maxConcurrent", 2))).getString("id");
    contacts(id, list);
    assertThat(action(id, "start").status()).isEqualTo(200);
    waitForCompletion(id, 60_000);
    assertThat(get(id).getJsonObject("counts").getInteger("completed")).isEqualTo(6);
    assertThat(carrier.maxLiveOutbound()).isLessThanOrEqualTo(Math.max(before, 2));

    // 4 a minute: four dials, then nothing until a minute after the first
    List<String> paced = new java.util.ArrayList<>();
    JsonArray more = new JsonArray();
    for (int i = 0; i < 6; i++) {
      String phone = number();
      paced.add(phone);
      carrier.callee(phone, Callee.human("Hi."));
      more.add(contact(phone, "Q" + i));
    }
    String slow = campaign(new JsonObject().put("pacing", new JsonObject().put("callsPerMinute", 4)
        .put("maxConcurrent", 10))).getString("id");
    contacts(slow, more);
    assertThat(action(slow, "start").status()).isEqualTo(200);
    waitFor("four dials", 10_000, () -> dialsTo(paced) >= 4);
    sleep(3_000);
    assertThat(dialsTo(paced)).isEqualTo(4);
    // pause and resume take effect at once; cancel cancels the contacts still waiting
    assertThat(action(slow, "pause").status()).isEqualTo(200);
    assertThat(TestServer.sql(server, "SELECT count(*) FROM jobs WHERE payload->>'campaignId' = $1", slow).iterator()
        .next().getLong(0)).isZero();
    assertThat(action(slow, "resume").status()).isEqualTo(200);
    assertThat(action(slow, "cancel").status()).isEqualTo(200);
    waitFor("the cancelled campaign's calls to end", 20_000, () -> contactsOf(slow).stream()
        .noneMatch(c -> c.getString("status").equals("in_progress")));
    assertThat(contactsOf(slow).stream().filter(c -> c.getString("status").equals("cancelled")).count()).isEqualTo(2);
    assertThat(get(slow).getString("status")).isEqualTo("cancelled");
    assertThat(dialsTo(paced)).isEqualTo(4);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
