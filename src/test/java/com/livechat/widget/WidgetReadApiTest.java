package com.livechat.widget;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the embedded widget reads besides Part 1: GET /api/widgets/:id/assistant (the assistant it
 * shows) and GET /api/widgets/:id/messages (a conversation of its session, to show it again after
 * a page load), over real HTTP, with the widget checks and CORS of every widget endpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WidgetReadApiTest {

  private LiveChatServer server;
  private Api api;
  private String widgetId;
  private String auth;
  private String jwt;
  private String company;
  private int seq;

  @BeforeAll
  void startServer() {
    server = TestServer.start();
    api = new Api(server.port());
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @BeforeEach
  void newTenant() {
    String email = "reader" + (++seq) + "@widget.test";
    JsonObject signup = api.signup(email);
    widgetId = signup.getJsonObject("tenant").getString("id");
    auth = bearer(signup.getJsonObject("tenant").getString("widgetToken"));
    jwt = signup.getString("token");
    company = "Acme " + email;
  }

  private String path(String endpoint) {
    return "/api/widgets/" + widgetId + endpoint;
  }

  private static void assertError(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.json().getBoolean("success")).isFalse();
    assertThat(r.errorCode()).isEqualTo(code);
    assertThat(r.json().getJsonObject("error").getString("message")).isNotBlank();
  }

  private String chat(String session, String message, String conversationId) {
    Api.Response r = api.post(path("/chat"), new JsonObject().put("sessionId", session).put("message", message)
        .put("conversationId", conversationId), "Authorization", auth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getString("conversationId");
  }

  private String defaultAssistantId() {
    return api.get(path("/config"), "Authorization", auth).json().getJsonObject("config").getString("assistantId");
  }

  private void givePhoneNumbers(String assistantId, String... numbers) {
    JsonObject assistant = api.get("/api/assistants/" + assistantId, "Authorization", bearer(jwt)).json()
        .getJsonObject("assistant");
    Api.Response put = api.method("PUT", "/api/assistants/" + assistantId,
        assistant.put("phoneNumbers", new JsonArray(List.of((Object[]) numbers))).encode(),
        "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(put.status()).as(put.text()).isEqualTo(200);
  }

  /** Numbers are unique across assistants. */
  private static String uniqueNumber() {
    return "+4420" + String.format("%08d", Math.floorMod(System.nanoTime(), 100_000_000L));
  }

  private Api.Response messages(String query, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = auth;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return api.get(path("/messages?" + query), all);
  }

  // ---- GET /assistant -----------------------------------------------------------------------

  @Test
  void theAssistantIsTheWidgetsWithItsNameAndGreetingAndNoVoice() {
    Api.Response r = api.get(path("/assistant"), "Authorization", auth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().fieldNames()).containsExactlyInAnyOrder("success", "assistant");
    JsonObject assistant = r.json().getJsonObject("assistant");
    assertThat(assistant.fieldNames()).containsExactlyInAnyOrder("id", "name", "greeting", "voice");
    assertThat(assistant.getString("id")).isEqualTo(defaultAssistantId());
    assertThat(assistant.getString("name")).isEqualTo(company + " Assistant");
    assertThat(assistant.getString("greeting")).isEqualTo("Hi! Welcome to " + company + ". How can I help you today?");
    assertThat(assistant.getBoolean("voice")).isFalse();
  }

  @Test
  void anAssistantWithPhoneNumbersHasVoiceAndABlankGreetingIsNull() {
    String assistantId = defaultAssistantId();
    givePhoneNumbers(assistantId, uniqueNumber());
    JsonObject before = api.get("/api/assistants/" + assistantId, "Authorization", bearer(jwt)).json()
        .getJsonObject("assistant");
    assertThat(api.method("PUT", "/api/assistants/" + assistantId, before.put("greeting", "  ").encode(),
        "Authorization", bearer(jwt), "Content-Type", "application/json").status()).isEqualTo(200);
    JsonObject assistant = api.get(path("/assistant"), "Authorization", auth).json().getJsonObject("assistant");
    assertThat(assistant.getBoolean("voice")).isTrue();
    assertThat(assistant.getValue("greeting")).isNull();
  }

  @Test
  void anAssistantIsChosenAsChatChoosesIt() {
    Api.Response created = api.post("/api/assistants", new JsonObject().put("name", "Sales")
        .put("instructions", "Sell.").put("greeting", "Want a quote?"), "Authorization", bearer(jwt));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String salesId = created.json().getJsonObject("assistant").getString("id");
    JsonObject sales = api.get(path("/assistant?assistantId=" + salesId), "Authorization", auth).json()
        .getJsonObject("assistant");
    assertThat(sales.getString("name")).isEqualTo("Sales");
    assertThat(sales.getString("greeting")).isEqualTo("Want a quote?");
    // an empty ?assistantId= is none given
    assertThat(api.get(path("/assistant?assistantId="), "Authorization", auth).json().getJsonObject("assistant")
        .getString("id")).isEqualTo(defaultAssistantId());

    assertError(api.get(path("/assistant?assistantId=asst-unknown"), "Authorization", auth), 404,
        "assistant_not_found");
    assertError(api.get(path("/assistant?assistantId=" + "x".repeat(200)), "Authorization", auth), 404,
        "assistant_not_found");
    JsonObject other = api.signup("other-asst" + seq + "@widget.test");
    String othersAssistant = api.get("/api/tenant", "Authorization", bearer(other.getString("token"))).json()
        .getJsonObject("tenant").getJsonObject("config").getString("assistantId");
    assertError(api.get(path("/assistant?assistantId=" + othersAssistant), "Authorization", auth), 404,
        "assistant_not_found");
  }

  @Test
  void aWidgetWithoutAssistantIs400() {
    // the widget's assistant deleted: the config no longer names one
    Api.Response deleted = api.method("DELETE", "/api/assistants/" + defaultAssistantId(), null,
        "Authorization", bearer(jwt));
    assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
    assertError(api.get(path("/assistant"), "Authorization", auth), 400, "no_assistant_configured");
  }

  // ---- the widget checks and CORS of both reads ------------------------------------------------

  @Test
  void bothReadsAnswerTheWidgetChecksInOrderAndCors() {
    String conversationId = chat("s1", "Hello", null);
    for (String endpoint : new String[] {"/assistant", "/messages?sessionId=s1&conversationId=" + conversationId}) {
      assertError(api.get("/api/widgets/tnt-nope" + endpoint), 404, "widget_not_found");
      assertError(api.get(path(endpoint)), 401, "invalid_widget_token");
      assertError(api.get(path(endpoint), "Authorization", "Bearer wt_wrong"), 401, "invalid_widget_token");

      Api.Response cors = api.get(path(endpoint), "Authorization", auth, "Origin", "https://shop.example");
      assertThat(cors.status()).as(cors.text()).isEqualTo(200);
      assertThat(cors.header("access-control-allow-origin")).isEqualTo("https://shop.example");
      assertThat(cors.header("vary")).containsIgnoringCase("origin");

      Api.Response preflight = api.method("OPTIONS", path(endpoint.replaceAll("\\?.*", "")), null,
          "Origin", "https://shop.example", "Access-Control-Request-Method", "GET");
      assertThat(preflight.status()).isEqualTo(204);
      assertThat(preflight.header("access-control-allow-methods")).contains("GET");
    }
    TestServer.sql(server, "UPDATE tenants SET allowed_origins = $2 WHERE id = $1", widgetId,
        new String[] {"https://shop.example"});
    server.wiring().widgets().invalidate(widgetId);
    assertError(api.get(path("/assistant"), "Authorization", auth, "Origin", "https://evil.example"), 403,
        "origin_not_allowed");
    assertError(messages("sessionId=s1&conversationId=" + conversationId, "Origin", "https://evil.example"), 403,
        "origin_not_allowed");
  }

  // ---- GET /messages ------------------------------------------------------------------------

  @Test
  void theMessagesOfTheSessionsConversationComeOldestFirstWithItsState() {
    String conversationId = chat("s1", "Hello", null);
    chat("s1", "Hi", conversationId);
    Api.Response r = messages("sessionId=s1&conversationId=" + conversationId);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonObject body = r.json();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("success", "conversation", "items", "nextCursor");
    assertThat(body.getJsonObject("conversation")).isEqualTo(new JsonObject().put("id", conversationId)
        .put("status", "open").put("aiEnabled", true).put("channel", "chat"));
    JsonArray items = body.getJsonArray("items");
    assertThat(items).hasSize(4);
    assertThat(items.stream().map(m -> ((JsonObject) m).getString("role")).toList())
        .containsExactly("visitor", "assistant", "visitor", "assistant");
    JsonObject first = items.getJsonObject(0);
    assertThat(first.fieldNames()).containsExactlyInAnyOrder("id", "conversationId", "role", "content", "createdAt",
        "metadata");
    assertThat(first.getString("content")).isEqualTo("Hello");
    assertThat(first.getString("conversationId")).isEqualTo(conversationId);
    assertThat(body.getValue("nextCursor")).isNull();

    // the same items as the dashboard reads
    JsonArray dashboard = api.get("/api/conversations/" + conversationId + "/messages", "Authorization", bearer(jwt))
        .json().getJsonArray("items");
    assertThat(items).isEqualTo(dashboard);
  }

  @Test
  void anAgentsReplyAndTheHandoverShowInTheRead() {
    String conversationId = chat("s1", "Hello", null);
    Api.Response agent = api.post("/api/conversations/" + conversationId + "/messages",
        new JsonObject().put("content", "Hi, Sam here."), "Authorization", bearer(jwt));
    assertThat(agent.status()).as(agent.text()).isEqualTo(201);
    JsonObject body = messages("sessionId=s1&conversationId=" + conversationId).json();
    assertThat(body.getJsonObject("conversation").getBoolean("aiEnabled")).isFalse();
    JsonArray items = body.getJsonArray("items");
    assertThat(items.getJsonObject(items.size() - 1).getString("role")).isEqualTo("agent");
    assertThat(items.getJsonObject(items.size() - 1).getString("content")).isEqualTo("Hi, Sam here.");
  }

  @Test
  void pagesFollowEachOtherAfterAMessageId() {
    String conversationId = chat("s1", "Hello", null);
    chat("s1", "Hey", conversationId);
    String query = "sessionId=s1&conversationId=" + conversationId;
    Api.Response first = messages(query + "&limit=3");
    assertThat(first.json().getJsonArray("items")).hasSize(3);
    String cursor = first.json().getString("nextCursor");
    assertThat(cursor).isEqualTo(first.json().getJsonArray("items").getJsonObject(2).getString("id"));
    Api.Response rest = messages(query + "&limit=3&after=" + cursor);
    assertThat(rest.json().getJsonArray("items")).hasSize(1);
    assertThat(rest.json().getValue("nextCursor")).isNull();
    assertThat(rest.json().getJsonArray("items").getJsonObject(0).getString("role")).isEqualTo("assistant");
    // after the last one: nothing new yet (what a widget polls with)
    String last = rest.json().getJsonArray("items").getJsonObject(0).getString("id");
    assertThat(messages(query + "&after=" + last).json().getJsonArray("items")).isEmpty();
  }

  @Test
  void theLimitIsOneTo200AndAfterMustBeAMessageOfTheConversation() {
    String conversationId = chat("s1", "Hello", null);
    String other = chat("s1", "Another conversation", null);
    String otherMessage = messages("sessionId=s1&conversationId=" + other).json().getJsonArray("items")
        .getJsonObject(0).getString("id");
    String query = "sessionId=s1&conversationId=" + conversationId;
    for (String limit : new String[] {"0", "201", "-1", "abc", "1.5"}) {
      assertError(messages(query + "&limit=" + limit), 400, "invalid_limit");
    }
    assertThat(messages(query + "&limit=1").status()).isEqualTo(200);
    assertThat(messages(query + "&limit=200").status()).isEqualTo(200);
    assertError(messages(query + "&after=msg-unknown"), 400, "invalid_after");
    assertError(messages(query + "&after=" + otherMessage), 400, "invalid_after");
    assertError(messages(query + "&after=" + "m".repeat(129)), 400, "invalid_after");
    assertThat(messages(query + "&after=").status()).isEqualTo(200);
  }

  @Test
  void theSessionAndConversationAreRequiredAndValid() {
    String conversationId = chat("s1", "Hello", null);
    assertError(messages("conversationId=" + conversationId), 400, "invalid_session_id");
    assertError(messages("sessionId=bad%20id&conversationId=" + conversationId), 400, "invalid_session_id");
    assertError(messages("sessionId=" + "s".repeat(129) + "&conversationId=" + conversationId), 400,
        "invalid_session_id");
    assertError(messages("sessionId=s1"), 400, "invalid_conversation_id");
    assertError(messages("sessionId=s1&conversationId="), 400, "invalid_conversation_id");
  }

  @Test
  void aConversationOfAnotherSessionOrTenantIsNotFound() {
    String conversationId = chat("s1", "Hello", null);
    assertError(messages("sessionId=s2&conversationId=" + conversationId), 404, "conversation_not_found");
    assertError(messages("sessionId=s1&conversationId=conv-unknown"), 404, "conversation_not_found");
    assertError(messages("sessionId=s1&conversationId=" + "c".repeat(200)), 404, "conversation_not_found");
    JsonObject other = api.signup("foreign-reader" + seq + "@widget.test").getJsonObject("tenant");
    assertError(api.get("/api/widgets/" + other.getString("id") + "/messages?sessionId=s1&conversationId="
        + conversationId, "Authorization", bearer(other.getString("widgetToken"))), 404, "conversation_not_found");
  }

  @Test
  void aVoiceConversationIsTheSessionsOwnToo() {
    givePhoneNumbers(defaultAssistantId(), uniqueNumber());
    Api.Response voice = api.post(path("/voice/start"), new JsonObject().put("sessionId", "s1"), "Authorization", auth);
    assertThat(voice.status()).as(voice.text()).isEqualTo(200);
    String conversationId = voice.json().getString("conversationId");
    Api.Response own = messages("sessionId=s1&conversationId=" + conversationId);
    assertThat(own.status()).as(own.text()).isEqualTo(200);
    assertThat(own.json().getJsonObject("conversation").getString("channel")).isEqualTo("voice");
    assertThat(own.json().getJsonArray("items")).isEmpty();
    assertError(messages("sessionId=s2&conversationId=" + conversationId), 404, "conversation_not_found");
  }
}
