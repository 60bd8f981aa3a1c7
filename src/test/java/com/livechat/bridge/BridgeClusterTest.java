package com.livechat.bridge;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.bus.Addresses;
import com.livechat.support.Api;
import com.livechat.support.BridgeClient;
import com.livechat.support.Ports;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.Wait;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A worker connected to one node of a cluster serves the turns of every node: a chat on node 1,
 * whose bridge is off, is answered, streamed, by a worker on node 2's bridge (the chunks come back
 * to node 1's own stream address), and the worker hears the events node 1 committed.
 */
class BridgeClusterTest {

  private static final String KEY = "cluster-key-0123456789-abcdefg";

  @Test
  void aWorkerOnOneNodeServesTheTurnsAndHearsTheEventsOfAnother() throws Exception {
    List<JsonObject> configs = TestServer.clusterConfigs(TestDatabase.createDatabase(), 2);
    JsonArray providers = new JsonArray().add(new JsonObject().put("name", "mine").put("type", "bus")
        .put("firstTokenTimeoutMs", 3000).put("maxRetries", 0));
    int bridgePort = Ports.free();
    configs.forEach(c -> c.getJsonObject("ai").put("providers", providers.copy()));
    configs.get(1).put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort)
        .put("keys", new JsonArray().add(new JsonObject().put("key", KEY)
            .put("serve", new JsonArray().add("ai.provider.mine")).put("tenants", new JsonArray().add("*"))))
        .put("tls", new JsonObject().put("certPath", "").put("keyPath", "")));
    LiveChatServer one = TestServer.start(configs.get(0));
    LiveChatServer two = TestServer.start(configs.get(1));
    try (BridgeClient worker = new BridgeClient(bridgePort, KEY)) {
      Api api = new Api(one.port());
      JsonObject tenant = api.signup("bridge-cluster-" + System.nanoTime() + "@example.com").getJsonObject("tenant");
      String tenantId = tenant.getString("id");
      List<JsonObject> heard = new CopyOnWriteArrayList<>();
      worker.serveEcho("ai.provider.mine", "worker-on-two");
      // events and requests share one handler: the echo server answers requests, the rest is kept
      BridgeClient listener = new BridgeClient(bridgePort, KEY);
      listener.onMessage(heard::add);
      listener.register(Addresses.bridgeEvents(tenantId));
      listener.sync();

      Api.Response[] answer = new Api.Response[1];
      Wait.until("node 1 sees the worker's registration", 10_000, () -> {
        answer[0] = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject()
            .put("sessionId", "s-" + System.nanoTime()).put("message", "Hello across the cluster").put("stream", true),
            "Authorization", bearer(tenant.getString("widgetToken")), "Accept", "text/event-stream");
        return answer[0].text().contains("worker-on-two");
      });
      long deltas = answer[0].text().lines().filter(l -> l.equals("event: delta")).count();
      assertThat(deltas).isGreaterThan(3);
      assertThat(answer[0].text()).contains("\"message\":\"worker-on-two heard: Hello across the cluster\"");
      // node 1 committed them; the worker on node 2 hears them
      Wait.until("the reply's message:new heard on node 2's bridge", 5_000, () -> heard.stream().anyMatch(f ->
          f.getJsonObject("body").encode().contains("worker-on-two heard: Hello across the cluster")));
      listener.close();
    } finally {
      two.close();
      one.close();
    }
  }
}
