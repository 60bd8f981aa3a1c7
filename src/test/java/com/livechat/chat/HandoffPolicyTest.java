package com.livechat.chat;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.config.AppConfig;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.Wait;
import com.livechat.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A visitor is never left talking to nobody: what the assistant does when it cannot help, or when
 * the visitor asks for a person, with and without an agent's dashboard open, in each handoff mode
 * of the tenant config.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandoffPolicyTest {

  private LiveChatServer server;
  private Api api;
  private int tenants;
  private String tenantId;
  private String jwt;
  private String widgetAuth;

  private AppConfig.Offers offers;

  @BeforeAll
  void start() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    offers = AppConfig.from(config).chat().offers();
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  /** A tenant of its own for each test, whose knowledge base knows the opening hours only. */
  @BeforeEach
  void signup() {
    JsonObject s = api.signup("handoff-" + tenants++ + "@example.com");
    tenantId = s.getJsonObject("tenant").getString("id");
    jwt = s.getString("token");
    widgetAuth = bearer(s.getJsonObject("tenant").getString("widgetToken"));
    String assistantId = api.get("/api/widgets/" + tenantId + "/config", "Authorization", widgetAuth).json()
        .getJsonObject("config").getString("assistantId");
    Api.Response entry = api.post("/api/assistants/" + assistantId + "/knowledge", new JsonObject()
        .put("title", "Opening hours").put("content", "We are open Monday to Saturday, 9 to 18."),
        "Authorization", bearer(jwt));
    assertThat(entry.status()).as(entry.text()).isEqualTo(201);
  }

  private JsonObject chat(String session, String message, String conversationId) {
    Api.Response r = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message).put("conversationId", conversationId), "Authorization", widgetAuth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  private JsonObject conversation(JsonObject reply) {
    Api.Response r = api.get("/api/conversations/" + reply.getString("conversationId"), "Authorization", bearer(jwt));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonObject("conversation");
  }

  private void mode(String mode) {
    Api.Response r = api.method("PATCH", "/api/tenant/config", new JsonObject().put("handoff",
        new JsonObject().put("mode", mode)).encode(), "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getJsonObject("config").getJsonObject("handoff").getString("mode")).isEqualTo(mode);
  }

  private WsClient agent() {
    WsClient ws = WsClient.authenticated(server.port(), jwt, null);
    assertThat(server.wiring().hub().presence().online(tenantId)).isEqualTo(1);
    return ws;
  }

  @Test
  void withNobodyOnlineAnUnansweredQuestionGetsAPlainIDontKnowAndTheContactDetailsAreTaken() {
    JsonObject reply = chat("p1", "Hello, I need help with pricing", null);
    assertThat(reply.getString("message")).isEqualTo(LocalAssistant.NO_ANSWER + " " + offers.followUp());
    assertThat(reply.getJsonObject("metadata").getString("offer")).isEqualTo("followUp");
    assertThat(reply.getJsonObject("metadata").containsKey("handoff")).isFalse();
    JsonObject conversation = conversation(reply);
    assertThat(conversation.getBoolean("aiEnabled")).isTrue();
    assertThat(conversation.getJsonObject("metadata").getJsonObject("followUp").getString("reason"))
        .isEqualTo("unanswered");

    // the visitor leaves an email: noted, the assistant still there
    JsonObject noted = chat("p1", "ann@example.com", reply.getString("conversationId"));
    assertThat(noted.getString("message")).isEqualTo(LocalAssistant.NOTED);
    conversation = conversation(reply);
    assertThat(conversation.getJsonObject("contact_data").getString("email")).isEqualTo("ann@example.com");
    assertThat(conversation.getBoolean("aiEnabled")).isTrue();
  }

  @Test
  void withAnAgentOnlineTheAssistantOffersAPersonAndAYesHandsOver() {
    try (WsClient ws = agent()) {
      JsonObject reply = chat("p2", "Hello, I need help with pricing", null);
      assertThat(reply.getString("message")).isEqualTo(LocalAssistant.NO_ANSWER + " " + offers.person());
      assertThat(reply.getJsonObject("metadata").getString("offer")).isEqualTo("agent");
      assertThat(conversation(reply).getBoolean("aiEnabled")).isTrue();
      assertThat(conversation(reply).getJsonObject("metadata").containsKey("followUp")).isFalse();

      JsonObject yes = chat("p2", "Yes please", reply.getString("conversationId"));
      assertThat(yes.getString("message")).startsWith("I'm passing you to a member of our team");
      assertThat(yes.getJsonObject("metadata").getBoolean("handoff")).isTrue();
      assertThat(conversation(reply).getBoolean("aiEnabled")).isFalse();
    }
  }

  @Test
  void aYesToAnOfferWhenTheAgentHasGoneMeansAFollowUp() {
    String conversationId;
    try (WsClient ws = agent()) {
      conversationId = chat("p3", "Hello, I need help with pricing", null).getString("conversationId");
    }
    Wait.until("the agent gone", 5000, () -> server.wiring().hub().presence().online(tenantId) == 0);
    JsonObject yes = chat("p3", "ok", conversationId);
    assertThat(yes.getString("message")).isEqualTo(offers.nobodyAvailable());
    assertThat(yes.getJsonObject("metadata").containsKey("handoff")).isFalse();
  }

  @Test
  void askingForAPersonWithNobodyOnlineIsAFollowUpAndTheAssistantStaysOn() {
    JsonObject reply = chat("p4", "Can I talk to a human please?", null);
    assertThat(reply.getString("message")).isEqualTo(offers.nobodyAvailable());
    JsonObject conversation = conversation(reply);
    assertThat(conversation.getBoolean("aiEnabled")).isTrue();
    assertThat(conversation.getJsonObject("metadata").getJsonObject("followUp").getString("reason")).isEqualTo("asked");

    // details given with the request are taken, and the visitor is told so
    JsonObject withEmail = chat("p5", "I want a real person, my email is bo@example.com", null);
    assertThat(withEmail.getString("message")).isEqualTo(offers.nobodyAvailableNoted());
    assertThat(conversation(withEmail).getJsonObject("contact_data").getString("email")).isEqualTo("bo@example.com");
  }

  @Test
  void askingForAPersonWithAnAgentOnlineHandsOverAtOnce() {
    try (WsClient ws = agent()) {
      JsonObject reply = chat("p6", "Can I talk to a human please?", null);
      assertThat(reply.getJsonObject("metadata").getBoolean("handoff")).isTrue();
      assertThat(conversation(reply).getBoolean("aiEnabled")).isFalse();
    }
  }

  @Test
  void aQuestionSharingTheKeyWordsOfAnEntryIsAnsweredNotHandedOver() {
    JsonObject reply = chat("p7", "Are you open on Sunday?", null);
    assertThat(reply.getString("message"))
        .isEqualTo("We are open Monday to Saturday, 9 to 18. Sunday is not among the days listed.");
    assertThat(reply.getJsonObject("metadata").containsKey("offer")).isFalse();
    assertThat(conversation(reply).getJsonObject("metadata").containsKey("followUp")).isFalse();
  }

  @Test
  void modeAutoHandsOverAnUnansweredQuestionAtOnceWhenAnAgentIsOnline() {
    mode("auto");
    JsonObject alone = chat("p8", "Hello, I need help with pricing", null);
    assertThat(alone.getJsonObject("metadata").getString("offer")).isEqualTo("followUp");
    assertThat(conversation(alone).getBoolean("aiEnabled")).isTrue();
    try (WsClient ws = agent()) {
      JsonObject reply = chat("p9", "Hello, I need help with pricing", null);
      assertThat(reply.getString("message")).startsWith(LocalAssistant.NO_ANSWER + " I'm passing you");
      assertThat(reply.getJsonObject("metadata").getBoolean("handoff")).isTrue();
      assertThat(conversation(reply).getBoolean("aiEnabled")).isFalse();
    }
  }

  @Test
  void modeNeverOffersAFollowUpEvenWithAnAgentOnlineAndEvenWhenAsked() {
    mode("never");
    try (WsClient ws = agent()) {
      JsonObject reply = chat("p10", "Hello, I need help with pricing", null);
      assertThat(reply.getJsonObject("metadata").getString("offer")).isEqualTo("followUp");
      JsonObject asked = chat("p10", "Let me speak to someone", reply.getString("conversationId"));
      assertThat(asked.getString("message")).isEqualTo(offers.nobodyAvailable());
      assertThat(conversation(reply).getBoolean("aiEnabled")).isTrue();
    }
  }

  @Test
  void theModeIsPartOfTheTenantConfigWithOfferByDefault() {
    JsonObject config = api.get("/api/tenant", "Authorization", bearer(jwt)).json().getJsonObject("tenant")
        .getJsonObject("config");
    assertThat(config.getJsonObject("handoff")).isEqualTo(new JsonObject().put("mode", "offer"));
    mode("never");
    // PUT replaces the whole config: absent is the default again
    JsonObject put = config.copy();
    put.remove("handoff");
    Api.Response replaced = api.method("PUT", "/api/tenant/config", put.encode(), "Authorization", bearer(jwt),
        "Content-Type", "application/json");
    assertThat(replaced.status()).as(replaced.text()).isEqualTo(200);
    assertThat(replaced.json().getJsonObject("config").getJsonObject("handoff").getString("mode")).isEqualTo("offer");
    Api.Response invalid = api.method("PATCH", "/api/tenant/config", "{\"handoff\": {\"mode\": \"sometimes\"}}",
        "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.errorCode()).isEqualTo("invalid_handoff_mode");
    // the widgets never see it
    assertThat(api.get("/api/widgets/" + tenantId + "/config", "Authorization", widgetAuth).json()
        .getJsonObject("config").containsKey("handoff")).isFalse();
  }

  @Test
  void agentsOnlineTellsWhetherTheDashboardIsOpen() {
    assertThat(api.get("/api/agents/online", "Authorization", bearer(jwt)).json())
        .isEqualTo(new JsonObject().put("success", true).put("online", false).put("dashboards", 0));
    try (WsClient one = agent(); WsClient two = WsClient.authenticated(server.port(), jwt, null)) {
      assertThat(api.get("/api/agents/online", "Authorization", bearer(jwt)).json().getInteger("dashboards"))
          .isEqualTo(2);
    }
    Wait.until("the dashboards closed", 5000, () -> server.wiring().hub().presence().online(tenantId) == 0);
    assertThat(api.get("/api/agents/online").status()).isEqualTo(401);
  }
}
