package com.livechat.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.LiveChatServer;
import com.livechat.error.AppError;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * docs/EVENTBUS.md is what a worker in another language reads: its table must list exactly the
 * addresses of {@link Addresses} with their scope and style, and a running node must send and
 * answer the JSON its examples show (the same fields, no more, no fewer).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventBusContractTest {

  private static final Path DOC = Path.of("docs/EVENTBUS.md");
  private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| (\\w+) \\| (\\w+) \\| (\\w+) \\|",
      Pattern.MULTILINE);
  private static final Pattern EXAMPLE = Pattern.compile("<!-- ([\\w. ]+) -->\\s*```json\\s*(.*?)```", Pattern.DOTALL);

  private LiveChatServer server;
  private Api api;
  private Map<String, JsonObject> examples;
  private String doc;

  @BeforeAll
  void start() throws IOException {
    doc = Files.readString(DOC);
    examples = new HashMap<>();
    Matcher m = EXAMPLE.matcher(doc);
    while (m.find()) {
      examples.put(m.group(1).strip(), new JsonObject(m.group(2)));
    }
    server = TestServer.start();
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void theTableListsEveryAddressOfTheCodeWithItsScopeAndStyle() throws IllegalAccessException {
    Set<Addresses.Contract> documented = new HashSet<>();
    Matcher row = ROW.matcher(doc);
    while (row.find()) {
      documented.add(new Addresses.Contract(row.group(1),
          Addresses.Scope.valueOf(row.group(2).toUpperCase(Locale.ROOT)),
          Addresses.Style.valueOf(row.group(3).toUpperCase(Locale.ROOT)),
          Addresses.Bridged.valueOf(row.group(4).toUpperCase(Locale.ROOT))));
    }
    assertThat(documented).containsExactlyInAnyOrderElementsOf(Addresses.CONTRACTS);

    // every address constant of the code has its contract
    Set<String> contracted = new HashSet<>();
    Addresses.CONTRACTS.forEach(c -> contracted.add(c.address()));
    for (Field field : Addresses.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        assertThat(contracted).as(field.getName()).contains((String) field.get(null));
      }
    }
    // and a section with its examples
    for (Addresses.Contract c : Addresses.CONTRACTS) {
      assertThat(doc).contains("## `" + c.address() + "`");
    }
  }

  @Test
  void everyEventBusCallOfTheCodeNamesItsAddressThroughAddresses() throws IOException {
    Pattern call = Pattern.compile("\\.(?:<\\w+>)?(consumer|localConsumer|publish|request|send)\\(");
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = Files.readString(file);
        if (!source.contains("eventBus()")) {
          continue;
        }
        for (String line : source.split("\n")) {
          if (call.matcher(line).find() && line.contains("bus") && !line.contains("Addresses.")) {
            offenders.add(file + ": " + line.strip());
          }
        }
      }
    }
    assertThat(offenders).as("event-bus calls that do not name an address of Addresses").isEmpty();
  }

  @Test
  void nodePingAnswersAsDocumented() {
    JsonObject reply = server.vertx().eventBus()
        .<JsonObject>request(Addresses.NODE_PING, examples.get("node.ping request")).await().body();
    assertThat(reply.fieldNames()).isEqualTo(examples.get("node.ping reply").fieldNames());
    assertThat(reply.getString("nodeId")).isEqualTo(server.nodeId());
  }

  @Test
  void chatReplyAnswersAndFailsAsDocumented() {
    Tenant tenant = signup();
    JsonObject request = examples.get("chat.reply request").copy()
        .put("tenantId", tenant.id()).put("defaultAssistantId", tenant.assistantId());
    JsonObject reply = server.vertx().eventBus().<JsonObject>request(Addresses.CHAT_REPLY, request).await().body();
    JsonObject documented = examples.get("chat.reply reply");
    assertThat(reply.fieldNames()).isEqualTo(documented.fieldNames());
    assertThat(reply.getJsonObject("metadata").fieldNames())
        .containsAll(documented.getJsonObject("metadata").fieldNames());

    JsonObject unknown = request.copy().put("conversationId", "conv-not-this-sessions");
    assertThatThrownBy(() -> server.vertx().eventBus().request(Addresses.CHAT_REPLY, unknown).await())
        .isInstanceOfSatisfying(ReplyException.class, failure -> {
          assertThat(failure.failureCode()).isEqualTo(AppError.BUS_FAILURE_CODE);
          JsonObject error = new JsonObject(failure.getMessage());
          assertThat(error.fieldNames()).isEqualTo(examples.get("failure").fieldNames());
          assertThat(error.getString("kind")).isEqualTo("not_found");
          assertThat(error.getString("code")).isEqualTo("conversation_not_found");
        });
  }

  @Test
  void voiceWebhookAnswersAndFailsAsDocumented() {
    JsonObject request = examples.get("voice.webhook request").copy();
    String token = server.wiring().carrierAccounts().server().authToken();
    List<Map.Entry<String, String>> params = new ArrayList<>();
    for (Object pair : request.getJsonArray("params")) {
      params.add(Map.entry(((JsonArray) pair).getString(0), ((JsonArray) pair).getString(1)));
    }
    request.put("signature", com.livechat.voice.twilio.TwilioSignature.compute(token, request.getString("url"), params));
    JsonObject reply = server.vertx().eventBus().<JsonObject>request(Addresses.VOICE_WEBHOOK, request).await().body();
    assertThat(reply).isEqualTo(examples.get("voice.webhook reply"));

    JsonObject unsigned = request.copy().putNull("signature");
    assertThatThrownBy(() -> server.vertx().eventBus().request(Addresses.VOICE_WEBHOOK, unsigned).await())
        .isInstanceOfSatisfying(ReplyException.class, failure -> {
          assertThat(failure.failureCode()).isEqualTo(AppError.BUS_FAILURE_CODE);
          assertThat(new JsonObject(failure.getMessage()).getString("code")).isEqualTo("missing_signature");
        });
  }

  @Test
  void tenantEventsGoOutAsOneBatchPerTransactionAsDocumented() {
    Tenant tenant = signup();
    List<JsonObject> batches = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = server.vertx().eventBus()
        .consumer(Addresses.tenantEvents(tenant.id()), message -> batches.add(message.body()));
    consumer.completion().await();
    try {
      // a chat turn is two transactions: the visitor's message, then the assistant's reply
      Api.Response chat = api.post("/api/widgets/" + tenant.id() + "/chat",
          new JsonObject().put("sessionId", "contract").put("message", "Hello there"),
          "Authorization", Api.bearer(tenant.widgetToken()));
      assertThat(chat.status()).as(chat.text()).isEqualTo(200);
      String conversationId = chat.json().getString("conversationId");
      // an agent's reply is one more (message:new, and conversation:updated as the agent takes over)
      Api.Response reply = api.post("/api/conversations/" + conversationId + "/messages",
          new JsonObject().put("content", "Hi, Sam here."), "Authorization", Api.bearer(tenant.jwt()));
      assertThat(reply.status()).as(reply.text()).isEqualTo(201);
      awaitSize(batches, 3);

      JsonObject documented = examples.get("tenant.events publish");
      JsonObject documentedEvent = documented.getJsonArray("events").getJsonObject(0);
      List<String> types = new ArrayList<>();
      long expectedSeq = 1;
      for (JsonObject batch : batches) {
        assertThat(batch.fieldNames()).isEqualTo(documented.fieldNames());
        assertThat(batch.getString("tenantId")).isEqualTo(tenant.id());
        JsonArray events = batch.getJsonArray("events");
        List<String> inBatch = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
          JsonObject event = events.getJsonObject(i);
          assertThat(event.fieldNames()).isEqualTo(documentedEvent.fieldNames());
          assertThat(event.getLong("seq")).as("gapless, in order").isEqualTo(expectedSeq++);
          inBatch.add(event.getString("type"));
        }
        types.add(String.join(",", inBatch));
      }
      assertThat(types).containsExactly("conversation:new,message:new", "message:new",
          "message:new,conversation:updated");
      assertThat(batches.get(2).getJsonArray("events").getJsonObject(0).getJsonObject("data").fieldNames())
          .isEqualTo(documentedEvent.getJsonObject("data").fieldNames());
    } finally {
      consumer.unregister().await();
    }
  }

  @Test
  void tenantAndAssistantChangesArePublishedAsDocumented() {
    Tenant tenant = signup();
    List<JsonObject> tenantChanges = new CopyOnWriteArrayList<>();
    List<JsonObject> assistantChanges = new CopyOnWriteArrayList<>();
    var bus = server.vertx().eventBus();
    MessageConsumer<JsonObject> tenants = bus.consumer(Addresses.TENANT_CHANGED, m -> {
      if (tenant.id().equals(m.body().getString("tenantId"))) {
        tenantChanges.add(m.body());
      }
    });
    MessageConsumer<JsonObject> assistants = bus.consumer(Addresses.ASSISTANT_CHANGED, m -> {
      if (tenant.id().equals(m.body().getString("tenantId"))) {
        assistantChanges.add(m.body());
      }
    });
    tenants.completion().await();
    assistants.completion().await();
    try {
      JsonObject config = api.get("/api/tenant", "Authorization", Api.bearer(tenant.jwt())).json()
          .getJsonObject("tenant").getJsonObject("config");
      assertThat(put("/api/tenant/config", tenant, config).status()).isEqualTo(200);
      JsonObject assistant = api.get("/api/assistants/" + tenant.assistantId(), "Authorization",
          Api.bearer(tenant.jwt())).json().getJsonObject("assistant");
      assertThat(put("/api/assistants/" + tenant.assistantId(), tenant, assistant.put("name", "Renamed")).status())
          .isEqualTo(200);
      awaitSize(tenantChanges, 1);
      awaitSize(assistantChanges, 1);

      assertThat(tenantChanges.get(0).fieldNames()).isEqualTo(examples.get("tenant.changed publish").fieldNames());
      assertThat(assistantChanges.get(0).fieldNames())
          .isEqualTo(examples.get("assistant.changed publish").fieldNames());
      assertThat(assistantChanges.get(0).getString("assistantId")).isEqualTo(tenant.assistantId());
    } finally {
      tenants.unregister().await();
      assistants.unregister().await();
    }
  }

  @Test
  void liveFramesStreamPiecesAndCancelsGoOutAsDocumented() {
    Tenant tenant = signup();
    var bus = server.vertx().eventBus();
    List<JsonObject> live = new CopyOnWriteArrayList<>();
    List<JsonObject> pieces = new CopyOnWriteArrayList<>();
    List<JsonObject> cancels = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> liveConsumer = bus.consumer(Addresses.tenantLive(tenant.id()), m -> live.add(m.body()));
    MessageConsumer<JsonObject> streamConsumer =
        bus.localConsumer(Addresses.chatStream("turn-contract"), m -> pieces.add(m.body()));
    MessageConsumer<JsonObject> cancelConsumer = bus.consumer(Addresses.CHAT_CANCEL, m -> {
      if (tenant.id().equals(m.body().getString("tenantId"))) {
        cancels.add(m.body());
      }
    });
    liveConsumer.completion().await();
    streamConsumer.completion().await();
    cancelConsumer.completion().await();
    try {
      // a streamed turn, asked for over the bus as the HTTP verticle does
      JsonObject request = examples.get("chat.reply request").copy()
          .put("tenantId", tenant.id()).put("defaultAssistantId", tenant.assistantId())
          .put("turnId", "turn-contract").put("stream", true);
      JsonObject reply = bus.<JsonObject>request(Addresses.CHAT_REPLY, request).await().body();
      com.livechat.support.Wait.until("a piece", 5000, () -> !pieces.isEmpty());
      assertThat(pieces.get(0).fieldNames()).isEqualTo(examples.get("chat.stream publish").fieldNames());
      // one piece, or two when the assistant did not know and what happens next was added
      com.livechat.support.Wait.until("the whole reply streamed", 5000, () -> reply.getString("message").equals(
          String.join("", pieces.stream().map(p -> p.getString("delta")).toList())));

      // typing, then the pieces, to every socket of the tenant
      com.livechat.support.Wait.until("typing and a piece", 5000, () -> live.size() == pieces.size() + 1);
      JsonObject documented = examples.get("tenant.live publish");
      JsonObject delta = live.get(1);
      assertThat(delta.fieldNames()).isEqualTo(documented.fieldNames());
      assertThat(delta.getJsonObject("data").fieldNames()).isEqualTo(documented.getJsonObject("data").fieldNames());
      assertThat(delta.getJsonObject("data").getString("turnId")).isEqualTo("turn-contract");
      assertThat(live.get(0).getString("type")).isEqualTo("typing");
      assertThat(delta.getString("sessionId")).isEqualTo(request.getString("sessionId"));

      // an agent's reply takes the conversation from the AI: its turn, wherever it runs, is called off
      // (given back to the AI first: the local assistant may have handed it over already)
      String conversationId = reply.getString("conversationId");
      Api.Response givenBack = api.method("PATCH", "/api/conversations/" + conversationId,
          new JsonObject().put("aiEnabled", true).encode(), "Authorization", Api.bearer(tenant.jwt()),
          "Content-Type", "application/json");
      assertThat(givenBack.status()).as(givenBack.text()).isEqualTo(200);
      assertThat(cancels).isEmpty();
      Api.Response agent = api.post("/api/conversations/" + conversationId + "/messages",
          new JsonObject().put("content", "Hi, Sam here."), "Authorization", Api.bearer(tenant.jwt()));
      assertThat(agent.status()).as(agent.text()).isEqualTo(201);
      awaitSize(cancels, 1);
      assertThat(cancels.get(0).fieldNames()).isEqualTo(examples.get("chat.cancel publish").fieldNames());
      assertThat(cancels.get(0).getString("conversationId")).isEqualTo(conversationId);
    } finally {
      liveConsumer.unregister().await();
      streamConsumer.unregister().await();
      cancelConsumer.unregister().await();
    }
  }

  @Test
  void agentsPresenceIsPublishedAsDocumentedWhenADashboardOpensAndCloses() {
    Tenant tenant = signup();
    List<JsonObject> heard = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = server.vertx().eventBus()
        .consumer(Addresses.AGENTS_PRESENCE, message -> {
          if (message.body().getJsonObject("dashboards").containsKey(tenant.id())) {
            heard.add(message.body());
          }
        });
    consumer.completion().await();
    try {
      try (com.livechat.support.WsClient ws = com.livechat.support.WsClient.authenticated(server.port(), tenant.jwt(),
          null)) {
        awaitSize(heard, 1);
      }
      awaitSize(heard, 2);
      JsonObject documented = examples.get("agents.presence publish");
      for (JsonObject body : heard.subList(0, 2)) {
        assertThat(body.fieldNames()).isEqualTo(documented.fieldNames());
        assertThat(body.getString("nodeId")).isEqualTo(server.nodeId());
        assertThat(body.getBoolean("full")).isFalse();
      }
      assertThat(heard.get(0).getJsonObject("dashboards").getInteger(tenant.id())).isEqualTo(1);
      assertThat(heard.get(1).getJsonObject("dashboards").getInteger(tenant.id())).isZero();
    } finally {
      consumer.unregister().await();
    }
  }

  private record Tenant(String id, String widgetToken, String jwt, String assistantId) {}

  private Tenant signup() {
    JsonObject body = api.signup("contract-" + System.nanoTime() + "@bus.test");
    String jwt = body.getString("token");
    String assistantId = api.get("/api/tenant", "Authorization", Api.bearer(jwt)).json()
        .getJsonObject("tenant").getJsonObject("config").getString("assistantId");
    return new Tenant(body.getJsonObject("tenant").getString("id"),
        body.getJsonObject("tenant").getString("widgetToken"), jwt, assistantId);
  }

  private Api.Response put(String path, Tenant tenant, JsonObject body) {
    return api.method("PUT", path, body.encode(), "Authorization", Api.bearer(tenant.jwt()),
        "Content-Type", "application/json");
  }

  /** Waits (bounded) for asynchronous deliveries; the assertions that follow say what must have arrived. */
  private static void awaitSize(List<?> list, int size) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (list.size() < size && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(list).hasSize(size);
  }
}
