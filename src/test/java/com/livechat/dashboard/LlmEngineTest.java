package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi.Canned;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The assistant engine through the whole server with two OpenAI-compatible providers (in-process
 * fakes speaking the real wire format), then the local assistant: grounding, tool calls for
 * qualification and handoff, failover.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlmEngineTest {

  private FakeOpenAi primary;
  private FakeOpenAi secondary;
  private LiveChatServer server;
  private Api api;
  private Dashboard dashboard;
  private Dashboard.Tenant tenant;

  @BeforeAll
  void start() {
    primary = new FakeOpenAi();
    secondary = new FakeOpenAi();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray()
        .add(provider("primary", primary, "gpt-primary"))
        .add(provider("secondary", secondary, "gpt-secondary").put("assistantModel", false)));
    server = TestServer.start(config);
    api = new Api(server.port());
    dashboard = new Dashboard(api);
  }

  private static JsonObject provider(String name, FakeOpenAi fake, String model) {
    return fake.providerConfig(name, model);
  }

  @AfterAll
  void stop() {
    server.close();
    primary.close();
    secondary.close();
  }

  @BeforeEach
  void reset() {
    primary.reset();
    secondary.reset();
    tenant = dashboard.signup();
  }

  private JsonObject chat(String session, String message, String conversationId) {
    Api.Response r = api.post("/api/widgets/" + tenant.id() + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message).put("conversationId", conversationId), "Authorization",
        Api.bearer(tenant.widgetToken()));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  private JsonObject knowledge(String title, String content) {
    return assertSuccess(dashboard.post("/api/assistants/" + tenant.defaultAssistantId() + "/knowledge",
        tenant.ownerJwt(), new JsonObject().put("title", title).put("content", content)), 201).getJsonObject("entry");
  }

  private static List<String> types(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("type")).toList();
  }

  @Test
  void thePromptCarriesTheMatchingKnowledgeEntriesAndTheReplyNamesThem() {
    JsonObject refunds = knowledge("Refund policy", "Refunds are paid back within 14 days of a return.");
    JsonObject shipping = knowledge("Shipping", "Orders ship from Toronto; delivery takes 3 business days.");
    knowledge("Careers", "We are hiring engineers in Montreal.");

    JsonObject reply = chat("g1", "How many days until my refund is paid?", null);
    String system = primary.requests.get(0).getJsonArray("messages").getJsonObject(0).getString("content");
    assertThat(system).contains("Refunds are paid back within 14 days of a return.")
        .doesNotContain("hiring engineers");
    JsonArray sources = reply.getJsonObject("metadata").getJsonArray("sources");
    assertThat(sources).contains(new JsonObject().put("id", refunds.getString("id")).put("title", "Refund policy"));
    assertThat(sources.stream().map(s -> ((JsonObject) s).getString("title")).toList()).doesNotContain("Careers");
    // the best match comes first in the prompt
    assertThat(system.indexOf("Refunds are paid back")).isLessThan(
        system.contains(shipping.getString("content")) ? system.indexOf(shipping.getString("content")) : Integer.MAX_VALUE);
    assertThat(reply.getJsonObject("metadata").getString("model")).isEqualTo("gpt-primary-0125");
  }

  @Test
  void contactDetailsFromUpdateContactQualifyTheConversationOnce() {
    primary.script(
        Canned.toolCalls(FakeOpenAi.call("call_1", "update_contact",
            "{\"name\": \"Ann Lee\", \"email\": \"ANN@example.com\", \"budget\": \"5000 dollars\", \"shoeSize\": \"9\"}")),
        Canned.text("Thanks Ann, I've noted that."));
    try (WsClient ws = WsClient.authenticated(server.port(), tenant.ownerJwt(), null)) {
      JsonObject reply = chat("q1", "I'd like a quote", null);
      assertThat(reply.getString("message")).isEqualTo("Thanks Ann, I've noted that.");
      assertThat(reply.getJsonObject("metadata").getInteger("tokens")).isEqualTo(2 * FakeOpenAi.TOKENS);

      // the follow-up request carries the tool call and its result, as the protocol wants
      JsonArray followUp = primary.requests.get(1).getJsonArray("messages");
      JsonObject toolTurn = followUp.getJsonObject(followUp.size() - 2);
      assertThat(toolTurn.getString("role")).isEqualTo("assistant");
      assertThat(toolTurn.getJsonArray("tool_calls").getJsonObject(0).getString("id")).isEqualTo("call_1");
      assertThat(followUp.getJsonObject(followUp.size() - 1).getString("role")).isEqualTo("tool");
      assertThat(followUp.getJsonObject(followUp.size() - 1).getString("tool_call_id")).isEqualTo("call_1");

      List<JsonObject> events = ws.take(5, 10);
      assertThat(types(events)).containsExactly("conversation:new", "message:new", "message:new",
          "conversation:updated", "conversation:qualified");
      JsonObject qualified = events.get(4).getJsonObject("data");
      assertThat(qualified.getBoolean("qualified")).isTrue();
      assertThat(qualified.getJsonObject("contact_data")).isEqualTo(new JsonObject()
          .put("name", "Ann Lee").put("email", "ann@example.com").put("budget", "5000 dollars"));

      // the model repeats itself and adds a timeline: the contact grows, no second qualification
      primary.script(Canned.toolCalls(FakeOpenAi.call("call_2", "update_contact",
          "{\"email\": \"ann@example.com\", \"timeline\": \"next month\"}")), Canned.text("Noted."));
      chat("q1", "We'd start next month", reply.getString("conversationId"));
      List<JsonObject> more = ws.take(3, 10);
      assertThat(types(more)).containsExactly("message:new", "message:new", "conversation:updated");
      assertThat(more.get(2).getJsonObject("data").getJsonObject("contact_data").getString("timeline"))
          .isEqualTo("next month");
      assertThat(ws.quietFor(300)).isEmpty();
    }
  }

  @Test
  void requestHumanWithNobodyOnlineKeepsTheAssistantOnAndOffersAFollowUp() {
    primary.script(Canned.toolCalls(FakeOpenAi.call("call_h", "request_human", "{\"reason\": \"billing dispute\"}")));
    JsonObject reply = chat("h0", "Your invoice is wrong and I want it fixed", null);
    assertThat(reply.getJsonObject("metadata").containsKey("handoff")).isFalse();
    assertThat(reply.getJsonObject("metadata").getString("offer")).isEqualTo("followUp");
    assertThat(reply.getString("message")).contains("leave your email address or phone number");
    JsonObject conversation = assertSuccess(dashboard.get("/api/conversations/" + reply.getString("conversationId"),
        tenant.ownerJwt()), 200).getJsonObject("conversation");
    assertThat(conversation.getBoolean("aiEnabled")).isTrue();
    assertThat(conversation.getJsonObject("metadata").getJsonObject("followUp").getString("reason"))
        .isEqualTo("unanswered");
  }

  @Test
  void requestHumanHandsTheConversationOverWhenAnAgentIsOnline() {
    primary.script(Canned.toolCalls(FakeOpenAi.call("call_h", "request_human", "{\"reason\": \"billing dispute\"}")));
    // an agent has the dashboard open, and mode auto hands over at once
    assertSuccess(dashboard.patch("/api/tenant/config", tenant.ownerJwt(),
        new JsonObject().put("handoff", new JsonObject().put("mode", "auto"))), 200);
    WsClient agent = WsClient.authenticated(server.port(), tenant.ownerJwt(), null);
    JsonObject reply;
    try {
      reply = chat("h1", "Your invoice is wrong and I want it fixed", null);
    } finally {
      agent.close();
      assertSuccess(dashboard.patch("/api/tenant/config", tenant.ownerJwt(),
          new JsonObject().put("handoff", new JsonObject().put("mode", "offer"))), 200);
    }
    assertThat(reply.getJsonObject("metadata").getBoolean("handoff")).isTrue();
    assertThat(reply.getString("message")).isNotBlank();
    String conversationId = reply.getString("conversationId");
    JsonObject conversation = assertSuccess(dashboard.get("/api/conversations/" + conversationId, tenant.ownerJwt()),
        200).getJsonObject("conversation");
    assertThat(conversation.getBoolean("aiEnabled")).isFalse();
    JsonArray messages = assertSuccess(dashboard.get("/api/conversations/" + conversationId + "/messages",
        tenant.ownerJwt()), 200).getJsonArray("items");
    assertThat(messages.stream().map(m -> ((JsonObject) m).getString("role")).toList())
        .containsExactly("visitor", "assistant", "system");

    int before = primary.requests.size();
    JsonObject waiting = chat("h1", "Hello?", conversationId);
    assertThat(waiting.getValue("message")).isNull();
    assertThat(primary.requests).hasSize(before);
  }

  @Test
  void aVisitorAskingForAPersonIsHandedOverWithoutCallingTheModel() {
    JsonObject reply;
    try (WsClient agent = WsClient.authenticated(server.port(), tenant.ownerJwt(), null)) {
      reply = chat("h2", "Please let me speak to someone", null);
    }
    assertThat(reply.getJsonObject("metadata").getBoolean("handoff")).isTrue();
    assertThat(primary.requests).isEmpty();
    assertThat(secondary.requests).isEmpty();
  }

  @Test
  void failoverReachesTheSecondProviderThenTheLocalAssistantAndNeverA5xx() {
    JsonObject assistant = assertSuccess(dashboard.get("/api/assistants/" + tenant.defaultAssistantId(),
        tenant.ownerJwt()), 200).getJsonObject("assistant").put("model", "gpt-special");
    assertSuccess(dashboard.put("/api/assistants/" + tenant.defaultAssistantId(), tenant.ownerJwt(), assistant), 200);
    primary.mode = FakeOpenAi.Mode.SERVER_ERROR;
    JsonObject second = chat("f1", "What are your prices?", null);
    assertThat(second.getJsonObject("metadata").getString("model")).isEqualTo("gpt-secondary-0125");
    assertThat(second.getString("message")).isEqualTo(secondary.reply);
    // the assistant's model override is not sent to a provider that opted out of it
    assertThat(primary.requests.get(0).getString("model")).isEqualTo("gpt-special");
    assertThat(secondary.requests.get(0).getString("model")).isEqualTo("gpt-secondary");
    assertThat(primary.requests).hasSize(3); // the first attempt and two retries

    secondary.mode = FakeOpenAi.Mode.RATE_LIMITED;
    secondary.retryAfter = "30"; // longer than retryMaxMs: no waiting, straight on
    JsonObject local = chat("f2", "What are your prices?", null);
    assertThat(local.getJsonObject("metadata").getString("model")).isEqualTo("local-assistant");
    assertThat(local.getString("message")).isNotBlank();
    assertThat(secondary.requests).hasSize(2);
  }
}
