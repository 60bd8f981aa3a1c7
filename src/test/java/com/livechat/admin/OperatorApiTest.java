package com.livechat.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A closed node: sign-up off, tenants made by the operator (POST/GET /api/admin/tenants), /metrics
 * behind the operator key; and a node without a key, whose metrics have a listener of their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorApiTest {

  private static final String KEY = "operator-key-for-the-operator-api-test";
  private static final String OPERATOR = "Bearer " + KEY;

  private LiveChatServer closed;
  private LiveChatServer keyless;
  private Api api;
  private Api keylessApi;

  @BeforeAll
  void start() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("auth").put("signupEnabled", false);
    config.getJsonObject("admin").put("key", KEY);
    config.getJsonObject("metrics").put("access", "key");
    closed = TestServer.start(config);
    api = new Api(closed.port());

    JsonObject other = TestServer.config(TestDatabase.createDatabase());
    other.getJsonObject("metrics").put("access", "port").put("host", "127.0.0.1").put("port", 0);
    keyless = TestServer.start(other);
    keylessApi = new Api(keyless.port());
  }

  @AfterAll
  void stop() {
    closed.close();
    keyless.close();
  }

  private static JsonObject tenantBody(String email) {
    return new JsonObject().put("companyName", "Closed Co " + email).put("email", email)
        .put("password", "correct horse battery");
  }

  private Api.Response create(JsonObject body) {
    return api.post("/api/admin/tenants", body, "Authorization", OPERATOR);
  }

  private static void assertError(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.json().getBoolean("success")).isFalse();
    assertThat(r.errorCode()).isEqualTo(code);
  }

  @Test
  void signupIsRefusedWhenDisabled() {
    Api.Response r = api.post("/api/auth/signup", tenantBody("visitor@example.com"));
    assertError(r, 403, "signup_disabled");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("Sign-up is closed");
    // login still answers (with its usual 401 for an unknown account)
    assertError(api.post("/api/auth/login", new JsonObject().put("email", "visitor@example.com")
        .put("password", "correct horse battery")), 401, "invalid_credentials");
  }

  @Test
  void theOperatorCreatesATenantWhoseOwnerCanLogIn() {
    Api.Response r = create(tenantBody("Owner@Closed.example").put("plan", "pro"));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.header("cache-control")).isEqualTo("no-store");
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.containsKey("token")).as("no JWT for the operator").isFalse();
    JsonObject user = body.getJsonObject("user");
    assertThat(user.getString("id")).startsWith("usr-");
    assertThat(user.getString("email")).isEqualTo("owner@closed.example");
    assertThat(user.getString("role")).isEqualTo("owner");
    JsonObject tenant = body.getJsonObject("tenant");
    String tenantId = tenant.getString("id");
    assertThat(tenantId).startsWith("tnt-");
    assertThat(tenant.getString("plan")).isEqualTo("pro");
    assertThat(tenant.getString("name")).isEqualTo("Closed Co Owner@Closed.example");

    Api.Response login = api.post("/api/auth/login", new JsonObject().put("email", "owner@closed.example")
        .put("password", "correct horse battery"));
    assertThat(login.status()).as(login.text()).isEqualTo(200);
    assertThat(login.json().getString("tenantId")).isEqualTo(tenantId);
    Api.Response mine = api.get("/api/tenant", "Authorization", Api.bearer(login.json().getString("token")));
    assertThat(mine.json().getJsonObject("tenant").getString("plan")).isEqualTo("pro");

    // the widget token works at once
    Api.Response config = api.get("/api/widgets/" + tenantId + "/config", "Authorization",
        Api.bearer(tenant.getString("widgetToken")));
    assertThat(config.status()).as(config.text()).isEqualTo(200);
  }

  @Test
  void creationFollowsTheSignupRules() {
    assertThat(create(tenantBody("dup@closed.example")).status()).isEqualTo(201);
    assertError(create(tenantBody("DUP@closed.example")), 409, "email_taken");
    assertError(create(tenantBody("short@closed.example").put("password", "short")), 400, "invalid_password");
    assertError(create(tenantBody("bad-email")), 400, "invalid_email");
    assertError(create(tenantBody("long@closed.example").put("companyName", "x".repeat(101))), 400,
        "invalid_company_name");
    assertError(create(tenantBody("plan@closed.example").put("plan", "gold")), 400, "unknown_plan");
    assertError(create(tenantBody("extra@closed.example").put("role", "admin")), 400, "invalid_field");
  }

  @Test
  void tenantsAreListedOldestFirstInPages() {
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      made.add(create(tenantBody("page" + i + "@closed.example")).json().getJsonObject("tenant").getString("id"));
    }
    List<String> seen = new ArrayList<>();
    JsonObject ownerOfFirst = null;
    String cursor = null;
    int pages = 0;
    do {
      Api.Response r = api.get("/api/admin/tenants?limit=2" + (cursor == null ? "" : "&cursor=" + cursor),
          "Authorization", OPERATOR);
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      JsonArray items = r.json().getJsonArray("items");
      assertThat(items.size()).isBetween(1, 2);
      for (int i = 0; i < items.size(); i++) {
        JsonObject t = items.getJsonObject(i);
        assertThat(t.fieldNames()).contains("id", "name", "plan", "createdAt", "ownerEmail");
        seen.add(t.getString("id"));
        if (t.getString("id").equals(made.get(0))) {
          ownerOfFirst = t;
        }
      }
      cursor = r.json().getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 100);
    assertThat(cursor).isNull();
    assertThat(seen).doesNotHaveDuplicates().containsSubsequence(made);
    assertThat(ownerOfFirst.getString("ownerEmail")).isEqualTo("page0@closed.example");
    assertThat(ownerOfFirst.getString("plan")).isEqualTo("free");

    assertError(api.get("/api/admin/tenants?limit=0", "Authorization", OPERATOR), 400, "invalid_limit");
    assertError(api.get("/api/admin/tenants?cursor=nonsense!", "Authorization", OPERATOR), 400, "invalid_cursor");
  }

  @Test
  void aMissingOrWrongKeyIs401() {
    assertError(api.get("/api/admin/tenants"), 401, "invalid_admin_key");
    assertError(api.get("/api/admin/tenants", "Authorization", "Bearer wrong"), 401, "invalid_admin_key");
    assertError(api.post("/api/admin/tenants", tenantBody("nokey@closed.example")), 401, "invalid_admin_key");
    assertError(api.post("/api/admin/tenants", tenantBody("nokey@closed.example"), "Authorization", "Bearer wrong"),
        401, "invalid_admin_key");
  }

  @Test
  void withoutAKeyTheOperatorEndpointsAre404() {
    assertError(keylessApi.get("/api/admin/tenants", "Authorization", OPERATOR), 404, "not_found");
    assertError(keylessApi.post("/api/admin/tenants", tenantBody("x@keyless.example"), "Authorization", OPERATOR),
        404, "not_found");
    // sign-up is on by default
    assertThat(keylessApi.post("/api/auth/signup", tenantBody("open@keyless.example")).status()).isEqualTo(201);
  }

  @Test
  void metricsNeedTheOperatorKeyByDefault() {
    assertError(api.get("/metrics"), 401, "invalid_admin_key");
    assertError(api.get("/metrics", "Authorization", "Bearer wrong"), 401, "invalid_admin_key");
    Api.Response r = api.get("/metrics", "Authorization", OPERATOR);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/plain");
    assertThat(r.text()).contains("jvm_memory_used_bytes");
  }

  @Test
  void metricsOnTheirOwnPortAreNotOnTheHttpPort() {
    assertError(keylessApi.get("/metrics"), 404, "not_found");
    int port = keyless.wiring().metricsPort();
    assertThat(port).isPositive().isNotEqualTo(keyless.port());
    Api metrics = new Api(port);
    Api.Response r = metrics.get("/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).contains("livechat_ws_sockets");
    assertThat(metrics.get("/api/tenant").status()).isEqualTo(404);
  }
}
