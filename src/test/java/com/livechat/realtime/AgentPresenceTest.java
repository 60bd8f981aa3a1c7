package com.livechat.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.bus.Addresses;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.Wait;
import com.livechat.support.WsClient;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a node makes of other nodes' agents.presence messages: it counts their dashboards, forgets a
 * node that falls silent (no ghosts, even when no cluster manager reports it gone), and answers a
 * newcomer's hello with its own counts. The other nodes are played on the node's own bus.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentPresenceTest {

  private LiveChatServer server;
  private AgentPresence presence;
  private String tenantId;
  private String jwt;

  @BeforeAll
  void start() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("realtime").put("presenceRefreshMs", 200);
    server = TestServer.start(config);
    presence = server.wiring().hub().presence();
    JsonObject s = new Api(server.port()).signup("presence@example.com");
    tenantId = s.getJsonObject("tenant").getString("id");
    jwt = s.getString("token");
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private void fromNode(String nodeId, JsonObject dashboards, boolean full, boolean hello) {
    server.vertx().eventBus().publish(Addresses.AGENTS_PRESENCE, new JsonObject().put("nodeId", nodeId)
        .put("dashboards", dashboards).put("full", full).put("hello", hello));
  }

  @Test
  void anotherNodesDashboardsCountUntilThatNodeFallsSilent() {
    fromNode("node-ghost", new JsonObject().put(tenantId, 2), true, false);
    Wait.until("the other node's dashboards counted", 5000, () -> presence.online(tenantId) == 2);
    fromNode("node-ghost", new JsonObject().put(tenantId, 1), false, false);
    Wait.until("one of them closed", 5000, () -> presence.online(tenantId) == 1);
    // it says nothing more (crashed, cut off): after three refresh periods it is forgotten
    Wait.until("the silent node forgotten", 10_000, () -> presence.online(tenantId) == 0);
  }

  @Test
  void aNodeLeavingTakesItsDashboardsWithIt() {
    fromNode("node-leaving", new JsonObject().put(tenantId, 1), true, false);
    Wait.until("counted", 5000, () -> presence.online(tenantId) >= 1);
    presence.nodeLeft("node-leaving");
    Wait.until("gone with its node", 5000, () -> presence.online(tenantId) == 0);
  }

  @Test
  void aNewcomersHelloIsAnsweredWithThisNodesDashboards() {
    List<JsonObject> heard = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = server.vertx().eventBus().consumer(Addresses.AGENTS_PRESENCE, m -> {
      if (m.body().getString("nodeId").equals(server.nodeId()) && m.body().getBoolean("full")
          && m.body().getJsonObject("dashboards").getInteger(tenantId, 0) == 1) {
        heard.add(m.body());
      }
    });
    consumer.completion().await();
    try (WsClient dashboard = WsClient.authenticated(server.port(), jwt, null)) {
      assertThat(presence.online(tenantId)).isEqualTo(1);
      fromNode("node-new", new JsonObject(), true, true);
      Wait.until("this node's counts published", 5000, () -> !heard.isEmpty());
      assertThat(heard.get(0).getBoolean("hello")).isFalse();
    } finally {
      consumer.unregister().await();
    }
  }
}
