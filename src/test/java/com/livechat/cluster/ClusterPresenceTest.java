package com.livechat.cluster;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.Wait;
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
 * Two clustered nodes: a dashboard open on one makes its tenant's agents online on the other, so a
 * chat handled there can be handed over; closing it, or the node crashing, takes it away again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterPresenceTest {

  private final List<LiveChatServer> nodes = new ArrayList<>();
  private Tenant tenant;

  private record Tenant(String id, String jwt, String widgetAuth) {}

  @BeforeAll
  void startCluster() {
    for (JsonObject config : TestServer.clusterConfigs(TestDatabase.createDatabase(), 2)) {
      // no periodic refresh within the test: a node's dashboards go with the node's membership alone
      config.getJsonObject("realtime").put("presenceRefreshMs", 600_000);
      nodes.add(TestServer.start(config));
    }
    JsonObject s = new Api(nodes.get(0).port()).signup("presence-cluster@example.com");
    tenant = new Tenant(s.getJsonObject("tenant").getString("id"), s.getString("token"),
        bearer(s.getJsonObject("tenant").getString("widgetToken")));
  }

  @AfterAll
  void stopCluster() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      if (nodes.get(i) != null) {
        nodes.get(i).close();
      }
    }
  }

  private int onlineSeenBy(int node) {
    return nodes.get(node).wiring().hub().presence().online(tenant.id());
  }

  private JsonObject chat(int node, String session, String message) {
    Api.Response r = new Api(nodes.get(node).port()).post("/api/widgets/" + tenant.id() + "/chat",
        new JsonObject().put("sessionId", session).put("message", message), "Authorization", tenant.widgetAuth());
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  @Test
  @Order(1)
  void aDashboardOnNodeBLetsAChatOnNodeAGoToAPersonAndClosingItTakesThatAway() {
    assertThat(chat(0, "c1", "Can I talk to a human?").getJsonObject("metadata").containsKey("handoff")).isFalse();
    try (WsClient onB = WsClient.authenticated(nodes.get(1).port(), tenant.jwt(), null)) {
      Wait.until("node A sees the dashboard of node B", 10_000, () -> onlineSeenBy(0) == 1);
      assertThat(onlineSeenBy(1)).isEqualTo(1);
      assertThat(new Api(nodes.get(0).port()).get("/api/agents/online", "Authorization", bearer(tenant.jwt())).json()
          .getBoolean("online")).isTrue();
      assertThat(chat(0, "c2", "Can I talk to a human?").getJsonObject("metadata").getBoolean("handoff")).isTrue();
    }
    Wait.until("node A sees it closed", 10_000, () -> onlineSeenBy(0) == 0);
    assertThat(onlineSeenBy(1)).isZero();
  }

  @Test
  @Order(2)
  void aCrashedNodesDashboardsAreForgottenWhenTheClusterSeesItGone() {
    WsClient onB = WsClient.authenticated(nodes.get(1).port(), tenant.jwt(), null);
    try {
      Wait.until("node A sees the dashboard of node B", 10_000, () -> onlineSeenBy(0) == 1);
      LiveChatServer b = nodes.set(1, null);
      // node B drops out of the cluster without a word; its socket is still open
      b.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
      Wait.until("node A forgets node B's dashboard", 30_000, () -> onlineSeenBy(0) == 0);
      JsonObject reply = chat(0, "c3", "Can I talk to a human?");
      assertThat(reply.getJsonObject("metadata").containsKey("handoff")).isFalse();
      b.close();
    } finally {
      onB.close();
    }
  }
}
