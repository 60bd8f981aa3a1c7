package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertError;
import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.config.AppConfig;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.usage.Plans;
import com.livechat.usage.UsagePeriod;
import com.livechat.usage.UsageStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Monthly usage limits, enforced across a two-node cluster sharing one PostgreSQL, and the operator
 * endpoint that sets them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageLimitsTest {

  private static final String ADMIN_KEY = "test-operator-key-" + UUID.randomUUID();

  private LiveChatServer nodeA;
  private LiveChatServer nodeB;
  private Api apiA;
  private Api apiB;
  private Dashboard dashboard;
  private Dashboard.Tenant tenant;

  @BeforeAll
  void startCluster() {
    List<JsonObject> configs = TestServer.clusterConfigs(TestDatabase.createDatabase(), 2);
    for (JsonObject config : configs) {
      config.put("admin", new JsonObject().put("key", ADMIN_KEY));
    }
    nodeA = TestServer.start(configs.get(0));
    nodeB = TestServer.start(configs.get(1));
    apiA = new Api(nodeA.port());
    apiB = new Api(nodeB.port());
    dashboard = new Dashboard(apiA);
  }

  @AfterAll
  void stopCluster() {
    if (nodeB != null) {
      nodeB.close();
    }
    if (nodeA != null) {
      nodeA.close();
    }
  }

  @BeforeEach
  void newTenant() {
    tenant = dashboard.signup();
  }

  @Test
  void aLimitOf100HoldsExactlyFor150ConcurrentChatsOverTwoNodes() throws Exception {
    assertSuccess(setLimits(apiB, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("messagesPerMonth", 100))), 200);

    ExecutorService pool = Executors.newFixedThreadPool(150);
    List<Future<Api.Response>> sent = new ArrayList<>();
    try {
      for (int i = 0; i < 150; i++) {
        Api api = i % 2 == 0 ? apiA : apiB;
        String session = "limit-session-" + i;
        sent.add(pool.submit(() -> chat(api, session, "Hello!")));
      }
      int ok = 0;
      int limited = 0;
      for (Future<Api.Response> f : sent) {
        Api.Response r = f.get();
        if (r.status() == 200) {
          ok++;
        } else {
          assertError(r, 429, "usage_limit_exceeded");
          long retryAfter = Long.parseLong(r.header("Retry-After"));
          assertThat(retryAfter).isPositive()
              .isLessThanOrEqualTo(UsagePeriod.secondsToNextPeriod(OffsetDateTime.now(ZoneOffset.UTC)) + 5);
          limited++;
        }
      }
      assertThat(ok).isEqualTo(100);
      assertThat(limited).isEqualTo(50);
    } finally {
      pool.shutdownNow();
    }

    JsonObject usage = assertSuccess(dashboard.get("/api/usage", tenant.ownerJwt()), 200);
    assertThat(usage.getString("period")).isEqualTo(UsagePeriod.current());
    assertThat(usage.getJsonObject("usage").getLong("messages")).isEqualTo(100L);
    assertThat(usage.getJsonObject("limits").getLong("messagesPerMonth")).isEqualTo(100L);
    // a refused message was not stored: 100 conversations, one visitor message and one reply each
    assertThat(TestServer.sql(nodeA, "SELECT count(*) FROM messages WHERE tenant_id = $1 AND role = 'visitor'",
        tenant.id()).iterator().next().getLong(0)).isEqualTo(100L);
  }

  @Test
  void aRaisedLimitHoldsFromTheNextRequestOnOnEveryNode() {
    assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("messagesPerMonth", 1))), 200);
    assertThat(chat(apiA, "s1", "Hello!").status()).isEqualTo(200);
    assertError(chat(apiB, "s2", "Hello!"), 429, "usage_limit_exceeded");

    assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("messagesPerMonth", 2))), 200);
    assertThat(chat(apiB, "s2", "Hello!").status()).isEqualTo(200);
    assertError(chat(apiA, "s3", "Hello!"), 429, "usage_limit_exceeded");

    // null is unlimited
    assertSuccess(setLimits(apiB, tenant.id(), new JsonObject().put("limits",
        new JsonObject().putNull("messagesPerMonth"))), 200);
    assertThat(chat(apiA, "s3", "Hello!").status()).isEqualTo(200);
  }

  @Test
  void spentTokensStopAiRepliesButNotTheAgentsConversation() {
    assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("tokensPerMonth", 1))), 200);
    Api.Response first = chat(apiA, "tok", "Hello!");
    assertThat(first.status()).as(first.text()).isEqualTo(200);
    assertThat(first.json().getJsonObject("metadata").getInteger("tokens")).isPositive();
    assertError(chat(apiA, "tok2", "Hello again"), 429, "usage_limit_exceeded");

    // a conversation an agent has taken over needs no tokens
    String conversationId = first.json().getString("conversationId");
    assertSuccess(dashboard.post("/api/conversations/" + conversationId + "/messages", tenant.ownerJwt(),
        new JsonObject().put("content", "Hi, Sam here.")), 201);
    Api.Response toAgent = apiA.post("/api/widgets/" + tenant.id() + "/chat", new JsonObject().put("sessionId", "tok")
        .put("message", "Thanks Sam").put("conversationId", conversationId), "Authorization",
        Api.bearer(tenant.widgetToken()));
    assertThat(toAgent.status()).as(toAgent.text()).isEqualTo(200);
    assertThat(toAgent.json().getJsonObject("metadata").getBoolean("handoff")).isTrue();
  }

  @Test
  void voiceCallsAreCountedAndLimited() {
    String assistantId = tenant.defaultAssistantId();
    JsonObject assistant = assertSuccess(dashboard.get("/api/assistants/" + assistantId, tenant.ownerJwt()), 200)
        .getJsonObject("assistant");
    assistant.put("phoneNumbers", new JsonArray().add("+1416555" + String.format("%04d", (int) (Math.random() * 10000))));
    assertSuccess(dashboard.put("/api/assistants/" + assistantId, tenant.ownerJwt(), assistant), 200);
    assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("voiceCallsPerMonth", 1))), 200);

    assertThat(voice(apiA, "v1").status()).isEqualTo(200);
    Api.Response second = voice(apiB, "v2");
    assertError(second, 429, "usage_limit_exceeded");
    assertThat(second.header("Retry-After")).isNotNull();
    JsonObject usage = assertSuccess(dashboard.get("/api/usage", tenant.ownerJwt()), 200);
    assertThat(usage.getJsonObject("usage").getLong("voiceCalls")).isEqualTo(1L);
  }

  @Test
  void usageReportsThePlansLimitsByDefault() {
    JsonObject usage = assertSuccess(dashboard.get("/api/usage", tenant.ownerJwt()), 200);
    assertThat(usage.getString("plan")).isEqualTo("free");
    assertThat(usage.getJsonObject("limits").getMap()).containsOnlyKeys("messagesPerMonth", "tokensPerMonth",
        "voiceCallsPerMonth", "maxConcurrentCalls");
    assertThat(usage.getJsonObject("limits").getLong("messagesPerMonth")).isEqualTo(1000L);
    assertThat(usage.getJsonObject("limits").getLong("maxConcurrentCalls")).isEqualTo(2L);
  }

  @Test
  void anOverrideOfMaxConcurrentCallsShowsInUsageAndInTheLimitLookup() {
    // what the voice code calls to cap the calls in progress
    UsageStore store = new UsageStore(nodeB.wiring().pool(), AppConfig.from(TestServer.config("")).plans());
    assertThat(store.limit(nodeB.wiring().pool(), tenant.id(), Plans.CONCURRENT_CALLS).await()).isEqualTo(2L);

    JsonObject set = assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("maxConcurrentCalls", 7))), 200);
    assertThat(set.getJsonObject("limits").getLong("maxConcurrentCalls")).isEqualTo(7L);
    assertThat(set.getJsonObject("overrides")).isEqualTo(new JsonObject().put("maxConcurrentCalls", 7L));
    JsonObject usage = assertSuccess(dashboard.get("/api/usage", tenant.ownerJwt()), 200);
    assertThat(usage.getJsonObject("limits").getLong("maxConcurrentCalls")).isEqualTo(7L);
    assertThat(usage.getJsonObject("limits").getLong("voiceCallsPerMonth")).as("the plan's").isEqualTo(50L);
    assertThat(store.limit(nodeB.wiring().pool(), tenant.id(), Plans.CONCURRENT_CALLS).await()).isEqualTo(7L);
    assertThat(store.limit(nodeB.wiring().pool(), tenant.id(), Plans.VOICE_CALLS).await()).isEqualTo(50L);

    // null is unlimited; the pro plan caps at 20
    assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().putNull("maxConcurrentCalls"))), 200);
    assertThat(dashboard.get("/api/usage", tenant.ownerJwt()).json().getJsonObject("limits")
        .getValue("maxConcurrentCalls")).isNull();
    assertThat(store.limit(nodeB.wiring().pool(), tenant.id(), Plans.CONCURRENT_CALLS).await()).isNull();
    assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("plan", "pro")), 200);
    assertThat(store.limit(nodeB.wiring().pool(), tenant.id(), Plans.CONCURRENT_CALLS).await()).isEqualTo(20L);
    assertError(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("maxConcurrentCalls", -1))), 400, "invalid_limits");
  }

  @Test
  void aPlanChangeSetsThePlansLimitsAndClearsTheOverride() {
    assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("messagesPerMonth", 5))), 200);
    JsonObject pro = assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("plan", "pro")), 200);
    assertThat(pro.getString("plan")).isEqualTo("pro");
    assertThat(pro.getJsonObject("limits").getLong("messagesPerMonth")).isEqualTo(50000L);
    assertThat(pro.getJsonObject("overrides")).isEmpty();

    JsonObject both = assertSuccess(setLimits(apiA, tenant.id(), new JsonObject().put("plan", "unlimited")
        .put("limits", new JsonObject().put("voiceCallsPerMonth", 3))), 200);
    assertThat(both.getJsonObject("limits").getValue("messagesPerMonth")).isNull();
    assertThat(both.getJsonObject("limits").getLong("voiceCallsPerMonth")).isEqualTo(3L);
    JsonObject tenantView = assertSuccess(dashboard.get("/api/tenant", tenant.ownerJwt()), 200);
    assertThat(tenantView.getJsonObject("tenant").getString("plan")).isEqualTo("unlimited");

    JsonObject read = assertSuccess(apiB.get("/api/admin/tenants/" + tenant.id() + "/limits", "Authorization",
        Api.bearer(ADMIN_KEY)), 200);
    assertThat(read.getJsonObject("limits")).isEqualTo(both.getJsonObject("limits"));
  }

  @Test
  void theOperatorEndpointRejectsBadKeysAndBadInput() {
    String path = "/api/admin/tenants/" + tenant.id() + "/limits";
    String limits = new JsonObject().put("plan", "pro").encode();
    assertError(apiA.method("PUT", path, limits, "Content-Type", "application/json"), 401, "invalid_admin_key");
    assertError(apiA.method("PUT", path, limits, "Content-Type", "application/json", "Authorization",
        "Bearer wrong"), 401, "invalid_admin_key");
    // a tenant's own dashboard token is not an operator key
    assertError(apiA.method("PUT", path, limits, "Content-Type", "application/json", "Authorization",
        Api.bearer(tenant.ownerJwt())), 401, "invalid_admin_key");

    assertError(setLimits(apiA, "tnt-nope", new JsonObject().put("plan", "pro")), 404, "tenant_not_found");
    assertError(setLimits(apiA, tenant.id(), new JsonObject().put("plan", "gold")), 400, "unknown_plan");
    assertError(setLimits(apiA, tenant.id(), new JsonObject()), 400, "invalid_request");
    assertError(setLimits(apiA, tenant.id(), new JsonObject().put("limit", 3)), 400, "invalid_field");
    for (Object bad : new Object[] {-1, 1.5, "100", 2_000_000_000_000L, new JsonObject()}) {
      assertError(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
          new JsonObject().put("messagesPerMonth", bad))), 400, "invalid_limits");
    }
    assertError(setLimits(apiA, tenant.id(), new JsonObject().put("limits",
        new JsonObject().put("seatsPerMonth", 3))), 400, "invalid_limits");
    assertError(setLimits(apiA, tenant.id(), new JsonObject().put("limits", 7)), 400, "invalid_limits");
    assertError(apiA.method("PUT", path, "{not json", "Content-Type", "application/json", "Authorization",
        Api.bearer(ADMIN_KEY)), 400, "invalid_json");
  }

  @Test
  void withoutAnOperatorKeyTheOperatorEndpointsDoNotExist() {
    LiveChatServer plain = TestServer.start();
    try {
      Api api = new Api(plain.port());
      assertError(api.method("PUT", "/api/admin/tenants/" + tenant.id() + "/limits", "{\"plan\":\"pro\"}",
          "Content-Type", "application/json", "Authorization", "Bearer anything"), 404, "not_found");
      assertError(api.get("/api/admin/tenants/" + tenant.id() + "/limits"), 404, "not_found");
    } finally {
      plain.close();
    }
  }

  private Api.Response setLimits(Api api, String tenantId, JsonObject body) {
    return api.method("PUT", "/api/admin/tenants/" + tenantId + "/limits", body.encode(),
        "Content-Type", "application/json", "Authorization", Api.bearer(ADMIN_KEY));
  }

  private Api.Response chat(Api api, String session, String message) {
    return api.post("/api/widgets/" + tenant.id() + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message), "Authorization", Api.bearer(tenant.widgetToken()));
  }

  private Api.Response voice(Api api, String session) {
    return api.post("/api/widgets/" + tenant.id() + "/voice/start", new JsonObject().put("sessionId", session),
        "Authorization", Api.bearer(tenant.widgetToken()));
  }
}
