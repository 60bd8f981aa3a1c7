package com.livechat.widget;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.bus.Addresses;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** shared/API.md Part 1, over real HTTP against a deployed node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WidgetApiTest {

  private LiveChatServer server;
  private Api api;
  private String widgetId;
  private String token;
  private String auth;
  private int seq;

  @BeforeAll
  void startServer() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    // metricsAreInPrometheusTextFormat reads /metrics without an operator key
    config.getJsonObject("metrics").put("access", "public");
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @BeforeEach
  void newTenant() {
    JsonObject signup = api.signup("owner" + (++seq) + "@widget.test");
    widgetId = signup.getJsonObject("tenant").getString("id");
    token = signup.getJsonObject("tenant").getString("widgetToken");
    auth = bearer(token);
  }

  private String path(String endpoint) {
    return "/api/widgets/" + widgetId + endpoint;
  }

  private JsonObject chatBody(String session, String message) {
    return new JsonObject().put("sessionId", session).put("message", message);
  }

  private static void assertError(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getJsonObject("error").getString("code")).isEqualTo(code);
    assertThat(body.getJsonObject("error").getString("message")).isNotBlank();
    assertThat(r.header("content-type")).startsWith("application/json");
  }

  // ---- config ---------------------------------------------------------------------------

  @Test
  void configAnswersTheDefaultWidgetConfigWithAnEtag() {
    Api.Response r = api.get(path("/config"), "Authorization", auth);
    assertThat(r.status()).isEqualTo(200);
    JsonObject config = r.json().getJsonObject("config");
    assertThat(r.json().getBoolean("success")).isTrue();
    assertThat(config.getString("name")).startsWith("Acme");
    assertThat(config.getString("assistantId")).startsWith("asst-");
    assertThat(config.getJsonObject("widget")).isEqualTo(
        new JsonObject().put("primaryColor", "#3B82F6").put("position", "bottom-right"));
    assertThat(config.getJsonObject("branding")).isNotNull();
    assertThat(r.header("etag")).matches("\"[0-9a-f]{32}\"");
  }

  @Test
  void configAnswers304ForAMatchingEtagAnd200ForAStaleOne() {
    String etag = api.get(path("/config"), "Authorization", auth).header("etag");
    Api.Response same = api.get(path("/config"), "Authorization", auth, "If-None-Match", etag);
    assertThat(same.status()).isEqualTo(304);
    assertThat(same.text()).isEmpty();
    assertThat(same.header("etag")).isEqualTo(etag);
    Api.Response stale = api.get(path("/config"), "Authorization", auth, "If-None-Match", "\"0000\"");
    assertThat(stale.status()).isEqualTo(200);
  }

  @Test
  void configEtagChangesWhenTheConfigChanges() {
    String before = api.get(path("/config"), "Authorization", auth).header("etag");
    TestServer.sql(server, "UPDATE tenants SET widget_config = jsonb_set(widget_config, '{name}', '\"Renamed\"') WHERE id = $1",
        widgetId);
    tenantChanged();
    Api.Response after = api.get(path("/config"), "Authorization", auth, "If-None-Match", before);
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.json().getJsonObject("config").getString("name")).isEqualTo("Renamed");
    assertThat(after.header("etag")).isNotEqualTo(before);
  }

  // ---- authentication order -------------------------------------------------------------

  @Test
  void unknownWidgetIs404EvenWithoutAToken() {
    for (String endpoint : new String[] {"/config", "/chat", "/track", "/voice/start"}) {
      Api.Response r = endpoint.equals("/config")
          ? api.get("/api/widgets/tnt-doesnotexist" + endpoint)
          : api.post("/api/widgets/tnt-doesnotexist" + endpoint, chatBody("s", "hi"));
      assertError(r, 404, "widget_not_found");
    }
  }

  @Test
  void missingOrWrongTokenIs401OnEveryEndpoint() {
    for (String endpoint : new String[] {"/chat", "/track", "/voice/start"}) {
      assertError(api.post(path(endpoint), chatBody("s", "hi")), 401, "invalid_widget_token");
      assertError(api.post(path(endpoint), chatBody("s", "hi"), "Authorization", "Bearer wt_wrong"), 401,
          "invalid_widget_token");
    }
    assertError(api.get(path("/config")), 401, "invalid_widget_token");
    assertError(api.get(path("/config"), "Authorization", "Basic abc"), 401, "invalid_widget_token");
  }

  @Test
  void anotherTenantsTokenIsRefused() {
    String otherToken = api.signup("other" + seq + "@widget.test").getJsonObject("tenant").getString("widgetToken");
    assertError(api.get(path("/config"), "Authorization", bearer(otherToken)), 401, "invalid_widget_token");
    assertError(api.post(path("/chat"), chatBody("s", "hi"), "Authorization", bearer(otherToken)), 401,
        "invalid_widget_token");
  }

  @Test
  void aTokenPastItsExpiryIsRefused() {
    TestServer.sql(server, "UPDATE widget_tokens SET expires_at = now() - interval '1 second' WHERE tenant_id = $1",
        widgetId);
    tenantChanged();
    assertError(api.get(path("/config"), "Authorization", auth), 401, "invalid_widget_token");
  }

  // ---- CORS -----------------------------------------------------------------------------

  @Test
  void preflightIsAnsweredForAnyOriginByDefault() {
    Api.Response r = api.method("OPTIONS", path("/chat"), null, "Origin", "https://shop.example",
        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type");
    assertThat(r.status()).isEqualTo(204);
    assertThat(r.header("access-control-allow-origin")).isEqualTo("https://shop.example");
    assertThat(r.header("access-control-allow-methods")).contains("POST");
    assertThat(r.header("access-control-allow-headers")).containsIgnoringCase("authorization");
    Api.Response get = api.get(path("/config"), "Authorization", auth, "Origin", "https://shop.example");
    assertThat(get.header("access-control-allow-origin")).isEqualTo("https://shop.example");
    assertThat(get.header("access-control-expose-headers")).contains("ETag");
  }

  @Test
  void originsOutsideANonEmptyAllowListAre403() {
    TestServer.sql(server, "UPDATE tenants SET allowed_origins = $2 WHERE id = $1", widgetId,
        new String[] {"https://shop.example"});
    tenantChanged();

    assertError(api.method("OPTIONS", path("/chat"), null, "Origin", "https://evil.example",
        "Access-Control-Request-Method", "POST"), 403, "origin_not_allowed");
    assertError(api.post(path("/chat"), chatBody("s", "hi"), "Authorization", auth, "Origin", "https://evil.example"),
        403, "origin_not_allowed");
    assertThat(api.method("OPTIONS", path("/chat"), null, "Origin", "https://shop.example",
        "Access-Control-Request-Method", "POST").status()).isEqualTo(204);
    assertThat(api.get(path("/config"), "Authorization", auth, "Origin", "https://shop.example").status())
        .isEqualTo(200);
    // server to server: no Origin, no restriction
    assertThat(api.get(path("/config"), "Authorization", auth).status()).isEqualTo(200);
  }

  @Test
  void preflightOfAnUnknownWidgetIs404() {
    assertError(api.method("OPTIONS", "/api/widgets/tnt-nope/chat", null, "Origin", "https://a.example",
        "Access-Control-Request-Method", "POST"), 404, "widget_not_found");
  }

  // ---- chat -----------------------------------------------------------------------------

  @Test
  void chatCreatesAConversationAndAnswersWithModelAndTokens() {
    Api.Response r = api.post(path("/chat"), chatBody("session_abc123", "Hello!"), "Authorization", auth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getString("conversationId")).startsWith("conv-");
    assertThat(body.getString("message")).isNotBlank();
    assertThat(body.getJsonObject("metadata").getString("model")).isEqualTo("local-assistant");
    assertThat(body.getJsonObject("metadata").getInteger("tokens")).isPositive();

    Row conversation = TestServer.sql(server,
        "SELECT tenant_id, session_id, channel, status, ai_enabled FROM conversations WHERE id = $1",
        body.getString("conversationId")).iterator().next();
    assertThat(conversation.getString("tenant_id")).isEqualTo(widgetId);
    assertThat(conversation.getString("session_id")).isEqualTo("session_abc123");
    assertThat(conversation.getString("channel")).isEqualTo("chat");
    var roles = TestServer.sql(server, "SELECT role, content FROM messages WHERE conversation_id = $1 ORDER BY seq",
        body.getString("conversationId"));
    assertThat(roles.size()).isEqualTo(2);
    var it = roles.iterator();
    Row visitor = it.next();
    assertThat(visitor.getString("role")).isEqualTo("visitor");
    assertThat(visitor.getString("content")).isEqualTo("Hello!");
    assertThat(it.next().getString("role")).isEqualTo("assistant");
  }

  @Test
  void chatContinuesAConversationOfTheSameSession() {
    String conversationId = api.post(path("/chat"), chatBody("s1", "Hello"), "Authorization", auth)
        .json().getString("conversationId");
    Api.Response next = api.post(path("/chat"), chatBody("s1", "Another question").put("conversationId", conversationId),
        "Authorization", auth);
    assertThat(next.status()).isEqualTo(200);
    assertThat(next.json().getString("conversationId")).isEqualTo(conversationId);
    assertThat(TestServer.sql(server, "SELECT count(*) FROM messages WHERE conversation_id = $1 AND role = 'visitor'",
        conversationId).iterator().next().getLong(0)).isEqualTo(2);
  }

  @Test
  void chatWithAnUnknownOrForeignConversationIs404() {
    String conversationId = api.post(path("/chat"), chatBody("s1", "Hello"), "Authorization", auth)
        .json().getString("conversationId");
    assertError(api.post(path("/chat"), chatBody("s1", "x").put("conversationId", "conv-unknown"), "Authorization", auth),
        404, "conversation_not_found");
    // another session of the same widget cannot write into it
    assertError(api.post(path("/chat"), chatBody("s2", "x").put("conversationId", conversationId), "Authorization", auth),
        404, "conversation_not_found");
    // nor can another tenant, even with the right session id
    JsonObject other = api.signup("foreign" + seq + "@widget.test").getJsonObject("tenant");
    assertError(api.post("/api/widgets/" + other.getString("id") + "/chat",
        chatBody("s1", "x").put("conversationId", conversationId), "Authorization",
        bearer(other.getString("widgetToken"))), 404, "conversation_not_found");
  }

  @Test
  void chatValidatesEveryField() {
    assertError(api.post(path("/chat"), new JsonObject().put("message", "hi"), "Authorization", auth), 400,
        "invalid_session_id");
    assertError(api.post(path("/chat"), chatBody("bad id!", "hi"), "Authorization", auth), 400, "invalid_session_id");
    assertError(api.post(path("/chat"), chatBody("s".repeat(129), "hi"), "Authorization", auth), 400,
        "invalid_session_id");
    assertThat(api.post(path("/chat"), chatBody("s".repeat(128), "hi"), "Authorization", auth).status()).isEqualTo(200);
    assertError(api.post(path("/chat"), new JsonObject().put("sessionId", 42).put("message", "hi"), "Authorization",
        auth), 400, "invalid_session_id");
    assertError(api.post(path("/chat"), new JsonObject().put("sessionId", "s"), "Authorization", auth), 400,
        "invalid_message");
    assertError(api.post(path("/chat"), chatBody("s", "   "), "Authorization", auth), 400, "invalid_message");
    assertError(api.post(path("/chat"), chatBody("s", "x".repeat(4001)), "Authorization", auth), 400,
        "invalid_message");
    assertThat(api.post(path("/chat"), chatBody("s", "  " + "x".repeat(4000) + "  "), "Authorization", auth).status())
        .isEqualTo(200);
    assertError(api.post(path("/chat"), chatBody("s", "hi").put("assistantId", 7), "Authorization", auth), 400,
        "invalid_assistant_id");
    assertError(api.post(path("/chat"), chatBody("s", "hi").put("conversationId", true), "Authorization", auth), 400,
        "invalid_conversation_id");
  }

  @Test
  void chatWithAnUnknownAssistantIs404AndWithoutAnyAssistantIs400() {
    assertError(api.post(path("/chat"), chatBody("s", "hi").put("assistantId", "asst-nope"), "Authorization", auth),
        404, "assistant_not_found");
    TestServer.sql(server, "UPDATE tenants SET widget_config = widget_config - 'assistantId' WHERE id = $1", widgetId);
    tenantChanged();
    assertError(api.post(path("/chat"), chatBody("s", "hi"), "Authorization", auth), 400, "no_assistant_configured");
  }

  @Test
  void anotherTenantsAssistantIsNotFound() {
    JsonObject other = api.signup("asst" + seq + "@widget.test").getJsonObject("tenant");
    String otherAssistant = api.get("/api/widgets/" + other.getString("id") + "/config", "Authorization",
        bearer(other.getString("widgetToken"))).json().getJsonObject("config").getString("assistantId");
    assertError(api.post(path("/chat"), chatBody("s", "hi").put("assistantId", otherAssistant), "Authorization", auth),
        404, "assistant_not_found");
  }

  @Test
  void afterAHumanTakesOverTheVisitorMessageIsStoredAndNoAiReplyIsMade() {
    String conversationId = api.post(path("/chat"), chatBody("s1", "Hello"), "Authorization", auth)
        .json().getString("conversationId");
    TestServer.sql(server, "UPDATE conversations SET ai_enabled = false WHERE id = $1", conversationId);
    Api.Response r = api.post(path("/chat"), chatBody("s1", "Are you there?").put("conversationId", conversationId),
        "Authorization", auth);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json()).isEqualTo(new JsonObject().put("success", true).put("conversationId", conversationId)
        .putNull("message").put("metadata", new JsonObject().put("handoff", true)));
    var last = TestServer.sql(server,
        "SELECT role, content FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1", conversationId)
        .iterator().next();
    assertThat(last.getString("role")).isEqualTo("visitor");
    assertThat(last.getString("content")).isEqualTo("Are you there?");
  }

  @Test
  void eachAcceptedChatCountsAsOneMessageOfUsage() {
    api.post(path("/chat"), chatBody("s1", "Hello"), "Authorization", auth);
    api.post(path("/chat"), chatBody("s1", "Hello again"), "Authorization", auth);
    Row usage = TestServer.sql(server, "SELECT messages, tokens FROM usage WHERE tenant_id = $1", widgetId)
        .iterator().next();
    assertThat(usage.getLong("messages")).isEqualTo(2);
    assertThat(usage.getLong("tokens")).isPositive();
  }

  // ---- track ----------------------------------------------------------------------------

  @Test
  void trackStoresTheEventBeforeAnswering() {
    Api.Response r = api.post(path("/track"), new JsonObject().put("sessionId", "s1").put("event", "widget_opened")
        .put("timestamp", "2024-01-15T10:00:00Z").put("metadata", new JsonObject().put("source", "landing_page")),
        "Authorization", auth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json()).isEqualTo(new JsonObject().put("success", true));
    Row row = TestServer.sql(server,
        "SELECT session_id, event, occurred_at, metadata FROM tracked_events WHERE tenant_id = $1", widgetId)
        .iterator().next();
    assertThat(row.getString("session_id")).isEqualTo("s1");
    assertThat(row.getString("event")).isEqualTo("widget_opened");
    assertThat(row.getOffsetDateTime("occurred_at").toInstant().toString()).isEqualTo("2024-01-15T10:00:00Z");
    assertThat(row.getJsonObject("metadata")).isEqualTo(new JsonObject().put("source", "landing_page"));
  }

  @Test
  void trackDefaultsTheTimestampToServerTime() {
    assertThat(api.post(path("/track"), new JsonObject().put("sessionId", "s1").put("event", "page:view"),
        "Authorization", auth).status()).isEqualTo(200);
    Row row = TestServer.sql(server,
        "SELECT now() - occurred_at < interval '1 minute' AS recent, metadata FROM tracked_events WHERE tenant_id = $1",
        widgetId).iterator().next();
    assertThat(row.getBoolean("recent")).isTrue();
    assertThat(row.getValue("metadata")).isNull();
  }

  @Test
  void trackValidatesEveryField() {
    JsonObject ok = new JsonObject().put("sessionId", "s1").put("event", "widget_opened");
    assertError(api.post(path("/track"), ok.copy().put("sessionId", ""), "Authorization", auth), 400,
        "invalid_session_id");
    assertError(api.post(path("/track"), new JsonObject().put("sessionId", "s1"), "Authorization", auth), 400,
        "invalid_event");
    assertError(api.post(path("/track"), ok.copy().put("event", "has space"), "Authorization", auth), 400,
        "invalid_event");
    assertError(api.post(path("/track"), ok.copy().put("event", "e".repeat(65)), "Authorization", auth), 400,
        "invalid_event");
    assertError(api.post(path("/track"), ok.copy().put("timestamp", "yesterday"), "Authorization", auth), 400,
        "invalid_timestamp");
    assertError(api.post(path("/track"), ok.copy().put("timestamp", 1700000000), "Authorization", auth), 400,
        "invalid_timestamp");
    assertError(api.post(path("/track"), ok.copy().put("metadata", "text"), "Authorization", auth), 400,
        "invalid_metadata");
    assertError(api.post(path("/track"), ok.copy().put("metadata", new JsonArray().add(1)), "Authorization", auth),
        400, "invalid_metadata");
    assertError(api.post(path("/track"), ok.copy().put("metadata", new JsonObject().put("k", "v".repeat(4096))),
        "Authorization", auth), 400, "metadata_too_large");
    assertThat(api.post(path("/track"), ok.copy().put("metadata", new JsonObject().put("k", "v".repeat(4000))),
        "Authorization", auth).status()).isEqualTo(200);
    assertThat(TestServer.sql(server, "SELECT count(*) FROM tracked_events WHERE tenant_id = $1", widgetId)
        .iterator().next().getLong(0)).isEqualTo(1);
  }

  @Test
  void concurrentTrackRequestsAreAllStored() throws Exception {
    int n = 200;
    var pool = java.util.concurrent.Executors.newFixedThreadPool(32);
    try {
      var futures = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
      for (int i = 0; i < n; i++) {
        int k = i;
        futures.add(pool.submit(() -> api.post(path("/track"),
            new JsonObject().put("sessionId", "s" + k).put("event", "burst"), "Authorization", auth).status()));
      }
      for (var f : futures) {
        assertThat(f.get()).isEqualTo(200);
      }
    } finally {
      pool.shutdown();
    }
    assertThat(TestServer.sql(server, "SELECT count(DISTINCT session_id) FROM tracked_events WHERE tenant_id = $1",
        widgetId).iterator().next().getLong(0)).isEqualTo(n);
  }

  // ---- voice ----------------------------------------------------------------------------

  @Test
  void voiceStartWithoutAPhoneNumberIs400() {
    assertError(api.post(path("/voice/start"), new JsonObject().put("sessionId", "s1"), "Authorization", auth), 400,
        "voice_not_configured");
    assertThat(TestServer.sql(server, "SELECT count(*) FROM conversations WHERE tenant_id = $1", widgetId)
        .iterator().next().getLong(0)).isZero();
  }

  @Test
  void voiceStartCreatesAVoiceConversationAndReturnsTheFirstNumber() {
    String assistantId = api.get(path("/config"), "Authorization", auth).json().getJsonObject("config")
        .getString("assistantId");
    TestServer.sql(server, "UPDATE assistants SET phone_numbers = $2 WHERE id = $1", assistantId,
        new String[] {"+14165559999", "+14165550000"});
    Api.Response r = api.post(path("/voice/start"), new JsonObject().put("sessionId", "s1"), "Authorization", auth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonObject body = r.json();
    assertThat(body.getString("assistantId")).isEqualTo(assistantId);
    assertThat(body.getString("phoneNumber")).isEqualTo("+14165559999");
    Row c = TestServer.sql(server, "SELECT channel, session_id FROM conversations WHERE id = $1 AND tenant_id = $2",
        body.getString("conversationId"), widgetId).iterator().next();
    assertThat(c.getString("channel")).isEqualTo("voice");
    assertThat(c.getString("session_id")).isEqualTo("s1");
  }

  @Test
  void voiceStartValidatesItsInput() {
    assertError(api.post(path("/voice/start"), new JsonObject(), "Authorization", auth), 400, "invalid_session_id");
    assertError(api.post(path("/voice/start"), new JsonObject().put("sessionId", "s").put("assistantId", "asst-x"),
        "Authorization", auth), 404, "assistant_not_found");
  }

  // ---- malformed requests ----------------------------------------------------------------

  @Test
  void malformedBodiesAre400InTheErrorShape() {
    assertError(api.post(path("/chat"), "{not json", "Authorization", auth), 400, "invalid_json");
    assertError(api.post(path("/chat"), "[1,2]", "Authorization", auth), 400, "invalid_json");
    assertError(api.post(path("/chat"), "", "Authorization", auth), 400, "invalid_json");
    assertError(api.post(path("/chat"), "{\"sessionId\":\"s\",\"message\":\"a\\u0000b\"}", "Authorization", auth), 400,
        "invalid_json");
  }

  @Test
  void bodiesOver64KiBAre413() {
    String big = new JsonObject().put("sessionId", "s").put("event", "e")
        .put("metadata", new JsonObject().put("k", "x".repeat(70_000))).encode();
    assertError(api.post(path("/track"), big, "Authorization", auth), 413, "body_too_large");
  }

  @Test
  void unknownRoutesAre404AndWrongMethodsAre405() {
    assertError(api.get("/api/nothing-here"), 404, "not_found");
    assertError(api.method("DELETE", path("/config"), null, "Authorization", auth), 405, "method_not_allowed");
  }

  @Test
  void metricsAreInPrometheusTextFormat() {
    api.post(path("/track"), new JsonObject().put("sessionId", "s1").put("event", "metered"), "Authorization", auth);
    api.post(path("/chat"), chatBody("s1", "Hello"), "Authorization", auth);
    Api.Response r = api.get("/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/plain");
    assertThat(r.text()).contains("# TYPE livechat_tracked_events_total counter")
        .contains("livechat_chat_turns_total{outcome=\"answered\"}")
        .contains("jvm_memory_used_bytes");
    assertThat(r.text()).containsPattern("livechat_tracked_events_total [1-9]");
  }

  @Test
  void healthAndReadyAnswer200() {
    assertThat(api.get("/health").status()).isEqualTo(200);
    Api.Response ready = api.get("/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("ready");
  }

  /**
   * What the dashboard's writes do after changing a tenant: announce it on the event bus. The
   * announcement is delivered asynchronously, so the node's cache entry is also dropped here, for
   * the very next request to see the change.
   */
  private void tenantChanged() {
    server.vertx().eventBus().publish(Addresses.TENANT_CHANGED, new JsonObject().put("tenantId", widgetId));
    server.wiring().widgets().invalidate(widgetId);
  }
}
