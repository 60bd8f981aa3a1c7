package com.livechat.webhook;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Outbound webhooks end to end against a receiver on 127.0.0.1 (webhooks.allowPrivateTargets on):
 * the shape and signature of a delivery (checked with an independent HMAC), event filters, retries
 * and their delays, 410, redirects, timeouts, rotation, the test ping, retry on demand, tenant
 * isolation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookTest {

  /** One request the receiver got. */
  record Received(String path, Map<String, String> headers, String body, Instant at) {}

  private Vertx vertx;
  private HttpServer receiver;
  private int receiverPort;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  /** Per path: the status to answer (default 204); "slow" paths never answer. */
  private final Map<String, Integer> answers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failFirst = new ConcurrentHashMap<>();
  private LiveChatServer server;
  private Api api;
  private String jwt;
  private String tenantId;
  private String widgetToken;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String path = req.path();
      Map<String, String> headers = new ConcurrentHashMap<>();
      req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
      received.add(new Received(path, headers, body.toString(StandardCharsets.UTF_8), Instant.now()));
      if (path.startsWith("/slow")) {
        return;
      }
      AtomicInteger failures = failFirst.get(path);
      if (failures != null && failures.getAndDecrement() > 0) {
        req.response().setStatusCode(503).end();
        return;
      }
      int status = answers.getOrDefault(path, 204);
      if (status == 302) {
        req.response().setStatusCode(302).putHeader("Location", "http://127.0.0.1:" + receiverPort + "/moved").end();
      } else if (status == 429) {
        req.response().setStatusCode(429).putHeader("Retry-After", "7200").end();
      } else {
        req.response().setStatusCode(status).end();
      }
    }));
    receiverPort = receiver.listen(0, "127.0.0.1").await().actualPort();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.put("webhooks", new JsonObject().put("allowPrivateTargets", true).put("timeoutMs", 1000)
        .put("maxInFlight", 16).put("pollMs", 100).put("leaseSeconds", 60));
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
    receiver.close().await();
    vertx.close().await();
  }

  @BeforeEach
  void signUp() {
    JsonObject s = api.signup("webhooks-" + System.nanoTime() + "@example.com");
    jwt = s.getString("token");
    tenantId = s.getJsonObject("tenant").getString("id");
    widgetToken = s.getJsonObject("tenant").getString("widgetToken");
  }

  private String url(String path) {
    return "http://127.0.0.1:" + receiverPort + path;
  }

  private JsonObject create(JsonObject body) {
    Api.Response r = api.post("/api/webhooks", body, "Authorization", bearer(jwt));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json().getJsonObject("webhook");
  }

  /** A visitor's message: conversation:new, message:new (visitor), then the assistant's message:new. */
  private String chat(String sessionId, String message) {
    Api.Response chat = api.post("/api/widgets/" + tenantId + "/chat",
        new JsonObject().put("sessionId", sessionId).put("message", message), "Authorization", bearer(widgetToken));
    assertThat(chat.status()).as(chat.text()).isEqualTo(200);
    return chat.json().getString("conversationId");
  }

  private List<Received> at(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  private JsonArray deliveries(String webhookId) {
    return api.get("/api/webhooks/" + webhookId + "/deliveries", "Authorization", bearer(jwt)).json().getJsonArray("items");
  }

  private static void waitFor(String what, long millis, BooleanSupplier done) {
    Wait.until(what, millis, done);
  }

  /** An implementation of the scheme of its own (not WebhookSignature's). */
  private static String hmac(String secret, String id, String timestamp, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
    return "v1," + Base64.getEncoder().encodeToString(
        mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theSignatureIsTheSpecsTestVector() throws Exception {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    String expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    assertThat(WebhookSignature.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"))
        .isEqualTo(expected);
    assertThat(hmac(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "{\"test\": 2432232314}")).isEqualTo(expected);
    assertThat(WebhookSignature.verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}",
        "v1,bm9wZQ== " + expected)).isTrue();
    assertThat(WebhookSignature.verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232315}",
        expected)).isFalse();
    String fresh = WebhookSignature.newSecret();
    assertThat(fresh).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(fresh.substring(6))).hasSize(32);
  }

  @Test
  void everyEventGoesOutSignedInTheContractsShapeAndTheSecretIsShownOnce() throws Exception {
    JsonObject webhook = create(new JsonObject().put("url", url("/all")).put("description", "CRM"));
    String secret = webhook.getString("secret");
    assertThat(secret).startsWith("whsec_");
    assertThat(webhook.getBoolean("enabled")).isTrue();
    assertThat(webhook.getValue("events")).isNull();
    JsonObject shown = api.get("/api/webhooks/" + webhook.getString("id"), "Authorization", bearer(jwt)).json()
        .getJsonObject("webhook");
    assertThat(shown.containsKey("secret")).isFalse();
    assertThat(api.get("/api/webhooks", "Authorization", bearer(jwt)).text()).doesNotContain(secret);
    assertThat(TestServer.sql(server, "SELECT secret_enc FROM webhook_endpoints WHERE id = $1", webhook.getString("id"))
        .iterator().next().getBuffer(0).toString(StandardCharsets.ISO_8859_1)).doesNotContain(secret.substring(6));

    String conversationId = chat("wh-1", "Hello there");
    waitFor("the chat's events at the receiver", 10_000, () -> at("/all").size() >= 3);
    List<JsonObject> bodies = at("/all").stream().map(r -> new JsonObject(r.body())).toList();
    assertThat(bodies).extracting(b -> b.getString("type")).contains("conversation:new", "message:new");
    List<JsonObject> log = new java.util.ArrayList<>();
    TestServer.sql(server, "SELECT seq, type, data FROM tenant_events WHERE tenant_id = $1 ORDER BY seq", tenantId)
        .forEach(r -> log.add(new JsonObject().put("seq", r.getLong("seq")).put("type", r.getString("type"))
            .put("data", (JsonObject) r.getValue("data"))));
    for (Received r : at("/all")) {
      JsonObject body = new JsonObject(r.body());
      assertThat(body.fieldNames()).containsExactlyInAnyOrder("type", "id", "tenantId", "timestamp", "data");
      assertThat(body.getString("tenantId")).isEqualTo(tenantId);
      JsonObject entry = log.stream().filter(e -> Long.toString(e.getLong("seq")).equals(body.getString("id")))
          .findFirst().orElseThrow();
      assertThat(body.getString("type")).isEqualTo(entry.getString("type"));
      assertThat(body.getJsonObject("data")).isEqualTo(entry.getJsonObject("data"));
      assertThat(r.headers().get("webhook-id")).isEqualTo(body.getString("id"));
      long ts = Long.parseLong(r.headers().get("webhook-timestamp"));
      assertThat(Math.abs(ts - Instant.now().getEpochSecond())).isLessThan(60);
      assertThat(r.headers().get("webhook-signature"))
          .isEqualTo(hmac(secret, r.headers().get("webhook-id"), r.headers().get("webhook-timestamp"), r.body()));
      assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    }
    assertThat(bodies.stream().filter(b -> b.getString("type").equals("conversation:new")).findFirst().orElseThrow()
        .getJsonObject("data").getString("id")).isEqualTo(conversationId);
    // each event once, and the dashboard sees each delivery as delivered
    assertThat(at("/all").stream().map(r -> r.headers().get("webhook-id")).distinct().count()).isEqualTo(at("/all").size());
    waitFor("deliveries recorded", 5_000, () -> deliveries(webhook.getString("id")).stream()
        .allMatch(d -> ((JsonObject) d).getString("status").equals("delivered")));
    JsonObject one = deliveries(webhook.getString("id")).getJsonObject(0);
    assertThat(one.getInteger("attempts")).isEqualTo(1);
    assertThat(one.getInteger("lastResponseCode")).isEqualTo(204);
  }

  @Test
  void theEndpointListIsPagedNewestFirstAndOnlyTheTenantsOwn() {
    List<String> made = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      made.add(0, create(new JsonObject().put("url", url("/paged-" + i))).getString("id"));
    }
    api.post("/api/webhooks", new JsonObject().put("url", url("/paged-other")), "Authorization",
        bearer(api.signup("webhooks-p-" + System.nanoTime() + "@example.com").getString("token")));
    JsonObject first = api.get("/api/webhooks?limit=2", "Authorization", bearer(jwt)).json();
    assertThat(first.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .isEqualTo(made.subList(0, 2));
    String cursor = first.getString("nextCursor");
    assertThat(cursor).isNotNull();
    JsonObject second = api.get("/api/webhooks?limit=2&cursor=" + cursor, "Authorization", bearer(jwt)).json();
    assertThat(second.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .isEqualTo(made.subList(2, 3));
    assertThat(second.getValue("nextCursor")).isNull();
    Api.Response badLimit = api.get("/api/webhooks?limit=0", "Authorization", bearer(jwt));
    assertThat(badLimit.status()).isEqualTo(400);
    assertThat(badLimit.json().getJsonObject("error").getString("code")).isEqualTo("invalid_limit");
    Api.Response badCursor = api.get("/api/webhooks?cursor=nope", "Authorization", bearer(jwt));
    assertThat(badCursor.status()).isEqualTo(400);
    assertThat(badCursor.json().getJsonObject("error").getString("code")).isEqualTo("invalid_cursor");
  }

  @Test
  void anEndpointGetsOnlyTheTypesItChoseAndOnlyItsOwnTenantsEvents() {
    create(new JsonObject().put("url", url("/messages")).put("events", new JsonArray().add("message:new")));
    // another tenant's endpoint, for every type: it never hears this tenant's events
    String otherJwt = api.signup("webhooks-b-" + System.nanoTime() + "@example.com").getString("token");
    Api.Response other = api.post("/api/webhooks", new JsonObject().put("url", url("/other-tenant")),
        "Authorization", bearer(otherJwt));
    assertThat(other.status()).as(other.text()).isEqualTo(201);
    chat("wh-filter", "Hi");
    waitFor("the messages", 10_000, () -> at("/messages").size() >= 2);
    assertThat(at("/messages")).allMatch(r -> new JsonObject(r.body()).getString("type").equals("message:new"));
    assertThat(at("/messages")).allMatch(r -> new JsonObject(r.body()).getString("tenantId").equals(tenantId));
    assertThat(at("/other-tenant")).isEmpty();
  }

  @Test
  void aFailingReceiverIsRetriedOnTheScheduleAndAnswersAreRecorded() {
    answers.put("/down", 500);
    JsonObject webhook = create(new JsonObject().put("url", url("/down")).put("events", new JsonArray()
        .add("conversation:new")));
    chat("wh-retry", "Hello");
    waitFor("two attempts (the first retry after 5 s)", 15_000, () -> at("/down").size() >= 2);
    List<Received> attempts = at("/down");
    Duration gap = Duration.between(attempts.get(0).at(), attempts.get(1).at());
    assertThat(gap.toMillis()).isBetween(4_400L, 7_000L);
    // a retry carries the first attempt's body byte for byte (built again from the log entry) and id
    assertThat(attempts.get(1).body()).isEqualTo(attempts.get(0).body());
    assertThat(attempts.get(1).headers().get("webhook-id")).isEqualTo(attempts.get(0).headers().get("webhook-id"));
    waitFor("the second failure recorded", 5_000, () -> deliveries(webhook.getString("id")).getJsonObject(0)
        .getInteger("attempts") == 2);
    JsonObject d = deliveries(webhook.getString("id")).getJsonObject(0);
    assertThat(d.getString("status")).isEqualTo("pending");
    assertThat(d.getInteger("lastResponseCode")).isEqualTo(500);
    assertThat(d.getString("lastError")).isEqualTo("HTTP 500");
    // the next one is 5 minutes (±10 %) after the second failure
    Duration next = Duration.between(Instant.now(), OffsetDateTime.parse(d.getString("nextAttemptAt")).toInstant());
    assertThat(next.getSeconds()).isBetween(260L, 331L);
    // the remaining waits, as scheduled: 30 min, 2 h, 5 h, 10 h, 10 h; then failed
    assertThat(RetrySchedule.after(3, 0, null)).isEqualTo(Duration.ofMinutes(30));
    assertThat(RetrySchedule.after(4, 1, null)).isEqualTo(Duration.ofMinutes(132));
    assertThat(RetrySchedule.after(5, -1, null)).isEqualTo(Duration.ofMinutes(270));
    assertThat(RetrySchedule.after(7, 0, null)).isEqualTo(Duration.ofHours(10));
    assertThat(RetrySchedule.after(8, 0, null)).isNull();
    // a Retry-After longer than the schedule is honoured
    assertThat(RetrySchedule.after(1, 0, Duration.ofHours(2))).isEqualTo(Duration.ofHours(2));
    assertThat(RetrySchedule.after(2, 0, Duration.ofSeconds(1))).isEqualTo(Duration.ofMinutes(5));
    // the last attempt's failure is final
    String deliveryId = d.getString("id");
    TestServer.sql(server, "UPDATE webhook_deliveries SET attempts = 7 WHERE id = $1", deliveryId);
    TestServer.sql(server, "UPDATE jobs SET due_at = now() WHERE job_key = $1", deliveryId);
    waitFor("the eighth attempt", 10_000, () -> deliveries(webhook.getString("id")).getJsonObject(0)
        .getString("status").equals("failed"));
    JsonObject failed = deliveries(webhook.getString("id")).getJsonObject(0);
    assertThat(failed.getInteger("attempts")).isEqualTo(8);
    assertThat(failed.getValue("nextAttemptAt")).isNull();
    assertThat(TestServer.sql(server, "SELECT 1 FROM jobs WHERE job_key = $1", deliveryId).size()).isZero();
    // retried on demand, it goes again now (and the receiver is back)
    answers.put("/down", 200);
    Api.Response retry = api.post("/api/webhooks/" + webhook.getString("id") + "/deliveries/" + deliveryId + "/retry",
        new JsonObject(), "Authorization", bearer(jwt));
    assertThat(retry.status()).as(retry.text()).isEqualTo(202);
    waitFor("the retry delivered", 10_000, () -> deliveries(webhook.getString("id")).getJsonObject(0)
        .getString("status").equals("delivered"));
    assertThat(deliveries(webhook.getString("id")).getJsonObject(0).getInteger("attempts")).isEqualTo(9);
    assertThat(at("/down")).allMatch(r -> r.body().equals(attempts.get(0).body()));
  }

  @Test
  void retryAfterIsHonoured() {
    answers.put("/busy", 429);
    JsonObject webhook = create(new JsonObject().put("url", url("/busy")).put("events", new JsonArray()
        .add("conversation:new")));
    chat("wh-429", "Hello");
    waitFor("the 429 recorded", 10_000, () -> deliveries(webhook.getString("id")).size() == 1
        && deliveries(webhook.getString("id")).getJsonObject(0).getInteger("attempts") == 1);
    JsonObject d = deliveries(webhook.getString("id")).getJsonObject(0);
    assertThat(d.getInteger("lastResponseCode")).isEqualTo(429);
    Duration next = Duration.between(Instant.now(), OffsetDateTime.parse(d.getString("nextAttemptAt")).toInstant());
    assertThat(next.toMinutes()).isBetween(115L, 120L);
  }

  @Test
  void a410DisablesTheEndpointWhichKeepsItsEventsUntilEnabledAgain() {
    answers.put("/gone", 410);
    JsonObject webhook = create(new JsonObject().put("url", url("/gone")).put("events", new JsonArray()
        .add("conversation:new")));
    String id = webhook.getString("id");
    chat("wh-gone-1", "Hello");
    waitFor("the endpoint disabled", 10_000, () -> !api.get("/api/webhooks/" + id, "Authorization", bearer(jwt)).json()
        .getJsonObject("webhook").getBoolean("enabled"));
    JsonObject disabled = api.get("/api/webhooks/" + id, "Authorization", bearer(jwt)).json().getJsonObject("webhook");
    assertThat(disabled.getString("disabledReason")).isEqualTo("gone");
    assertThat(at("/gone")).hasSize(1);
    // events while disabled are kept, not sent
    chat("wh-gone-2", "Hello again");
    waitFor("the second event's delivery kept", 10_000, () -> deliveries(id).size() == 2);
    assertThat(deliveries(id).stream().map(o -> ((JsonObject) o).getString("status"))).containsOnly("pending");
    assertThat(at("/gone")).hasSize(1);
    Api.Response ping = api.post("/api/webhooks/" + id + "/test", new JsonObject(), "Authorization", bearer(jwt));
    assertThat(ping.status()).isEqualTo(409);
    assertThat(ping.errorCode()).isEqualTo("webhook_disabled");
    // a new URL, enabled: both go
    Api.Response patch = api.method("PATCH", "/api/webhooks/" + id, new JsonObject().put("url", url("/back"))
        .put("enabled", true).encode(), "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(patch.status()).as(patch.text()).isEqualTo(200);
    assertThat(patch.json().getJsonObject("webhook").getValue("disabledReason")).isNull();
    waitFor("both kept events delivered", 10_000, () -> at("/back").size() == 2);
    assertThat(at("/back").stream().map(r -> r.headers().get("webhook-id")).distinct().count()).isEqualTo(2);
  }

  @Test
  void fiveDaysOfFailuresDisableTheEndpointAndASuccessResetsTheClock() {
    answers.put("/failing", 500);
    JsonObject webhook = create(new JsonObject().put("url", url("/failing")).put("events", new JsonArray()
        .add("conversation:new")));
    String id = webhook.getString("id");
    chat("wh-failing-1", "Hello");
    waitFor("the first failure", 10_000, () -> TestServer.sql(server, "SELECT 1 FROM webhook_endpoints WHERE id = $1 "
        + "AND failing_since IS NOT NULL", id).size() == 1);
    assertThat(api.get("/api/webhooks/" + id, "Authorization", bearer(jwt)).json().getJsonObject("webhook")
        .getBoolean("enabled")).isTrue();
    // failing for five days by now: the next failure disables it
    TestServer.sql(server, "UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' "
        + "WHERE id = $1", id);
    TestServer.sql(server, "UPDATE jobs SET due_at = now() WHERE payload->>'endpointId' = $1", id);
    waitFor("the endpoint disabled", 10_000, () -> !api.get("/api/webhooks/" + id, "Authorization", bearer(jwt))
        .json().getJsonObject("webhook").getBoolean("enabled"));
    assertThat(api.get("/api/webhooks/" + id, "Authorization", bearer(jwt)).json().getJsonObject("webhook")
        .getString("disabledReason")).isEqualTo("failing");
    // enabled again, and the receiver back: delivered, and the failure clock is cleared
    answers.put("/failing", 204);
    Api.Response enable = api.method("PATCH", "/api/webhooks/" + id, new JsonObject().put("enabled", true).encode(),
        "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(enable.status()).as(enable.text()).isEqualTo(200);
    waitFor("delivered", 10_000, () -> deliveries(id).getJsonObject(0).getString("status").equals("delivered"));
    assertThat(TestServer.sql(server, "SELECT 1 FROM webhook_endpoints WHERE id = $1 AND failing_since IS NULL", id)
        .size()).isEqualTo(1);
  }

  @Test
  void aRedirectIsAFailureAndIsNotFollowedAndASilentReceiverTimesOut() {
    answers.put("/redirect", 302);
    JsonObject moved = create(new JsonObject().put("url", url("/redirect")).put("events", new JsonArray()
        .add("conversation:new")));
    JsonObject slow = create(new JsonObject().put("url", url("/slow")).put("events", new JsonArray()
        .add("conversation:new")));
    chat("wh-redirect", "Hello");
    waitFor("both failures recorded", 10_000, () -> !deliveries(moved.getString("id")).isEmpty()
        && deliveries(moved.getString("id")).getJsonObject(0).getInteger("attempts") >= 1
        && !deliveries(slow.getString("id")).isEmpty()
        && deliveries(slow.getString("id")).getJsonObject(0).getInteger("attempts") >= 1);
    JsonObject redirect = deliveries(moved.getString("id")).getJsonObject(0);
    assertThat(redirect.getInteger("lastResponseCode")).isEqualTo(302);
    assertThat(redirect.getString("lastError")).contains("redirect");
    assertThat(at("/moved")).isEmpty();
    JsonObject timedOut = deliveries(slow.getString("id")).getJsonObject(0);
    assertThat(timedOut.getValue("lastResponseCode")).isNull();
    assertThat(timedOut.getString("lastError")).contains("timeout");
    assertThat(timedOut.getString("status")).isEqualTo("pending");
  }

  @Test
  void aRotatedSecretSignsBesideTheNewOneFor24Hours() throws Exception {
    JsonObject webhook = create(new JsonObject().put("url", url("/rotate")).put("events", new JsonArray()
        .add("conversation:new")));
    String id = webhook.getString("id");
    String old = webhook.getString("secret");
    Api.Response rotated = api.post("/api/webhooks/" + id + "/rotate-secret", new JsonObject(), "Authorization",
        bearer(jwt));
    assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
    String fresh = rotated.json().getJsonObject("webhook").getString("secret");
    assertThat(fresh).startsWith("whsec_").isNotEqualTo(old);
    chat("wh-rotate-1", "Hello");
    waitFor("a delivery", 10_000, () -> at("/rotate").size() == 1);
    Received both = at("/rotate").get(0);
    String[] signatures = both.headers().get("webhook-signature").split(" ");
    String id1 = both.headers().get("webhook-id");
    String ts1 = both.headers().get("webhook-timestamp");
    assertThat(signatures).containsExactly(hmac(fresh, id1, ts1, both.body()), hmac(old, id1, ts1, both.body()));
    // 24 hours later: the new one only
    TestServer.sql(server, "UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second' "
        + "WHERE id = $1", id);
    chat("wh-rotate-2", "Hello");
    waitFor("a second delivery", 10_000, () -> at("/rotate").size() == 2);
    Received one = at("/rotate").get(1);
    assertThat(one.headers().get("webhook-signature")).isEqualTo(hmac(fresh, one.headers().get("webhook-id"),
        one.headers().get("webhook-timestamp"), one.body()));
  }

  @Test
  void theTestPingIsADeliveryOfItsOwn() throws Exception {
    JsonObject webhook = create(new JsonObject().put("url", url("/ping")).put("events", new JsonArray()
        .add("campaign:progress")));
    Api.Response ping = api.post("/api/webhooks/" + webhook.getString("id") + "/test", new JsonObject(),
        "Authorization", bearer(jwt));
    assertThat(ping.status()).as(ping.text()).isEqualTo(202);
    assertThat(ping.json().getJsonObject("delivery").getString("type")).isEqualTo("ping");
    waitFor("the ping", 10_000, () -> at("/ping").size() == 1);
    Received r = at("/ping").get(0);
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("type")).isEqualTo("ping");
    assertThat(body.getString("tenantId")).isEqualTo(tenantId);
    assertThat(body.getJsonObject("data").getString("webhookId")).isEqualTo(webhook.getString("id"));
    assertThat(r.headers().get("webhook-signature")).isEqualTo(hmac(webhook.getString("secret"),
        r.headers().get("webhook-id"), r.headers().get("webhook-timestamp"), r.body()));
  }

  @Test
  void aPatchChangesOnlyWhatItNamesAndAnAgentMayNotTouchWebhooks() {
    JsonObject webhook = create(new JsonObject().put("url", url("/patched")).put("description", "CRM")
        .put("events", new JsonArray().add("message:new").add("conversation:new")));
    String id = webhook.getString("id");
    Api.Response patch = api.method("PATCH", "/api/webhooks/" + id, new JsonObject().put("description", "Sales CRM")
        .encode(), "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(patch.status()).as(patch.text()).isEqualTo(200);
    JsonObject patched = patch.json().getJsonObject("webhook");
    assertThat(patched.getString("description")).isEqualTo("Sales CRM");
    assertThat(patched.getString("url")).isEqualTo(url("/patched"));
    assertThat(patched.getJsonArray("events")).containsExactly("message:new", "conversation:new");
    assertThat(patched.getBoolean("enabled")).isTrue();
    assertThat(patched.containsKey("secret")).isFalse();
    // events null: every type again
    JsonObject all = api.method("PATCH", "/api/webhooks/" + id, new JsonObject().putNull("events").encode(),
        "Authorization", bearer(jwt), "Content-Type", "application/json").json().getJsonObject("webhook");
    assertThat(all.getValue("events")).isNull();
    assertThat(all.getString("description")).isEqualTo("Sales CRM");
    Api.Response bad = api.method("PATCH", "/api/webhooks/" + id, new JsonObject().put("enabled", "yes").encode(),
        "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.errorCode()).isEqualTo("invalid_enabled");
    // the deliveries list: filtered by status, and an unknown status is a 400
    chat("wh-patched", "Hello");
    waitFor("delivered", 10_000, () -> deliveries(id).size() >= 3 && deliveries(id).stream()
        .allMatch(d -> ((JsonObject) d).getString("status").equals("delivered")));
    assertThat(api.get("/api/webhooks/" + id + "/deliveries?status=delivered", "Authorization", bearer(jwt)).json()
        .getJsonArray("items").size()).isEqualTo(deliveries(id).size());
    assertThat(api.get("/api/webhooks/" + id + "/deliveries?status=failed", "Authorization", bearer(jwt)).json()
        .getJsonArray("items")).isEmpty();
    Api.Response unknown = api.get("/api/webhooks/" + id + "/deliveries?status=sent", "Authorization", bearer(jwt));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorCode()).isEqualTo("invalid_status");
    // an agent of the workspace: 403 on every route, reading included
    String email = "wh-agent-" + System.nanoTime() + "@example.com";
    Api.Response member = api.post("/api/users", new JsonObject().put("email", email).put("password",
        "agent-password-1").put("role", "agent"), "Authorization", bearer(jwt));
    assertThat(member.status()).as(member.text()).isEqualTo(201);
    String agent = api.post("/api/auth/login", new JsonObject().put("email", email).put("password", "agent-password-1"))
        .json().getString("token");
    for (Api.Response r : List.of(api.get("/api/webhooks", "Authorization", bearer(agent)),
        api.get("/api/webhooks/" + id, "Authorization", bearer(agent)),
        api.post("/api/webhooks", new JsonObject().put("url", url("/agent")), "Authorization", bearer(agent)),
        api.post("/api/webhooks/" + id + "/rotate-secret", new JsonObject(), "Authorization", bearer(agent)),
        api.get("/api/webhooks/" + id + "/deliveries", "Authorization", bearer(agent)))) {
      assertThat(r.status()).as(r.text()).isEqualTo(403);
      assertThat(r.errorCode()).isEqualTo("forbidden");
    }
  }

  @Test
  void badRequestsGetAClear4xxAndAnotherTenantsWebhookIsNotFound() {
    List<Object[]> cases = List.of(
        new Object[] {new JsonObject(), "invalid_url"},
        new Object[] {new JsonObject().put("url", "not a url"), "invalid_url"},
        new Object[] {new JsonObject().put("url", "ftp://example.com/x"), "invalid_url"},
        new Object[] {new JsonObject().put("url", "https://example.com/" + "a".repeat(2100)), "invalid_url"},
        new Object[] {new JsonObject().put("url", url("/x")).put("events", new JsonArray()), "invalid_events"},
        new Object[] {new JsonObject().put("url", url("/x")).put("events", new JsonArray().add("nope")), "invalid_events"},
        new Object[] {new JsonObject().put("url", url("/x")).put("events", "message:new"), "invalid_events"},
        new Object[] {new JsonObject().put("url", url("/x")).put("description", "d".repeat(501)), "invalid_description"},
        new Object[] {new JsonObject().put("url", url("/x")).put("secret", "whsec_x"), "invalid_field"});
    for (Object[] c : cases) {
      Api.Response r = api.post("/api/webhooks", c[0], "Authorization", bearer(jwt));
      assertThat(r.status()).as(r.text()).isEqualTo(400);
      assertThat(r.errorCode()).as(r.text()).isEqualTo(c[1]);
    }
    assertThat(api.get("/api/webhooks", "Authorization", bearer(jwt)).json().getJsonArray("items")).isEmpty();
    // at most 20 a workspace
    for (int i = 0; i < Webhooks.MAX_ENDPOINTS; i++) {
      create(new JsonObject().put("url", url("/many-" + i)).put("events", new JsonArray().add("campaign:progress")));
    }
    Api.Response full = api.post("/api/webhooks", new JsonObject().put("url", url("/one-more")), "Authorization",
        bearer(jwt));
    assertThat(full.status()).isEqualTo(409);
    assertThat(full.errorCode()).isEqualTo("webhook_limit");
    String mine = api.get("/api/webhooks", "Authorization", bearer(jwt)).json().getJsonArray("items").getJsonObject(0)
        .getString("id");
    // another tenant sees none of it
    String other = api.signup("webhooks-other-" + System.nanoTime() + "@example.com").getString("token");
    for (Api.Response r : List.of(api.get("/api/webhooks/" + mine, "Authorization", bearer(other)),
        api.get("/api/webhooks/" + mine + "/deliveries", "Authorization", bearer(other)),
        api.method("DELETE", "/api/webhooks/" + mine, null, "Authorization", bearer(other)),
        api.post("/api/webhooks/" + mine + "/test", new JsonObject(), "Authorization", bearer(other)))) {
      assertThat(r.status()).as(r.text()).isEqualTo(404);
      assertThat(r.errorCode()).isEqualTo("webhook_not_found");
    }
    assertThat(api.get("/api/webhooks", "Authorization", bearer(other)).json().getJsonArray("items")).isEmpty();
    assertThat(api.method("DELETE", "/api/webhooks/" + mine, null, "Authorization", bearer(jwt)).status()).isEqualTo(200);
    assertThat(api.get("/api/webhooks/" + mine, "Authorization", bearer(jwt)).status()).isEqualTo(404);
  }
}
