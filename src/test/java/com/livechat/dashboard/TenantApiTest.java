package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertError;
import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.auth.WidgetTokens;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

/** GET /api/tenant, PUT /api/tenant/config, POST /api/tenant/widget-token/rotate. */
class TenantApiTest extends DashboardApiTest {

  private JsonObject fullConfig() {
    return new JsonObject()
        .put("name", "Shop & Co")
        .put("assistantId", tenant.defaultAssistantId())
        .put("widget", new JsonObject().put("primaryColor", "#10b981").put("position", "bottom-left"))
        .put("branding", new JsonObject().put("logo", "https://cdn.shop.example/logo.png"))
        .put("allowedOrigins", new JsonArray().add("https://shop.example").add("http://localhost:3000"))
        .put("requireVisitorToken", false)
        .put("handoff", new JsonObject().put("mode", "auto"));
  }

  private Api.Response putConfig(Object body) {
    return dashboard.put("/api/tenant/config", tenant.ownerJwt(), body);
  }

  private Api.Response widgetConfig(String token, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = Api.bearer(token);
    System.arraycopy(headers, 0, all, 2, headers.length);
    return api.get("/api/widgets/" + tenant.id() + "/config", all);
  }

  private Api.Response rotate(Object body) {
    return dashboard.post("/api/tenant/widget-token/rotate", tenant.ownerJwt(), body);
  }

  // ---- GET /api/tenant --------------------------------------------------------------------

  @Test
  void getAnswersTheTenantWithItsWidgetConfigAndOrigins() {
    JsonObject t = assertSuccess(dashboard.get("/api/tenant", tenant.ownerJwt()), 200).getJsonObject("tenant");
    assertThat(t.fieldNames()).containsExactlyInAnyOrder("id", "name", "plan", "config", "searchLanguage");
    assertThat(t.getString("id")).isEqualTo(tenant.id());
    assertThat(t.getString("name")).startsWith("Acme ");
    assertThat(t.getString("plan")).isEqualTo("free");
    JsonObject config = t.getJsonObject("config");
    assertThat(config.getJsonArray("allowedOrigins")).isEmpty();
    assertThat(config.getBoolean("requireVisitorToken")).isFalse();
    JsonObject served = widgetConfig(tenant.widgetToken()).json().getJsonObject("config");
    // the origins and secure mode are the server's business, not part of the public config
    config.remove("allowedOrigins");
    config.remove("requireVisitorToken");
    assertThat(config.remove("handoff")).isEqualTo(new JsonObject().put("mode", "offer"));
    assertThat(config).isEqualTo(served);
  }

  // ---- PUT /api/tenant/config ------------------------------------------------------------

  @Test
  void putStoresTheConfigAndAnswersIt() {
    JsonObject body = assertSuccess(putConfig(fullConfig()), 200);
    assertThat(body.getJsonObject("config")).isEqualTo(fullConfig());
    JsonObject t = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant");
    assertThat(t.getJsonObject("config")).isEqualTo(fullConfig());
    assertThat(t.getString("name")).isEqualTo("Shop & Co");
  }

  @Test
  void putChangesTheWidgetConfigItsEtagAndTheCorsListAtOnce() {
    Api.Response before = widgetConfig(tenant.widgetToken(), "Origin", "https://anything.example");
    assertThat(before.status()).isEqualTo(200);
    String etag = before.header("etag");

    assertSuccess(putConfig(fullConfig()), 200);

    Api.Response after = widgetConfig(tenant.widgetToken(), "If-None-Match", etag, "Origin", "https://shop.example");
    assertThat(after.status()).as(after.text()).isEqualTo(200);
    assertThat(after.header("etag")).isNotEqualTo(etag);
    assertThat(after.header("access-control-allow-origin")).isEqualTo("https://shop.example");
    JsonObject expected = fullConfig();
    expected.remove("allowedOrigins");
    expected.remove("requireVisitorToken");
    expected.remove("handoff");
    assertThat(after.json().getJsonObject("config")).isEqualTo(expected);
    assertError(widgetConfig(tenant.widgetToken(), "Origin", "https://anything.example"), 403, "origin_not_allowed");
    assertThat(widgetConfig(tenant.widgetToken(), "Origin", "http://localhost:3000").status()).isEqualTo(200);

    // an empty list allows any origin again
    assertSuccess(putConfig(fullConfig().put("allowedOrigins", new JsonArray())), 200);
    assertThat(widgetConfig(tenant.widgetToken(), "Origin", "https://anything.example").status()).isEqualTo(200);
  }

