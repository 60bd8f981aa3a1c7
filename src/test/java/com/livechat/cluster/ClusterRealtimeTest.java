package com.livechat.cluster;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three clustered nodes sharing one PostgreSQL: a dashboard socket hears its tenant's events
 * whichever node produced them, in order, never another tenant's, and survives a node leaving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRealtimeTest {

  private static final String CARRIER_TOKEN = "cluster-carrier-token-0123456789";
  private final List<LiveChatServer> nodes = new ArrayList<>();

  @BeforeAll
  void startCluster() {
    for (JsonObject config : TestServer.clusterConfigs(TestDatabase.createDatabase(), 3)) {
      config.getJsonObject("realtime").put("pollIntervalMs", 500);
      // every node of a cluster checks the carrier's signatures with the same token
      config.getJsonObject("voice").getJsonObject("twilio").put("authToken", CARRIER_TOKEN);
      nodes.add(TestServer.start(config));
    }
  }

  @AfterAll
  void stopCluster() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      if (nodes.get(i) != null) {
        nodes.get(i).close();
      }
    }
  }

  private Api api(int node) {
    return new Api(nodes.get(node).port());
  }

  private record Tenant(String id, String jwt, String widgetAuth) {}

  private Tenant signup(String email) {
    JsonObject s = api(0).signup(email);
    return new Tenant(s.getJsonObject("tenant").getString("id"), s.getString("token"),
        bearer(s.getJsonObject("tenant").getString("widgetToken")));
  }

  private String chat(int node, Tenant t, String session, String message, String conversationId) {
    Api.Response r = api(node).post("/api/widgets/" + t.id() + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message).put("conversationId", conversationId), "Authorization", t.widgetAuth());
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getString("conversationId");
  }

  private static List<Long> ids(List<JsonObject> events) {
    return events.stream().map(e -> Long.parseLong(e.getString("id"))).toList();
  }

  private static List<Long> range(long from, int n) {
    List<Long> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      out.add(from + i);
    }
    return out;
  }

  @Test
  @Order(0)
  void aCallOnNodeAIsWatchedLiveByADashboardOnNodeB() throws Exception {
    JsonObject s = api(0).signup("caller-cluster@example.com");
    String jwt = s.getString("token");
    String tenantId = s.getJsonObject("tenant").getString("id");
    String assistantId = api(0).get("/api/widgets/" + tenantId + "/config", "Authorization",
        bearer(s.getJsonObject("tenant").getString("widgetToken"))).json().getJsonObject("config").getString("assistantId");
    JsonObject assistant = api(0).get("/api/assistants/" + assistantId, "Authorization", bearer(jwt)).json()
        .getJsonObject("assistant").put("phoneNumbers", new io.vertx.core.json.JsonArray().add("+14165557777"));
    assertThat(api(0).method("PUT", "/api/assistants/" + assistantId, assistant.encode(), "Authorization", bearer(jwt),
        "Content-Type", "application/json").status()).isEqualTo(200);
    io.vertx.core.Vertx client = io.vertx.core.Vertx.vertx();
    int portA = nodes.get(0).port();
    com.livechat.voice.sim.FakeCarrier carrier = new com.livechat.voice.sim.FakeCarrier(client,
        "http://127.0.0.1:" + portA, "http://localhost:" + portA, CARRIER_TOKEN, "AC" + "0".repeat(32));
    try (WsClient onB = WsClient.authenticated(nodes.get(1).port(), jwt, null)) {
      com.livechat.voice.sim.FakeCall call = carrier.dial("+14155550199", "+14165557777")
          .toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
      call.connect().toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
      call.prompt("Hello from the phone").toCompletionStage().toCompletableFuture()
          .get(20, java.util.concurrent.TimeUnit.SECONDS);
      JsonObject opened = onB.next(m -> "conversation:new".equals(m.getString("type")), 10_000);
      assertThat(opened.getJsonObject("data").getString("channel")).isEqualTo("voice");
      JsonObject said = onB.next(m -> "message:new".equals(m.getString("type"))
          && "visitor".equals(m.getJsonObject("data").getString("role")), 10_000);
      assertThat(said.getJsonObject("data").getString("content")).isEqualTo("Hello from the phone");
      onB.next(m -> "message:new".equals(m.getString("type"))
          && "assistant".equals(m.getJsonObject("data").getString("role")), 10_000);
    } finally {
      carrier.close();
      client.close();
    }
  }

  @Test
  @Order(1)
  void aSocketOnNodeBHearsAChatHandledByNodeAInOrderAndAnotherTenantHearsNothing() {
    Tenant acme = signup("acme-cluster@example.com");
    Tenant globex = signup("globex-cluster@example.com");
    try (WsClient onB = WsClient.authenticated(nodes.get(1).port(), acme.jwt(), null);
        WsClient otherOnC = WsClient.authenticated(nodes.get(2).port(), globex.jwt(), null)) {
      String conversationId = chat(0, acme, "s1", "Hello from A", null);
      // turns alternate between nodes A and C: the socket still gets one ordered, gapless stream
      for (int i = 0; i < 5; i++) {
        chat(i % 2 == 0 ? 2 : 0, acme, "s1", "Thanks " + i, conversationId);
      }
      List<JsonObject> events = onB.take(3 + 5 * 2, 15);
      assertThat(ids(events)).isEqualTo(range(1, 13));
      assertThat(events.get(0).getString("type")).isEqualTo("conversation:new");
      assertThat(events.get(1).getJsonObject("data").getString("content")).isEqualTo("Hello from A");
      assertThat(onB.quietFor(300)).isEmpty();
      assertThat(otherOnC.quietFor(300)).isEmpty();
    }
  }

  @Test
  @Order(2)
  void manySocketsOfOneTenantOnANodeShareOneConsumer() {
    Tenant t = signup("shared-consumer@example.com");
    List<WsClient> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        sockets.add(WsClient.authenticated(nodes.get(1).port(), t.jwt(), null));
      }
      assertThat(nodes.get(1).wiring().hub().channelCount().await()).isEqualTo(1);
      chat(0, t, "s", "Hi", null);
      for (WsClient s : sockets) {
        assertThat(ids(s.take(3, 10))).isEqualTo(range(1, 3));
      }
    } finally {
      sockets.forEach(WsClient::close);
    }
    // the consumer goes with the last socket
    long deadline = System.currentTimeMillis() + 5000;
    while (nodes.get(1).wiring().hub().channelCount().await() != 0 && System.currentTimeMillis() < deadline) {
      sleep(50);
    }
    assertThat(nodes.get(1).wiring().hub().channelCount().await()).isZero();
  }

  @Test
  @Order(3)
  void whenANodeLeavesTheOthersKeepWorkingAndAClientReconnectingElsewhereLosesNothing() {
    Tenant t = signup("failover@example.com");
    try (WsClient onA = WsClient.authenticated(nodes.get(0).port(), t.jwt(), null);
        WsClient onC = WsClient.authenticated(nodes.get(2).port(), t.jwt(), null)) {
      String conversationId = chat(1, t, "s1", "Hi", null);
      assertThat(ids(onA.take(3, 10))).isEqualTo(range(1, 3));
      String lastOnC = onC.take(3, 10).get(2).getString("id");

      // node C leaves the cluster; its socket drops
      LiveChatServer c = nodes.set(2, null);
      c.close();
      onC.awaitClose(10);

      // events keep coming through B while the client of C is away
      chat(1, t, "s1", "Thanks 1", conversationId);
      chat(0, t, "s1", "Thanks 2", conversationId);
      assertThat(ids(onA.take(4, 10))).isEqualTo(range(4, 4));

      try (WsClient back = WsClient.authenticated(nodes.get(0).port(), t.jwt(), lastOnC)) {
        assertThat(ids(back.take(4, 10))).isEqualTo(range(4, 4));
        chat(1, t, "s1", "Hi there", conversationId);
        assertThat(ids(back.take(2, 10))).isEqualTo(range(8, 2));
        assertThat(ids(onA.take(2, 10))).isEqualTo(range(8, 2));
        assertThat(back.quietFor(300)).isEmpty();
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
