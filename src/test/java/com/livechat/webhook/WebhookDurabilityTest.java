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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** At least once: across a restart of the only node, and across a node killed while a delivery is in flight. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookDurabilityTest {

  private Vertx vertx;
  private HttpServer receiver;
  private int port;
  /** webhook-id of every request, by path. */
  private final List<String[]> received = new CopyOnWriteArrayList<>();
  /** How many requests to /hang are left unanswered (the receiver holds them). */
  private final AtomicInteger hangs = new AtomicInteger();

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(new String[] {req.path(), req.getHeader("webhook-id"), body.toString()});
      if (req.path().equals("/hang") && hangs.getAndDecrement() > 0) {
        return;
      }
      req.response().setStatusCode(204).end();
    }));
    port = receiver.listen(0, "127.0.0.1").await().actualPort();
  }

  @AfterAll
  void stop() {
    receiver.close().await();
    vertx.close().await();
  }

  /** Every node of a cluster, and a restarted node, opens the stored secrets with the same key. */
  private static final String SECRETS_KEY = java.util.Base64.getEncoder().encodeToString(new byte[32]);

  private static JsonObject node(JsonObject config, long pollMs) {
    return config.put("webhooks", webhooks(pollMs)).put("secrets", new JsonObject().put("key", SECRETS_KEY));
  }

  private static JsonObject webhooks(long pollMs) {
    return new JsonObject().put("allowPrivateTargets", true).put("timeoutMs", 2000).put("maxInFlight", 8)
        .put("pollMs", pollMs).put("leaseSeconds", 3);
  }

  private List<String> idsAt(String path) {
    return received.stream().filter(r -> r[0].equals(path)).map(r -> r[1]).toList();
  }

  private static void waitFor(String what, long millis, BooleanSupplier done) {
    Wait.until(what, millis, done);
  }

  private static String chat(Api api, JsonObject tenant, String session) {
    Api.Response chat = api.post("/api/widgets/" + tenant.getString("id") + "/chat",
        new JsonObject().put("sessionId", session).put("message", "Hello"), "Authorization",
        bearer(tenant.getString("widgetToken")));
    assertThat(chat.status()).as(chat.text()).isEqualTo(200);
    return chat.json().getString("conversationId");
  }

  @Test
  void eventsCommittedJustBeforeARestartAreDeliveredAfterIt() {
    String db = TestDatabase.createDatabase();
    JsonObject config = node(TestServer.config(db), 100);
    LiveChatServer first = TestServer.start(config);
    Api api = new Api(first.port());
    JsonObject signup = api.signup("durable-" + System.nanoTime() + "@example.com");
    String jwt = signup.getString("token");
    JsonObject tenant = signup.getJsonObject("tenant");
    Api.Response created = api.post("/api/webhooks", new JsonObject().put("url", "http://127.0.0.1:" + port
        + "/restart").put("events", new JsonArray().add("conversation:new")), "Authorization", bearer(jwt));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    // committed, then the node stops at once: the delivery may not have been made, nor sent
    chat(api, tenant, "before-restart");
    first.close();
    int before = idsAt("/restart").size();
    LiveChatServer second = TestServer.start(node(TestServer.config(db), 100));
    try {
      waitFor("the event delivered after the restart", 15_000, () -> idsAt("/restart").size() >= 1);
      assertThat(idsAt("/restart")).hasSize(1);
      assertThat(before).isLessThanOrEqualTo(1);
      Api again = new Api(second.port());
      JsonArray deliveries = again.get("/api/webhooks/" + created.json().getJsonObject("webhook").getString("id")
          + "/deliveries", "Authorization", bearer(jwt)).json().getJsonArray("items");
      assertThat(deliveries).hasSize(1);
      waitFor("recorded", 5_000, () -> again.get("/api/webhooks/" + created.json().getJsonObject("webhook")
              .getString("id") + "/deliveries", "Authorization", bearer(jwt)).json().getJsonArray("items")
          .getJsonObject(0).getString("status").equals("delivered"));
    } finally {
      second.close();
    }
  }

  @Test
  void aDeliveryInFlightOnANodeThatDiesIsSentByAnother() {
    List<JsonObject> configs = TestServer.clusterConfigs(TestDatabase.createDatabase(), 2);
    // node 1 hears its own commits at once; node 2 looks every second
    LiveChatServer dying = TestServer.start(node(configs.get(0), 100));
    LiveChatServer survivor = TestServer.start(node(configs.get(1), 1000));
    try {
      Api api = new Api(dying.port());
      JsonObject signup = api.signup("killed-" + System.nanoTime() + "@example.com");
      String jwt = signup.getString("token");
      JsonObject tenant = signup.getJsonObject("tenant");
      String hookId = api.post("/api/webhooks", new JsonObject().put("url", "http://127.0.0.1:" + port + "/hang")
          .put("events", new JsonArray().add("conversation:new")), "Authorization", bearer(jwt)).json()
          .getJsonObject("webhook").getString("id");
      hangs.set(1);
      chat(api, tenant, "killed-mid-delivery");
      waitFor("the first attempt in flight", 10_000, () -> idsAt("/hang").size() == 1);
      // killed while the receiver holds its request (before its 2 s timeout)
      dying.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
      dying.close();
      waitFor("the other node's attempt, once the lease (3 s) is over", 15_000, () -> idsAt("/hang").size() == 2);
      assertThat(idsAt("/hang").get(1)).isEqualTo(idsAt("/hang").get(0));
      Api other = new Api(survivor.port());
      waitFor("delivered", 10_000, () -> other.get("/api/webhooks/" + hookId + "/deliveries", "Authorization",
          bearer(jwt)).json().getJsonArray("items").getJsonObject(0).getString("status").equals("delivered"));
      assertThat(idsAt("/hang")).hasSize(2);
    } finally {
      survivor.close();
    }
  }
}