  @Test
  void absentOptionalFieldsTakeTheirDefaults() {
    JsonObject config = assertSuccess(putConfig(new JsonObject().put("name", "  Minimal  ")
        .put("assistantId", tenant.defaultAssistantId())), 200).getJsonObject("config");
    assertThat(config).isEqualTo(new JsonObject()
        .put("name", "Minimal")
        .put("assistantId", tenant.defaultAssistantId())
        .put("widget", new JsonObject().put("primaryColor", "#3B82F6").put("position", "bottom-right"))
        .put("branding", new JsonObject().putNull("logo"))
        .put("allowedOrigins", new JsonArray())
        .put("requireVisitorToken", false)
        .put("handoff", new JsonObject().put("mode", "offer")));
  }

  @Test
  void aPutThatWouldUnlinkTheWidgetsAssistantIsRefusedAndLeavesTheConfigAlone() {
    JsonObject before = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant")
        .getJsonObject("config");
    assertThat(before.getString("assistantId")).isNotNull();
    assertError(putConfig(new JsonObject().put("name", "No assistant")), 400, "assistant_required");
    assertError(putConfig(fullConfig().putNull("assistantId")), 400, "assistant_required");
    assertError(dashboard.patch("/api/tenant/config", tenant.ownerJwt(), new JsonObject().putNull("assistantId")),
        400, "assistant_required");
    assertThat(dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant").getJsonObject("config"))
        .isEqualTo(before);
  }

  @Test
  void aPatchChangesOnlyTheFieldsItSends() {
    assertSuccess(putConfig(fullConfig()), 200);
    JsonObject before = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant")
        .getJsonObject("config");
    JsonObject patched = assertSuccess(dashboard.patch("/api/tenant/config", tenant.ownerJwt(),
        new JsonObject().put("widget", new JsonObject().put("primaryColor", "#112233"))), 200).getJsonObject("config");
    JsonObject expected = before.copy();
    expected.getJsonObject("widget").put("primaryColor", "#112233");
    assertThat(patched).isEqualTo(expected);
    assertThat(dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant").getJsonObject("config"))
        .isEqualTo(expected);
    // null takes a field back to its default; the rest stays
    JsonObject reset = assertSuccess(dashboard.patch("/api/tenant/config", tenant.ownerJwt(),
        new JsonObject().put("widget", new JsonObject().putNull("primaryColor")).put("name", "Renamed")), 200)
        .getJsonObject("config");
    assertThat(reset.getJsonObject("widget").getString("primaryColor")).isEqualTo("#3B82F6");
    assertThat(reset.getString("name")).isEqualTo("Renamed");
    assertThat(reset.getJsonArray("allowedOrigins")).isEqualTo(before.getJsonArray("allowedOrigins"));
    assertThat(reset.getString("assistantId")).isEqualTo(before.getString("assistantId"));
    // what PUT refuses, PATCH refuses
    assertError(dashboard.patch("/api/tenant/config", tenant.ownerJwt(), new JsonObject().put("colour", "red")), 400,
        "invalid_field");
    assertError(dashboard.patch("/api/tenant/config", tenant.ownerJwt(),
        new JsonObject().put("widget", new JsonObject().put("primaryColor", "red"))), 400, "invalid_primary_color");
    assertError(dashboard.patch("/api/tenant/config", tenant.ownerJwt(), new JsonObject().put("name", "")), 400,
        "invalid_name");
  }

  @Test
  void originsAreStoredAsBrowsersSendThem() {
    JsonObject body = fullConfig().put("allowedOrigins", new JsonArray()
        .add("HTTPS://Shop.Example:443").add("https://shop.example").add("http://127.0.0.1:8080")
        .add("http://[::1]:80"));
    JsonObject config = assertSuccess(putConfig(body), 200).getJsonObject("config");
    assertThat(config.getJsonArray("allowedOrigins")).containsExactly("https://shop.example", "http://127.0.0.1:8080",
        "http://[::1]");
  }

  @Test
  void putValidatesEveryField() {
    assertError(putConfig(fullConfig().put("colour", "red")), 400, "invalid_field");
    assertError(putConfig(fullConfig().putNull("name")), 400, "invalid_name");
    JsonObject noName = fullConfig();
    noName.remove("name");
    assertError(putConfig(noName), 400, "invalid_name");
    assertError(putConfig(fullConfig().put("name", "   ")), 400, "invalid_name");
    assertError(putConfig(fullConfig().put("name", "n".repeat(101))), 400, "invalid_name");
    assertThat(putConfig(fullConfig().put("name", "n".repeat(100))).status()).isEqualTo(200);
    assertError(putConfig(fullConfig().put("name", 42)), 400, "invalid_name");
    assertError(putConfig(fullConfig().put("assistantId", 42)), 400, "invalid_assistant_id");
    assertError(putConfig(fullConfig().put("assistantId", "asst-nope")), 404, "assistant_not_found");
    assertError(putConfig(fullConfig().put("assistantId", "")), 404, "assistant_not_found");
    assertError(putConfig(fullConfig().put("assistantId", "asst-" + "x".repeat(300))), 404, "assistant_not_found");
    assertError(putConfig(fullConfig().put("widget", "blue")), 400, "invalid_widget");
    assertError(putConfig(fullConfig().put("widget", new JsonObject().put("size", 3))), 400, "invalid_widget");
    for (String color : new String[] {"blue", "#12345", "#1234567", "#GGGGGG", "3B82F6"}) {
      assertError(putConfig(fullConfig().put("widget", new JsonObject().put("primaryColor", color))), 400,
          "invalid_primary_color");
    }
    assertError(putConfig(fullConfig().put("widget", new JsonObject().put("position", "top-left"))), 400,
        "invalid_position");
    assertError(putConfig(fullConfig().put("branding", new JsonArray())), 400, "invalid_branding");
    assertError(putConfig(fullConfig().put("branding", new JsonObject().put("favicon", "x"))), 400,
        "invalid_branding");
    for (Object logo : new Object[] {"ftp://cdn.example/logo.png", "not a url", "https://", "javascript:alert(1)", 7,
        "https://cdn.example/" + "x".repeat(2030)}) {
      assertError(putConfig(fullConfig().put("branding", new JsonObject().put("logo", logo))), 400, "invalid_logo");
    }
    assertThat(putConfig(fullConfig().put("branding", new JsonObject().put("logo", "https://cdn.example/"
        + "x".repeat(2028)))).status()).isEqualTo(200);
    for (Object origin : new Object[] {"https://shop.example/", "https://shop.example/path", "shop.example",
        "https://shop.example:0", "https://shop.example:70000", "https://user@shop.example", "null", 5,
        "https://" + "a".repeat(250) + ".com"}) {
      assertError(putConfig(fullConfig().put("allowedOrigins", new JsonArray().add(origin))), 400,
          "invalid_allowed_origins");
    }
    assertError(putConfig(fullConfig().put("allowedOrigins", "https://shop.example")), 400, "invalid_allowed_origins");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 101; i++) {
      tooMany.add("https://shop" + i + ".example");
    }
    assertError(putConfig(fullConfig().put("allowedOrigins", tooMany)), 400, "invalid_allowed_origins");
    tooMany.remove(100);
    assertThat(putConfig(fullConfig().put("allowedOrigins", tooMany)).status()).isEqualTo(200);
    assertError(putConfig("{\"name\":"), 400, "invalid_json");
    assertError(putConfig("\"name\""), 400, "invalid_json");
  }

  @Test
  void anotherTenantsAssistantCannotBeConfigured() {
    Dashboard.Tenant other = dashboard.signup();
    assertError(putConfig(fullConfig().put("assistantId", other.defaultAssistantId())), 404, "assistant_not_found");
    // nothing changed
    JsonObject config = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant")
        .getJsonObject("config");
    assertThat(config.getString("assistantId")).isEqualTo(tenant.defaultAssistantId());
  }

  // ---- POST /api/tenant/widget-token/rotate ----------------------------------------------

  @Test
  void rotateWithoutABodyKeepsTheOldTokenForAnHour() {
    JsonObject body = assertSuccess(dashboard.post("/api/tenant/widget-token/rotate", tenant.ownerJwt(), null), 200);
    String fresh = body.getString("widgetToken");
    assertThat(fresh).startsWith("wt_").isNotEqualTo(tenant.widgetToken());
    assertThat(widgetConfig(fresh).status()).isEqualTo(200);
    assertThat(widgetConfig(tenant.widgetToken()).status()).isEqualTo(200);
    OffsetDateTime expires = TestServer.sql(server, "SELECT max(expires_at) AS e FROM widget_tokens WHERE tenant_id = $1",
        tenant.id()).iterator().next().getOffsetDateTime("e");
    assertThat(Duration.between(OffsetDateTime.now(), expires).toSeconds()).isBetween(3500L, 3600L);
    assertThat(rotate(new JsonObject()).status()).isEqualTo(200);
  }

  @Test
  void rotateWithNoGraceRevokesTheOldTokenAtOnce() {
    String fresh = assertSuccess(rotate(new JsonObject().put("graceSeconds", 0)), 200).getString("widgetToken");
    assertError(widgetConfig(tenant.widgetToken()), 401, "invalid_widget_token");
    assertThat(widgetConfig(fresh).status()).isEqualTo(200);
    Api.Response chat = api.post("/api/widgets/" + tenant.id() + "/chat",
        new JsonObject().put("sessionId", "s1").put("message", "hi"), "Authorization", Api.bearer(fresh));
    assertThat(chat.status()).as(chat.text()).isEqualTo(200);
  }

  @Test
  void rotateWithAGraceKeepsTheOldTokenUntilItPasses() throws InterruptedException {
    String fresh = assertSuccess(rotate(new JsonObject().put("graceSeconds", 2)), 200).getString("widgetToken");
    assertThat(widgetConfig(tenant.widgetToken()).status()).isEqualTo(200);
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int status = 200;
    while (status == 200 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      status = widgetConfig(tenant.widgetToken()).status();
    }
    assertThat(status).isEqualTo(401);
    assertThat(widgetConfig(fresh).status()).isEqualTo(200);
  }

  @Test
  void aLaterRotationNeverExtendsAnEarlierExpiry() {
    String second = assertSuccess(rotate(new JsonObject().put("graceSeconds", 0)), 200).getString("widgetToken");
    String third = assertSuccess(rotate(new JsonObject().put("graceSeconds", 100)), 200).getString("widgetToken");
    String fourth = assertSuccess(rotate(new JsonObject().put("graceSeconds", 3600)), 200).getString("widgetToken");
    assertError(widgetConfig(tenant.widgetToken()), 401, "invalid_widget_token");
    for (String live : new String[] {second, third, fourth}) {
      assertThat(widgetConfig(live).status()).isEqualTo(200);
    }
    // second was given 100 s by the rotation to third; the rotation to fourth (3600 s) kept that
    assertThat(secondsLeft(second)).isBetween(1L, 100L);
    assertThat(secondsLeft(third)).isBetween(3500L, 3600L);

    // a shorter grace shortens the live ones
    String fifth = assertSuccess(rotate(new JsonObject().put("graceSeconds", 0)), 200).getString("widgetToken");
    for (String dead : new String[] {second, third, fourth}) {
      assertError(widgetConfig(dead), 401, "invalid_widget_token");
    }
    assertThat(widgetConfig(fifth).status()).isEqualTo(200);
    assertThat(TestServer.sql(server, "SELECT count(*) AS n FROM widget_tokens WHERE tenant_id = $1 AND expires_at IS NULL",
        tenant.id()).iterator().next().getLong("n")).isEqualTo(1L);
  }

  private long secondsLeft(String token) {
    OffsetDateTime expires = TestServer.sql(server, "SELECT expires_at FROM widget_tokens WHERE token_hash = $1",
        Buffer.buffer(WidgetTokens.hash(token))).iterator().next().getOffsetDateTime("expires_at");
    return Duration.between(OffsetDateTime.now(), expires).toSeconds();
  }

  @Test
  void rotateValidatesGraceSeconds() {
    for (Object grace : new Object[] {-1, 2_592_001, 1.5, "10", true, 99_999_999_999L}) {
      assertError(rotate(new JsonObject().put("graceSeconds", grace)), 400, "invalid_grace_seconds");
    }
    assertError(rotate(new JsonObject().put("grace", 10)), 400, "invalid_field");
    assertError(rotate("{"), 400, "invalid_json");
    assertError(rotate("[]"), 400, "invalid_json");
    // nothing rotated
    assertThat(widgetConfig(tenant.widgetToken()).status()).isEqualTo(200);
    assertThat(TestServer.sql(server, "SELECT count(*) AS n FROM widget_tokens WHERE tenant_id = $1", tenant.id())
        .iterator().next().getLong("n")).isEqualTo(1L);
    assertThat(rotate(new JsonObject().put("graceSeconds", 2_592_000)).status()).isEqualTo(200);
  }
}
