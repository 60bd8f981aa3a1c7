package com.livechat.voice;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import com.livechat.voice.VoiceCallTest.Tenant;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * GET /ws/voice, a call from the widget in the browser: admitted as /ws/chat is, then the relay's
 * message set (the greeting and each reply as text tokens, prompts from the browser), counted as a
 * voice call, closed with its duration when the browser hangs up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserCallTest {

  private LiveChatServer server;
  private Api api;
  private Tenant tenant;

  @BeforeAll
  void start() {
    server = TestServer.start(TestServer.config(TestDatabase.createDatabase()));
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @BeforeEach
  void signUp() {
    tenant = VoiceCallTest.signup(api, "browser-call-" + System.nanoTime() + "@example.com");
  }

  private WsClient open() {
    return WsClient.connect(server.port(), new WebSocketClientOptions(), "/ws/voice");
  }

  private WsClient call(String sessionId) {
    WsClient ws = open();
    ws.send(new JsonObject().put("type", "auth").put("widgetId", tenant.id()).put("token", tenant.widgetToken())
        .put("sessionId", sessionId));
    return ws;
  }

  /** The tokens of one spoken reply, up to the frame with last: true. */
  private static String reply(WsClient ws) {
    StringBuilder text = new StringBuilder();
    while (true) {
      JsonObject frame = ws.next(10);
      assertThat(frame).as("a text frame").isNotNull();
      assertThat(frame.getString("type")).isEqualTo("text");
      text.append(frame.getString("token"));
      if (frame.getBoolean("last")) {
        return text.toString();
      }
    }
  }

  @Test
  void aBrowserCallIsAVoiceConversationOfTheSessionWithItsTranscriptAndDuration() throws Exception {
    Api.Response chat = api.post("/api/widgets/" + tenant.id() + "/chat", new JsonObject().put("sessionId", "web-1")
        .put("message", "Do you deliver on Sundays?"), "Authorization", bearer(tenant.widgetToken()));
    String chatId = chat.json().getString("conversationId");
    String conversationId;
    try (WsClient ws = call("web-1")) {
      JsonObject ok = ws.next(10);
      assertThat(ok.getString("type")).as(String.valueOf(ok)).isEqualTo("auth:ok");
      conversationId = ok.getString("conversationId");
      assertThat(reply(ws)).contains("Sundays");
      ws.send(new JsonObject().put("type", "prompt").put("voicePrompt", "Hello there").put("last", true));
      assertThat(reply(ws)).isNotBlank();
    }
    JsonObject conversation = null;
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      conversation = api.get("/api/conversations/" + conversationId, "Authorization", bearer(tenant.jwt())).json()
          .getJsonObject("conversation");
      if ("closed".equals(conversation.getString("status"))) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(conversation.getString("status")).isEqualTo("closed");
    assertThat(conversation.getString("channel")).isEqualTo("voice");
    assertThat(conversation.getString("sessionId")).isEqualTo("web-1");
    assertThat(conversation.getString("linkedConversationId")).isEqualTo(chatId);
    JsonObject recorded = conversation.getJsonObject("metadata").getJsonObject("call");
    assertThat(recorded.getString("direction")).isEqualTo("browser");
    assertThat(recorded.getString("status")).isEqualTo("completed");
    assertThat(recorded.getInteger("durationSeconds")).isNotNull();
    assertThat(api.get("/api/usage", "Authorization", bearer(tenant.jwt())).json().getJsonObject("usage")
        .getLong("voiceCalls")).isEqualTo(1);
    assertThat(api.get("/api/conversations/" + conversationId + "/messages", "Authorization", bearer(tenant.jwt()))
        .json().getJsonArray("items")).hasSize(3);
  }

  @Test
  void aBrowserCallAfterVoiceStartJoinsTheLeasedConversationAndIsCountedOnce() {
    VoiceCallTest.configure(api, tenant, java.util.List.of(VoiceCallTest.newNumber()), null, "Hi there.");
    Api.Response start = api.post("/api/widgets/" + tenant.id() + "/voice/start",
        new JsonObject().put("sessionId", "web-4"), "Authorization", bearer(tenant.widgetToken()));
    assertThat(start.status()).as(start.text()).isEqualTo(200);
    try (WsClient ws = call("web-4")) {
      JsonObject ok = ws.next(10);
      assertThat(ok.getString("type")).as(String.valueOf(ok)).isEqualTo("auth:ok");
      assertThat(ok.getString("conversationId")).isEqualTo(start.json().getString("conversationId"));
      assertThat(ok.getString("language")).isEqualTo("en-US");
      assertThat(reply(ws)).isEqualTo("Hi there.");
    }
    assertThat(api.get("/api/usage", "Authorization", bearer(tenant.jwt())).json().getJsonObject("usage")
        .getLong("voiceCalls")).isEqualTo(1);
    assertThat(TestServer.sql(server, "SELECT count(*) FROM conversations WHERE tenant_id = $1 AND channel = 'voice'",
        tenant.id()).iterator().next().getLong(0)).isEqualTo(1);
  }

  @Test
  void aWrongTokenOrAMissingAuthCloses4401() throws Exception {
    try (WsClient ws = open()) {
      ws.send(new JsonObject().put("type", "auth").put("widgetId", tenant.id()).put("token", "wrong")
          .put("sessionId", "web-2"));
      assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo((short) 4401);
    }
    try (WsClient ws = open()) {
      ws.send(new JsonObject().put("type", "prompt").put("voicePrompt", "hi"));
      assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo((short) 4401);
    }
    try (WsClient ws = open()) {
      ws.send(new JsonObject().put("type", "auth").put("widgetId", tenant.id()).put("token", tenant.widgetToken())
          .put("sessionId", "bad session id with spaces"));
      assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo((short) 4400);
    }
    assertThat(TestServer.sql(server, "SELECT count(*) FROM conversations WHERE tenant_id = $1", tenant.id())
        .iterator().next().getLong(0)).isZero();
  }

  @Test
  void overTheMonthlyVoiceCallsTheBrowserHearsWhyAndTheSocketCloses() throws Exception {
    TestServer.sql(server, "UPDATE tenants SET limits = '{\"voiceCallsPerMonth\": 0}' WHERE id = $1", tenant.id());
    try (WsClient ws = call("web-3")) {
      JsonObject end = ws.next(10);
      assertThat(end.getString("type")).isEqualTo("end");
      JsonObject data = new JsonObject(end.getString("handoffData"));
      assertThat(data.getString("reasonCode")).isEqualTo("usage-limit");
      assertThat(data.getString("say")).isEqualTo(Calls.OVER_MONTHLY_LIMIT);
      assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo((short) 1000);
    }
    assertThat(TestServer.sql(server, "SELECT count(*) FROM conversations WHERE tenant_id = $1", tenant.id())
        .iterator().next().getLong(0)).isZero();
  }
}
