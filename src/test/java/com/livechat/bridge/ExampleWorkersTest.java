package com.livechat.bridge;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.Ports;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.Wait;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The two example workers of {@code examples/} run as the README says (python3 and node are
 * installed by .ci/run): each serves the bus provider, whole and streamed, and prints the tenant's
 * events; both at once share the chats; with both gone the local assistant answers.
 */
class ExampleWorkersTest {

  private static final String KEY = "example-key-0123456789-abcdefgh";

  private record Worker(Process process, List<String> lines) {}

  private static Worker start(int bridgePort, String tenantId, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("BRIDGE_KEY", KEY);
    builder.environment().put("BRIDGE_PORT", Integer.toString(bridgePort));
    builder.environment().put("TENANT", tenantId);
    Process process = builder.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    return new Worker(process, lines);
  }

  @Test
  void thePythonAndNodeWorkersServeChatsAndPrintTheTenantsEvents() throws Exception {
    int bridgePort = Ports.free();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray().add(new JsonObject().put("name", "mine")
        .put("type", "bus").put("maxRetries", 0)));
    config.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort)
        .put("keys", new JsonArray().add(new JsonObject().put("key", KEY)
            .put("serve", new JsonArray().add("ai.provider.mine")).put("tenants", new JsonArray().add("*"))))
        .put("tls", new JsonObject().put("certPath", "").put("keyPath", "")));
    LiveChatServer server = TestServer.start(config);
    Worker python = null;
    Worker node = null;
    try {
      Api api = new Api(server.port());
      JsonObject tenant = api.signup("examples-" + System.nanoTime() + "@example.com").getJsonObject("tenant");
      String tenantId = tenant.getString("id");
      String token = tenant.getString("widgetToken");
      python = start(bridgePort, tenantId, "python3", "examples/worker-python/worker.py");
      node = start(bridgePort, tenantId, "node", "examples/worker-node/worker.js");
      java.util.Set<String> models = new java.util.HashSet<>();
      Wait.until("both workers answering", 20_000, () -> {
        Api.Response r = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject()
            .put("sessionId", "s-" + System.nanoTime()).put("message", "Hi, I am a visitor"), "Authorization",
            bearer(token));
        String model = r.json().getJsonObject("metadata").getString("model");
        if (!model.equals("local-assistant")) {
          assertThat(r.json().getString("message")).isEqualTo("You said: Hi, I am a visitor");
          models.add(model);
        }
        return models.size() == 2;
      });
      assertThat(models).containsExactlyInAnyOrder("echo-python", "echo-node");
      Api.Response streamed = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject()
          .put("sessionId", "s-streamed").put("message", "Stream me a reply please").put("stream", true),
          "Authorization", bearer(token), "Accept", "text/event-stream");
      assertThat(streamed.text().lines().filter(l -> l.equals("event: delta")).count()).isGreaterThan(3);
      assertThat(streamed.text()).contains("\"message\":\"You said: Stream me a reply please\"");
      Worker p = python;
      Worker n = node;
      Wait.until("both print the tenant's events", 5_000, () ->
          p.lines().stream().anyMatch(l -> l.startsWith("event: message:new"))
              && n.lines().stream().anyMatch(l -> l.startsWith("event: message:new")));

      python.process().destroy();
      node.process().destroy();
      Wait.until("the local assistant answers once both are gone", 10_000, () -> {
        Api.Response r = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject()
            .put("sessionId", "s-" + System.nanoTime()).put("message", "Anyone?"), "Authorization", bearer(token));
        return r.status() == 200 && r.json().getJsonObject("metadata").getString("model").equals("local-assistant");
      });
    } finally {
      for (Worker w : new Worker[] {python, node}) {
        if (w != null) {
          w.process().destroyForcibly();
        }
      }
      server.close();
    }
  }
}
