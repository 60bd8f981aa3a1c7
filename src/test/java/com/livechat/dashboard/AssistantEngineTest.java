package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.support.Api;
import com.livechat.support.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The assistant engine through the whole server with the embedded local assistant (no LLM):
 * answers grounded in the knowledge base, handoff to a person, lead qualification.
 */
class AssistantEngineTest extends DashboardApiTest {

  private Api.Response chat(String session, String message, String conversationId) {
    return api.post("/api/widgets/" + tenant.id() + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message).put("conversationId", conversationId), "Authorization",
        Api.bearer(tenant.widgetToken()));
  }

  private JsonObject ok(Api.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  private static List<String> types(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("type")).toList();
  }

  @Test
  void theLocalAssistantAnswersFromTheKnowledgeBaseAndNamesItsSource() {
    String assistant = tenant.defaultAssistantId();
    JsonObject hours = assertSuccess(dashboard.post("/api/assistants/" + assistant + "/knowledge", tenant.ownerJwt(),
        new JsonObject().put("title", "Opening hours").put("content",
            "Our Toronto store is open Monday to Saturday from 9am to 6pm. It is closed on Sundays.")), 201)
        .getJsonObject("entry");
    assertSuccess(dashboard.post("/api/assistants/" + assistant + "/knowledge", tenant.ownerJwt(),
        new JsonObject().put("title", "Shipping").put("content",
            "We ship across Canada in 3 business days. Shipping is free over 50 dollars.")), 201);

    JsonObject reply = ok(chat("kb", "When is the Toronto store open on Saturday?", null));
    assertThat(reply.getString("message")).contains("Monday to Saturday from 9am to 6pm");
    JsonObject metadata = reply.getJsonObject("metadata");
    assertThat(metadata.getString("model")).isEqualTo("local-assistant");
    assertThat(metadata.getJsonArray("sources")).containsExactly(
        new JsonObject().put("id", hours.getString("id")).put("title", "Opening hours"));
    assertThat(metadata.containsKey("handoff")).isFalse();

    // another tenant's knowledge is never used
    Dashboard.Tenant other = dashboard.signup();
    Api.Response foreign = api.post("/api/widgets/" + other.id() + "/chat", new JsonObject().put("sessionId", "kb")
        .put("message", "When is the Toronto store open on Saturday?"), "Authorization",
        Api.bearer(other.widgetToken()));
    assertThat(ok(foreign).getString("message")).doesNotContain("9am");
    assertThat(foreign.json().getJsonObject("metadata").getJsonArray("sources")).isEmpty();
  }

  @Test
  void aVisitorAskingForAPersonIsHandedOverUntilAnAgentGivesTheConversationBack() {
    try (WsClient ws = WsClient.authenticated(server.port(), tenant.ownerJwt(), null)) {
      String conversationId = ok(chat("h1", "Hello!", null)).getString("conversationId");
      ws.take(3, 10); // conversation:new, message:new x2

      JsonObject handoff = ok(chat("h1", "Can I talk to a human please?", conversationId));
      assertThat(handoff.getString("message")).startsWith("I'm passing you to a member of our team");
      assertThat(handoff.getJsonObject("metadata").getBoolean("handoff")).isTrue();
      List<JsonObject> events = ws.take(4, 10);
      assertThat(types(events)).containsExactly("message:new", "message:new", "message:new", "conversation:updated");
      assertThat(events.get(2).getJsonObject("data").getString("role")).isEqualTo("system");
      assertThat(events.get(3).getJsonObject("data").getBoolean("aiEnabled")).isFalse();

      // from now on no AI reply: the message reaches the dashboard, the visitor gets the handoff answer
      JsonObject waiting = ok(chat("h1", "Hello? What are your prices?", conversationId));
      assertThat(waiting.getValue("message")).isNull();
      assertThat(waiting.getJsonObject("metadata")).isEqualTo(new JsonObject().put("handoff", true));
      assertThat(types(ws.take(1, 10))).containsExactly("message:new");
      assertThat(ws.quietFor(300)).isEmpty();

      // an agent gives it back: the assistant answers again
      assertSuccess(dashboard.patch("/api/conversations/" + conversationId, tenant.ownerJwt(),
          new JsonObject().put("aiEnabled", true)), 200);
      JsonObject back = ok(chat("h1", "Hello again", conversationId));
      assertThat(back.getString("message")).isNotNull();
      assertThat(back.getJsonObject("metadata").getString("model")).isEqualTo("local-assistant");
    }
  }

  @Test
  void aQuestionNobodyCanAnswerWithNobodyOnlineGetsAFollowUpOfferAndTheAssistantStaysOn() {
    JsonObject reply = ok(chat("h2", "Do you ship to Mars?", null));
    assertThat(reply.getString("message")).contains("don't have information about that")
        .contains("leave your email address or phone number");
    assertThat(reply.getJsonObject("metadata").containsKey("handoff")).isFalse();
    JsonObject conversation = assertSuccess(dashboard.get("/api/conversations/" + reply.getString("conversationId"),
        tenant.ownerJwt()), 200).getJsonObject("conversation");
    assertThat(conversation.getBoolean("aiEnabled")).isTrue();
  }

  @Test
  void aConversationIsQualifiedOnceWhenTheRequiredFieldsAreKnown() {
    // the default assistant requires name and email
    try (WsClient ws = WsClient.authenticated(server.port(), tenant.ownerJwt(), null)) {
      String conversationId = ok(chat("q1", "Hi, my name is ann lee", null)).getString("conversationId");
      List<JsonObject> first = ws.take(4, 10);
      assertThat(types(first)).containsExactly("conversation:new", "message:new", "conversation:updated",
          "message:new");
      assertThat(first.get(2).getJsonObject("data").getJsonObject("contact_data"))
          .isEqualTo(new JsonObject().put("name", "Ann Lee"));
      assertThat(first.get(2).getJsonObject("data").getBoolean("qualified")).isFalse();

      ok(chat("q1", "my email is Ann@Example.com", conversationId));
      List<JsonObject> second = ws.take(4, 10);
      assertThat(types(second)).containsExactly("message:new", "conversation:updated", "conversation:qualified",
          "message:new");
      JsonObject qualified = second.get(2).getJsonObject("data");
      assertThat(qualified.getBoolean("qualified")).isTrue();
      assertThat(qualified.getJsonObject("contact_data"))
          .isEqualTo(new JsonObject().put("name", "Ann Lee").put("email", "ann@example.com"));

      // more details update the contact, but the conversation is not qualified a second time
      ok(chat("q1", "and my phone is (416) 555-0199", conversationId));
      List<JsonObject> third = ws.take(3, 10);
      assertThat(types(third)).containsExactly("message:new", "conversation:updated", "message:new");
      assertThat(third.get(1).getJsonObject("data").getJsonObject("contact_data").getString("phone"))
          .isEqualTo("+14165550199");
      ok(chat("q1", "my email is ann@example.com", conversationId));
      assertThat(types(ws.take(2, 10))).containsExactly("message:new", "message:new");
      assertThat(ws.quietFor(300)).isEmpty();

      JsonObject list = assertSuccess(dashboard.get("/api/conversations?qualified=true", tenant.ownerJwt()), 200);
      assertThat(list.getJsonArray("items")).hasSize(1);
      JsonObject summary = assertSuccess(dashboard.get("/api/analytics/summary", tenant.ownerJwt()), 200);
      assertThat(summary.getLong("qualified")).isEqualTo(1L);
    }
  }

  @Test
  void anAssistantWithoutRequiredFieldsNeverQualifies() {
    String assistant = tenant.defaultAssistantId();
    JsonObject body = assertSuccess(dashboard.get("/api/assistants/" + assistant, tenant.ownerJwt()), 200)
        .getJsonObject("assistant");
    body.put("qualification", new JsonObject().put("requiredFields", new JsonArray()));
    assertSuccess(dashboard.put("/api/assistants/" + assistant, tenant.ownerJwt(), body), 200);
    String conversationId = ok(chat("q2", "my name is Bo, bo@example.com", null)).getString("conversationId");
    JsonObject conversation = assertSuccess(dashboard.get("/api/conversations/" + conversationId, tenant.ownerJwt()),
        200).getJsonObject("conversation");
    assertThat(conversation.getJsonObject("contact_data").getString("email")).isEqualTo("bo@example.com");
    assertThat(conversation.getBoolean("qualified")).isFalse();
  }
}
