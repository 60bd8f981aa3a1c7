package com.livechat.bridge;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.bus.Addresses;
import com.livechat.config.AppConfig;
import com.livechat.support.Api;
import com.livechat.support.BridgeClient;
import com.livechat.support.Ports;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.Wait;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Workers on the TCP event-bus bridge, each a raw-framing client (a 4-byte length, then JSON: what
 * a worker in any language writes): a bus provider of the AI chain served by workers, streamed or
 * whole, failing over when they die or fail; keys checked on every frame; permissions from the
 * contract; a tenant's events only for the keys that name it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BridgeTest {

  static final String SERVE_KEY = "serve-key-0123456789-abcdefghij";
  static final String NOTHING_KEY = "nothing-key-0123456789-abcdefgh";

  private LiveChatServer server;
  private Api api;
  private int bridgePort;
  private final List<BridgeClient> clients = new CopyOnWriteArrayList<>();
  private String tenantId;
  private String widgetToken;

  @BeforeAll
  void start() {
    bridgePort = Ports.free();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray().add(new JsonObject().put("name", "mine")
        .put("type", "bus").put("timeoutMs", 4000).put("firstTokenTimeoutMs", 1500).put("maxRetries", 0)
        .put("breakerMaxFailures", 1000)));
    config.put("bridge", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort)
        .put("keys", new JsonArray()
            .add(new JsonObject().put("key", SERVE_KEY).put("serve", new JsonArray().add("ai.provider.mine")))
            .add(new JsonObject().put("key", NOTHING_KEY)))
        .put("tls", new JsonObject().put("certPath", "").put("keyPath", "")));
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @BeforeEach
  void signUp() {
    JsonObject s = api.signup("bridge-" + System.nanoTime() + "@example.com");
    tenantId = s.getJsonObject("tenant").getString("id");
    widgetToken = s.getJsonObject("tenant").getString("widgetToken");
  }

  @AfterEach
  void closeClients() {
    clients.forEach(BridgeClient::close);
    clients.clear();
  }

  private BridgeClient connect(int port, String key) {
    BridgeClient c = new BridgeClient(port, key);
    clients.add(c);
    return c;
  }

  /** A worker answering "<model> heard: <message>", a word a chunk when asked to stream. */
  private BridgeClient worker(String model) {
    BridgeClient w = connect(bridgePort, SERVE_KEY);
    w.serveEcho("ai.provider.mine", model);
    return w;
  }

  private Api.Response chat(String session, String message) {
    return api.post("/api/widgets/" + tenantId + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message), "Authorization", bearer(widgetToken));
  }

  private static String model(Api.Response r) {
    return r.json().getJsonObject("metadata").getString("model");
  }

  @Test
  void aWidgetChatIsAnsweredByTheWorkerStreamedAndWhole() {
    worker("worker-a");
    Api.Response sse = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject().put("sessionId", "s-stream")
        .put("message", "What are your prices?").put("stream", true), "Authorization", bearer(widgetToken),
        "Accept", "text/event-stream");
    assertThat(sse.status()).isEqualTo(200);
    List<String> deltas = new ArrayList<>();
    JsonObject done = null;
    String[] lines = sse.text().split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].equals("event: delta")) {
        deltas.add(new JsonObject(lines[i + 1].substring("data: ".length())).getString("delta"));
      } else if (lines[i].equals("event: done")) {
        done = new JsonObject(lines[i + 1].substring("data: ".length()));
      }
    }
    // a word a chunk, passed on as they came, and the reply is exactly their text
    assertThat(deltas).hasSizeGreaterThan(3);
    assertThat(String.join("", deltas)).isEqualTo("worker-a heard: What are your prices?");
    assertThat(done).isNotNull();
    assertThat(done.getString("message")).isEqualTo(String.join("", deltas));
    assertThat(done.getJsonObject("metadata").getString("model")).isEqualTo("worker-a");

    Api.Response whole = chat("s-whole", "Do you ship abroad?");
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.json().getString("message")).isEqualTo("worker-a heard: Do you ship abroad?");
    assertThat(model(whole)).isEqualTo("worker-a");
    assertThat(whole.json().getJsonObject("metadata").getInteger("tokens")).isEqualTo(15);
  }

  @Test
  void twoWorkersShareTheLoad() {
    worker("worker-a");
    worker("worker-b");
    Map<String, Integer> byModel = new ConcurrentHashMap<>();
    for (int i = 0; i < 8; i++) {
      Api.Response r = chat("s-share-" + i, "Hello " + i);
      assertThat(r.status()).isEqualTo(200);
      byModel.merge(model(r), 1, Integer::sum);
    }
    assertThat(byModel.keySet()).containsExactlyInAnyOrder("worker-a", "worker-b");
  }

  @Test
  void aWorkerThatDiesOrFailsHandsTheTurnToTheNextProviderWithNo5xx() throws Exception {
    // registered, then silent: the first token never comes
    BridgeClient silent = connect(bridgePort, SERVE_KEY);
    silent.onMessage(frame -> {});
    silent.register("ai.provider.mine");
    silent.sync();
    long started = System.nanoTime();
    Api.Response r = chat("s-silent", "Anyone there?");
    assertThat(r.status()).isEqualTo(200);
    assertThat(model(r)).isEqualTo("local-assistant");
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
    // killed: nobody serves the address any more, and the chain moves on at once
    silent.close();
    Wait.until("the dead worker's registration gone", 5_000, () -> {
      Api.Response again = chat("s-dead-" + System.nanoTime(), "Still there?");
      return again.status() == 200 && model(again).equals("local-assistant");
    });
    // a worker that fails the request (its model overloaded): the next provider answers
    BridgeClient failing = connect(bridgePort, SERVE_KEY);
    failing.onMessage(frame -> failing.send(new JsonObject().put("type", "send")
        .put("address", frame.getString("replyAddress")).put("failureCode", 503).put("message", "overloaded")));
    failing.register("ai.provider.mine");
    failing.sync();
    Api.Response failed = chat("s-failing", "Hello?");
    assertThat(failed.status()).isEqualTo(200);
    assertThat(model(failed)).isEqualTo("local-assistant");
  }

  @Test
  void noKeyOrAWrongKeyGetsAnErrFrameAndTheConnectionClosed() throws Exception {
    for (String key : new String[] {null, "not-a-key-of-this-server-at-all", SERVE_KEY + "x"}) {
      BridgeClient c = connect(bridgePort, key);
      c.register("ai.provider.mine");
      JsonObject err = c.next(5_000);
      assertThat(err).as("key %s", key).isNotNull();
      assertThat(err.getString("type")).isEqualTo("err");
      assertThat(err.getString("message")).isEqualTo("unauthorized");
      assertThat(c.closedByServer(5_000)).as("closed after key %s", key).isTrue();
      assertThat(c.next(100)).as("the one frame before the close").isNull();
    }
    // and the wrongly keyed registration did not happen: the local assistant answers
    Api.Response r = chat("s-nokey", "Hi");
    assertThat(model(r)).isEqualTo("local-assistant");
  }

  @Test
  void aKeyDoesOnlyWhatItAllowsAndInternalAddressesAreNeverReached() throws Exception {
    List<JsonObject> internal = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> probe = server.vertx().eventBus().consumer(Addresses.CHAT_CANCEL,
        m -> internal.add(new JsonObject().put("body", String.valueOf(m.body()))));
    probe.completion().await();
    try {
      BridgeClient nothing = connect(bridgePort, NOTHING_KEY);
      List<JsonObject> refused = List.of(
          // a key without the permission cannot serve a provider
          new JsonObject().put("type", "register").put("address", "ai.provider.mine"),
          // internal addresses: the chat actor, the tenant channel, the node's stream of a turn
          new JsonObject().put("type", "send").put("address", Addresses.CHAT_REPLY).put("body", new JsonObject()),
          new JsonObject().put("type", "register").put("address", Addresses.tenantEvents(tenantId)),
          new JsonObject().put("type", "register").put("address", Addresses.chatStream("x")),
          new JsonObject().put("type", "publish").put("address", Addresses.CHAT_CANCEL)
              .put("body", new JsonObject().put("tenantId", tenantId)),
          new JsonObject().put("type", "send").put("address", Addresses.CHAT_CANCEL).put("body", new JsonObject()),
          // a tenant's events it was not given, and the stream address (only for keys that serve)
          new JsonObject().put("type", "register").put("address", Addresses.bridgeEvents(tenantId)),
          new JsonObject().put("type", "send").put("address", Addresses.aiStream("x")).put("body", new JsonObject()));
      for (JsonObject frame : refused) {
        nothing.send(frame);
        JsonObject err = nothing.next(5_000);
        assertThat(err).as(frame.encode()).isNotNull();
        assertThat(err.getString("type")).as(frame.encode()).isEqualTo("err");
        assertThat(err.getString("message")).as(frame.encode()).isEqualTo("access_denied");
      }
      // the node's own ping is internal too; refused frames leave the connection open
      nothing.send(new JsonObject().put("type", "send").put("address", Addresses.NODE_PING)
          .put("replyAddress", "my-ping").put("body", new JsonObject()));
      assertThat(nothing.next(5_000).getString("message")).isEqualTo("access_denied");
      nothing.sync();
      // a serving key may serve only what it lists
      BridgeClient serving = connect(bridgePort, SERVE_KEY);
      serving.register("ai.provider.other");
      assertThat(serving.next(5_000).getString("message")).isEqualTo("access_denied");
      assertThat(chat("s-perm", "Hi").json().getJsonObject("metadata").getString("model")).isEqualTo("local-assistant");
      Thread.sleep(200);
      assertThat(internal).as("what reached chat.cancel").isEmpty();
    } finally {
      probe.unregister().await();
    }
  }

  @Test
  void withACertificateTheBridgeSpeaksTlsOnly() throws Exception {
    io.vertx.core.net.SelfSignedCertificate certificate = io.vertx.core.net.SelfSignedCertificate.create("localhost");
    int port = Ports.free();
    String deployment = server.vertx().deployVerticle(new BridgeVerticle(new AppConfig.Bridge(true, "127.0.0.1", port,
        List.of(new AppConfig.BridgeKey(SERVE_KEY, List.of(), List.of())), certificate.certificatePath(),
        certificate.privateKeyPath()))).await();
    try {
      BridgeClient secure = BridgeClient.tls(port, SERVE_KEY);
      clients.add(secure);
      secure.sync();
      // plain TCP gets no answer: its bytes are not a TLS handshake
      BridgeClient plain = connect(port, SERVE_KEY);
      plain.send(new JsonObject().put("type", "ping"));
      assertThat(plain.next(1_000)).isNull();
      assertThat(plain.closedByServer(5_000)).isTrue();
    } finally {
      server.vertx().undeploy(deployment).await();
    }
  }

  @Test
  void theKeyGoesNoFurtherThanTheBridge() throws Exception {
    String address = Addresses.aiStream("probe-" + System.nanoTime());
    List<io.vertx.core.MultiMap> seen = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> probe = server.vertx().eventBus().consumer(address, m -> seen.add(m.headers()));
    probe.completion().await();
    try {
      BridgeClient w = connect(bridgePort, SERVE_KEY);
      w.send(new JsonObject().put("type", "send").put("address", address)
          .put("headers", new JsonObject().put("stream-id", "s1").put("stream-seq", "0")).put("body", new JsonObject()));
      Wait.until("the chunk arrived", 5_000, () -> !seen.isEmpty());
      assertThat(seen.get(0).get("stream-id")).isEqualTo("s1");
      assertThat(seen.get(0).contains("authorization")).isFalse();
    } finally {
      probe.unregister().await();
    }
  }

  @Test
  void aWorkerHearsTheEventsOfTheTenantsItsKeyNamesAndNoOthers() throws Exception {
    String tenantA = tenantId;
    String tokenA = widgetToken;
    signUp();
    String tenantB = tenantId;
    String tokenB = widgetToken;
    // a second bridge on this node, whose key names tenant A alone
    int port = Ports.free();
    String key = "tenant-a-key-0123456789-abcdef";
    String deployment = server.vertx().deployVerticle(new BridgeVerticle(new AppConfig.Bridge(true, "127.0.0.1", port,
        List.of(new AppConfig.BridgeKey(key, List.of(), List.of(tenantA))), "", ""))).await();
    try {
      BridgeClient listener = connect(port, key);
      List<JsonObject> heard = new CopyOnWriteArrayList<>();
      listener.onMessage(heard::add);
      listener.register(Addresses.bridgeEvents(tenantB));
      assertThat(listener.next(5_000).getString("message")).isEqualTo("access_denied");
      listener.register(Addresses.bridgeEvents("*"));
      assertThat(listener.next(5_000).getString("message")).isEqualTo("access_denied");
      listener.register(Addresses.bridgeEvents(tenantA));
      listener.sync();

      tenantId = tenantB;
      widgetToken = tokenB;
      String conversationB = chat("s-b", "Hello from B").json().getString("conversationId");
      tenantId = tenantA;
      widgetToken = tokenA;
      String conversationA = chat("s-a", "Hello from A").json().getString("conversationId");
      Wait.until("A's reply heard", 5_000, () -> heard.stream().anyMatch(f -> "message:new".equals(
          f.getJsonObject("body").getString("type")) && "assistant".equals(f.getJsonObject("body")
              .getJsonObject("data").getString("role"))));
      Thread.sleep(300);
      for (JsonObject frame : heard) {
        assertThat(frame.getString("address")).isEqualTo(Addresses.bridgeEvents(tenantA));
        JsonObject event = frame.getJsonObject("body");
        // the frame a dashboard socket gets
        assertThat(event.fieldNames()).containsExactlyInAnyOrder("type", "id", "data");
        assertThat(event.encode()).doesNotContain(conversationB);
      }
      assertThat(heard).anyMatch(f -> "conversation:new".equals(f.getJsonObject("body").getString("type"))
          && conversationA.equals(f.getJsonObject("body").getJsonObject("data").getString("id")));
      // ids are the log's, in order
      List<Long> ids = heard.stream().map(f -> Long.parseLong(f.getJsonObject("body").getString("id"))).toList();
      assertThat(ids).isSorted();
    } finally {
      server.vertx().undeploy(deployment).await();
    }
  }
}
