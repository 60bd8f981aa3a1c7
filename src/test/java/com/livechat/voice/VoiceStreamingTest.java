package com.livechat.voice;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.FakeOpenAi.Canned;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import com.livechat.voice.VoiceCallTest.Tenant;
import com.livechat.voice.sim.FakeCall;
import com.livechat.voice.sim.FakeCarrier;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Calls whose turns stream from an OpenAI-compatible fake: the reply spoken as it is written, a
 * sentence at a time; the holding phrase of a slow turn; an interruption that stops the generation
 * and stores what the caller heard; the chat the call came from in the provider's prompt; a
 * dashboard watching the call live.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VoiceStreamingTest {

  // well above the scripted replies' first sentence (200 ms) even on a loaded machine, where a
  // turn's first sentence once took longer than 400 ms and the holding phrase came first
  private static final long HOLD_AFTER_MS = 1200;

  private FakeOpenAi ai;
  private VoiceNode node;
  private LiveChatServer server;
  private Api api;
  private FakeCarrier carrier;
  private Tenant tenant;
  private String number;

  @BeforeAll
  void start() {
    ai = new FakeOpenAi();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray().add(ai.providerConfig("fake", "gpt-voice")
        .put("timeoutMs", 10_000).put("firstTokenTimeoutMs", 5_000).put("chunkTimeoutMs", 5_000)));
    config.getJsonObject("voice").put("holdingPhraseAfterMs", HOLD_AFTER_MS);
    node = VoiceNode.start(config);
    server = node.server;
    api = node.api;
    carrier = node.carrier;
  }

  @AfterAll
  void stop() {
    node.close();
    ai.close();
  }

  @BeforeEach
  void signUp() {
    ai.reset();
    tenant = VoiceCallTest.signup(api, "voice-stream-" + System.nanoTime() + "@example.com");
    number = VoiceCallTest.newNumber();
    VoiceCallTest.configure(api, tenant, List.of(number), null, "Hello from Acme.");
  }

  private static <T> T await(Future<T> future) {
    return VoiceNode.await(future);
  }

  private List<JsonObject> messages(String conversationId) {
    return api.get("/api/conversations/" + conversationId + "/messages", "Authorization", bearer(tenant.jwt()))
        .json().getJsonArray("items").stream().map(o -> (JsonObject) o).toList();
  }

  private List<JsonObject> texts(FakeCall call) {
    return call.frames().stream().filter(f -> "text".equals(f.getString("type"))).toList();
  }

  @Test
  void theReplyIsSpokenAsItIsWrittenASentenceAtATime() {
    ai.script(Canned.stream(List.of("We are ", "open today. ", "Come by ", "any time!"), 50, 150));
    FakeCall call = await(carrier.dial("+14155550201", number));
    await(call.connect());
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    call.onFrame(f -> arrivals.add(System.nanoTime()));
    String reply = await(call.prompt("Are you open?"));
    assertThat(reply).isEqualTo("We are open today. Come by any time!");
    assertThat(texts(call)).extracting(f -> f.getString("token"))
        .containsExactly("We are open today. ", "Come by any time!");
    assertThat(texts(call)).extracting(f -> f.getBoolean("last")).containsExactly(false, true);
    // the first sentence went out before the reply was finished
    assertThat(arrivals.get(1) - arrivals.get(0)).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(200));
    List<JsonObject> transcript = messages(call.relayParameters().get("conversationId"));
    assertThat(transcript.get(transcript.size() - 1).getString("content")).isEqualTo(reply);
  }

  @Test
  void aSlowTurnSaysTheHoldingPhraseFirst() {
    ai.script(Canned.stream(List.of("Here is the answer."), HOLD_AFTER_MS * 3, 0));
    FakeCall call = await(carrier.dial("+14155550202", number));
    await(call.connect());
    String first = await(call.prompt("A hard question"));
    assertThat(first).isEqualTo("One moment, please.");
    long deadline = System.currentTimeMillis() + 10_000;
    while (texts(call).size() < 2 && System.currentTimeMillis() < deadline) {
      VoiceCallTest.sleep(20);
    }
    assertThat(texts(call)).extracting(f -> f.getString("token")).containsExactly("One moment, please.",
        "Here is the answer.");
    // the holding phrase is not part of the transcript
    List<JsonObject> transcript = messages(call.relayParameters().get("conversationId"));
    assertThat(transcript.get(transcript.size() - 1).getString("content")).isEqualTo("Here is the answer.");
  }

  @Test
  void anInterruptionStopsTheGenerationAndStoresWhatTheCallerHeard() {
    ai.script(Canned.stream(List.of("First sentence here. ", "Second one ", "goes on ", "and on ", "and on."), 0, 400));
    FakeCall call = await(carrier.dial("+14155550203", number));
    await(call.connect());
    Future<String> heard = call.prompt("Tell me everything");
    // the caller hears the first sentence, then talks over the rest
    long deadline = System.currentTimeMillis() + 10_000;
    while (texts(call).isEmpty() && System.currentTimeMillis() < deadline) {
      VoiceCallTest.sleep(10);
    }
    await(call.interrupt("First sentence"));
    await(heard);
    String conversationId = call.relayParameters().get("conversationId");
    deadline = System.currentTimeMillis() + 10_000;
    JsonObject last = null;
    while (System.currentTimeMillis() < deadline) {
      List<JsonObject> transcript = messages(conversationId);
      last = transcript.get(transcript.size() - 1);
      if (last.getString("role").equals("assistant") && last.getString("content").equals("First sentence")) {
        break;
      }
      VoiceCallTest.sleep(50);
    }
    assertThat(last.getString("content")).isEqualTo("First sentence");
    assertThat(last.getJsonObject("metadata").getBoolean("interrupted")).isTrue();
    // the provider request was closed before the reply was done
    deadline = System.currentTimeMillis() + 5_000;
    while (ai.abandoned.isEmpty() && System.currentTimeMillis() < deadline) {
      VoiceCallTest.sleep(20);
    }
    assertThat(ai.abandoned).hasSize(1);
    // nothing of the rest was spoken after the interruption
    assertThat(texts(call)).extracting(f -> f.getString("token")).containsExactly("First sentence here. ");
  }

  @Test
  void anInterruptionAfterTheReplyWasWrittenCorrectsTheStoredMessage() {
    ai.script(Canned.stream(List.of("Our prices start at ten dollars a month. ", "Discounts apply."), 0, 0));
    FakeCall call = await(carrier.dial("+14155550204", number));
    await(call.connect());
    String spoken = await(call.prompt("How much?"));
    assertThat(spoken).isEqualTo("Our prices start at ten dollars a month. Discounts apply.");
    String conversationId = call.relayParameters().get("conversationId");
    try (WsClient dashboard = WsClient.authenticated(server.port(), tenant.jwt(), null)) {
      await(call.interrupt("Our prices start at ten"));
      JsonObject updated = dashboard.next(m -> "message:updated".equals(m.getString("type")), 10_000);
      assertThat(updated.getJsonObject("data").getString("content")).isEqualTo("Our prices start at ten");
    }
    List<JsonObject> transcript = messages(conversationId);
    assertThat(transcript.get(transcript.size() - 1).getString("content")).isEqualTo("Our prices start at ten");
  }

  @Test
  void theProviderHearsTheChatTheCallCameFromAndIsToldItIsOnThePhone() {
    ai.script(Canned.stream(List.of("Sure."), 0, 0), Canned.stream(List.of("Yes, the team plan is ten dollars."), 0, 0));
    Api.Response chat = api.post("/api/widgets/" + tenant.id() + "/chat", new JsonObject().put("sessionId", "chat-9")
        .put("message", "Do you have a plan for teams of five?"), "Authorization", bearer(tenant.widgetToken()));
    assertThat(chat.status()).as(chat.text()).isEqualTo(200);
    Api.Response start = api.post("/api/widgets/" + tenant.id() + "/voice/start",
        new JsonObject().put("sessionId", "chat-9"), "Authorization", bearer(tenant.widgetToken()));
    assertThat(start.status()).as(start.text()).isEqualTo(200);
    FakeCall call = await(carrier.dial("+14155550205", start.json().getString("phoneNumber")));
    await(call.connect());
    await(call.prompt("So how much is it?"));
    JsonObject request = ai.requests.get(ai.requests.size() - 1);
    String all = request.getJsonArray("messages").encode();
    assertThat(all).contains("Do you have a plan for teams of five?").contains("phone call")
        .contains("+14155550205").contains("So how much is it?");
  }

  @Test
  void aDashboardWatchesTheCallLive() {
    ai.script(Canned.stream(List.of("Hello there."), 0, 0));
    try (WsClient dashboard = WsClient.authenticated(server.port(), tenant.jwt(), null)) {
      FakeCall call = await(carrier.dial("+14155550206", number));
      JsonObject opened = dashboard.next(m -> "conversation:new".equals(m.getString("type")), 10_000);
      assertThat(opened.getJsonObject("data").getString("channel")).isEqualTo("voice");
      await(call.connect());
      await(call.prompt("Hi"));
      JsonObject said = dashboard.next(m -> "message:new".equals(m.getString("type"))
          && "visitor".equals(m.getJsonObject("data").getString("role")), 10_000);
      assertThat(said.getJsonObject("data").getString("content")).isEqualTo("Hi");
      JsonObject answered = dashboard.next(m -> "message:new".equals(m.getString("type"))
          && "Hello there.".equals(m.getJsonObject("data").getString("content")), 10_000);
      assertThat(answered).isNotNull();
      await(call.hangUp(5));
      JsonObject closed = dashboard.next(m -> "conversation:updated".equals(m.getString("type"))
          && "closed".equals(m.getJsonObject("data").getString("status")), 10_000);
      assertThat(closed.getJsonObject("data").getJsonObject("metadata").getJsonObject("call")
          .getInteger("durationSeconds")).isEqualTo(5);
    }
  }
}
