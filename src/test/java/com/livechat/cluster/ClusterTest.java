package com.livechat.cluster;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Two nodes on 127.0.0.1 joined by Hazelcast over TCP-IP, sharing one PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTest {

  private LiveChatServer nodeA;
  private LiveChatServer nodeB;

  @BeforeAll
  void startCluster() {
    List<JsonObject> configs = TestServer.clusterConfigs(TestDatabase.createDatabase(), 2);
    nodeA = TestServer.start(configs.get(0));
    nodeB = TestServer.start(configs.get(1));
  }

  @AfterAll
  void stopCluster() {
    if (nodeB != null) {
      nodeB.close();
    }
    if (nodeA != null) {
      nodeA.close();
    }
  }

  @Test
  void bothNodesJoinedOneClusterAndAreReady() {
    assertThat(nodeA.clusterManager().getNodes()).hasSize(2).contains(nodeA.nodeId(), nodeB.nodeId());
    assertThat(new Api(nodeA.port()).get("/ready").status()).isEqualTo(200);
    assertThat(new Api(nodeB.port()).get("/ready").status()).isEqualTo(200);
  }

  @Test
  void aMessageSentOnNodeAIsAnsweredByAConsumerOnNodeB() throws Exception {
    String address = "test.echo." + UUID.randomUUID();
    nodeB.vertx().eventBus().<JsonObject>consumer(address,
        msg -> msg.reply(new JsonObject().put("from", nodeB.nodeId()).put("echo", msg.body().getString("text"))))
        .completion().await();
    JsonObject reply = null;
    // the subscription reaches node A's view of the cluster shortly after it completes on B
    for (int attempt = 0; attempt < 50 && reply == null; attempt++) {
      try {
        reply = nodeA.vertx().eventBus().<JsonObject>request(address, new JsonObject().put("text", "ping"),
            new DeliveryOptions().setSendTimeout(2000)).await().body();
      } catch (RuntimeException e) {
        Thread.sleep(100);
      }
    }
    assertThat(reply).isEqualTo(new JsonObject().put("from", nodeB.nodeId()).put("echo", "ping"));
  }

  @Test
  void aConfigChangeMadeOnOneNodeTakesEffectOnTheOther() {
    Api a = new Api(nodeA.port());
    Api b = new Api(nodeB.port());
    JsonObject signup = a.signup("cluster@example.com");
    JsonObject tenant = signup.getJsonObject("tenant");
    String path = "/api/widgets/" + tenant.getString("id") + "/config";
    String auth = bearer(tenant.getString("widgetToken"));
    JsonObject before = b.get(path, "Authorization", auth).json().getJsonObject("config");
    String etag = b.get(path, "Authorization", auth).header("etag");

    JsonObject config = before.copy().put("name", "Changed")
        .put("allowedOrigins", new JsonArray().add("https://shop.example"));
    Api.Response put = a.method("PUT", "/api/tenant/config", config.encode(), "Authorization",
        bearer(signup.getString("token")), "Content-Type", "application/json");
    assertThat(put.status()).as(put.text()).isEqualTo(200);

    // the other node's cache is dropped by the clustered announcement, not by a timeout
    Api.Response after = null;
    for (int attempt = 0; attempt < 40; attempt++) {
      after = b.get(path, "Authorization", auth, "If-None-Match", etag);
      if (after.status() == 200) {
        break;
      }
      sleep(50);
    }
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.json().getJsonObject("config").getString("name")).isEqualTo("Changed");
    assertThat(b.get(path, "Authorization", auth, "Origin", "https://evil.example").status()).isEqualTo(403);
    assertThat(b.get(path, "Authorization", auth, "Origin", "https://shop.example").status()).isEqualTo(200);
  }

  @Test
  void aTenantSignedUpOnOneNodeChatsThroughTheOther() {
    JsonObject tenant = new Api(nodeA.port()).signup("both@example.com").getJsonObject("tenant");
    Api.Response r = new Api(nodeB.port()).post("/api/widgets/" + tenant.getString("id") + "/chat",
        new JsonObject().put("sessionId", "s").put("message", "Hello"), "Authorization",
        bearer(tenant.getString("widgetToken")));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
  }

  @Test
  void anAssistantChangedOrDeletedOnOneNodeIsAnsweredWithAsItIsNowOnTheOther() {
    Api a = new Api(nodeA.port());
    Api b = new Api(nodeB.port());
    JsonObject signup = a.signup("assistant-cache@example.com");
    JsonObject tenant = signup.getJsonObject("tenant");
    String owner = bearer(signup.getString("token"));
    Api.Response created = a.post("/api/assistants", new JsonObject().put("name", "Second"), "Authorization", owner);
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String assistantId = created.json().getJsonObject("assistant").getString("id");
    String chatPath = "/api/widgets/" + tenant.getString("id") + "/chat";
    String widgetAuth = bearer(tenant.getString("widgetToken"));
    JsonObject chat = new JsonObject().put("sessionId", "cached").put("message", "Hello").put("assistantId", assistantId);
    // node B now holds the assistant in its cache
    assertThat(b.post(chatPath, chat, "Authorization", widgetAuth).status()).isEqualTo(200);

    JsonObject changed = new JsonObject().put("name", "Second").put("greeting", "Welcome back, from the new greeting!");
    assertThat(a.method("PUT", "/api/assistants/" + assistantId, changed.encode(), "Authorization", owner,
        "Content-Type", "application/json").status()).isEqualTo(200);
    // node B answers with the new greeting once the clustered assistant.changed arrived, not after its 60 s expiry
    String greeting = null;
    for (int attempt = 0; attempt < 40; attempt++) {
      greeting = b.post(chatPath, chat, "Authorization", widgetAuth).json().getString("message");
      if (greeting.equals(changed.getString("greeting"))) {
        break;
      }
      sleep(50);
    }
    assertThat(greeting).isEqualTo(changed.getString("greeting"));

    assertThat(a.method("DELETE", "/api/assistants/" + assistantId, null, "Authorization", owner).status())
        .isEqualTo(200);

    Api.Response after = null;
    for (int attempt = 0; attempt < 40; attempt++) {
      after = b.post(chatPath, chat, "Authorization", widgetAuth);
      if (after.status() != 200) {
        break;
      }
      sleep(50);
    }
    assertThat(after.status()).as(after.text()).isEqualTo(404);
    assertThat(after.errorCode()).isEqualTo("assistant_not_found");
  }

  @Test
  void everyNodeAnswersNodePingAcrossTheCluster() {
    java.util.Set<String> answered = new java.util.HashSet<>();
    for (int attempt = 0; attempt < 40 && answered.size() < 2; attempt++) {
      answered.add(nodeA.vertx().eventBus().<JsonObject>request(com.livechat.bus.Addresses.NODE_PING,
          new JsonObject()).await().body().getString("nodeId"));
    }
    assertThat(answered).containsExactlyInAnyOrder(nodeA.nodeId(), nodeB.nodeId());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
