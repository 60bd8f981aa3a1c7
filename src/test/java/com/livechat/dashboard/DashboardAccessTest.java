package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.auth.JwtService;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Who may call the team, tenant, assistant and knowledge endpoints: JWT checks, roles, tenant isolation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardAccessTest {

  private static final String SECRET = "test-secret-of-at-least-32-characters!";

  private LiveChatServer server;
  private Api api;
  private Dashboard dashboard;
  private Dashboard.Tenant a;
  private Dashboard.Tenant b;
  private String agentOfA;
  private String adminOfA;

  @BeforeAll
  void start() {
    server = TestServer.start();
    api = new Api(server.port());
    dashboard = new Dashboard(api);
    a = dashboard.signup();
    b = dashboard.signup();
    agentOfA = dashboard.member(a.ownerJwt(), "agent");
    adminOfA = dashboard.member(a.ownerJwt(), "admin");
  }

  @AfterAll
  void stop() {
    server.close();
  }

  /** One call per route of this part of the API: method, path, body. */
  private record Call(String method, String path, Object body) {}

  private List<Call> manageCalls(String assistantId) {
    return List.of(
        new Call("GET", "/api/users", null),
        new Call("POST", "/api/users", new JsonObject().put("email", Dashboard.uniqueEmail("x"))
            .put("password", Dashboard.PASSWORD).put("role", "agent")),
        new Call("PUT", "/api/tenant/config", new JsonObject().put("name", "Hijacked").put("assistantId", assistantId)),
        new Call("PATCH", "/api/tenant/config", new JsonObject().put("name", "Hijacked again")),
        new Call("POST", "/api/tenant/widget-token/rotate", new JsonObject().put("graceSeconds", 0)),
        new Call("POST", "/api/assistants", new JsonObject().put("name", "Intruder")),
        new Call("POST", "/api/assistants/" + assistantId + "/knowledge",
            new JsonObject().put("title", "Intruder").put("content", "Planted")),
        new Call("PUT", "/api/assistants/" + assistantId, new JsonObject().put("name", "Renamed")),
        new Call("DELETE", "/api/assistants/" + assistantId, null));
  }

  private List<Call> readCalls(String assistantId) {
    return List.of(
        new Call("GET", "/api/tenant", null),
        new Call("GET", "/api/assistants", null),
        new Call("GET", "/api/assistants/" + assistantId, null),
        new Call("GET", "/api/assistants/" + assistantId + "/knowledge", null));
  }

  private Api.Response call(Call c, String... headers) {
    String body = c.body() == null ? null : c.body().toString();
    String[] all = new String[headers.length + 2];
    all[0] = "Content-Type";
    all[1] = "application/json";
    System.arraycopy(headers, 0, all, 2, headers.length);
    return api.method(c.method(), c.path(), body, all);
  }

  private Api.Response callAs(Call c, String jwt) {
    return call(c, "Authorization", Api.bearer(jwt));
  }

  private List<Call> allCalls() {
    List<Call> all = new java.util.ArrayList<>(manageCalls(a.defaultAssistantId()));
    all.addAll(readCalls(a.defaultAssistantId()));
    return all;
  }

  @Test
  void everyRouteNeedsAValidToken() {
    String owner = a.ownerJwt();
    String[] claims = owner.split("\\.");
    String noneHeader = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    JwtService otherSecret = new JwtService(server.vertx(), "another-secret-of-at-least-32-characters", 60);
    // signed with the server's own secret, every claim right, but exp a minute ago
    // (JwtService with a negative lifetime would issue a token without exp at all)
    String expired = selfSigned(System.currentTimeMillis() / 1000 - 60);
    JsonObject expiredClaims = new JsonObject(new String(Base64.getUrlDecoder().decode(expired.split("\\.")[1]),
        StandardCharsets.UTF_8));
    assertThat(expiredClaims.getLong("exp")).isLessThan(System.currentTimeMillis() / 1000);
    List<String> badHeaders = List.of(
        "Bearer garbage",
        "Bearer " + noneHeader + "." + claims[1] + ".",
        "Bearer " + noneHeader + "." + claims[1] + "." + claims[2],
        "Bearer " + otherSecret.issue(a.ownerId(), a.id(), "owner"),
        "Bearer " + expired,
        "Bearer " + claims[0] + "." + b64("{\"sub\":\"" + a.ownerId() + "\",\"tenantId\":\"" + b.id()
            + "\",\"role\":\"owner\",\"exp\":9999999999}") + "." + claims[2],
        "Basic " + owner,
        owner);
    for (Call c : allCalls()) {
      assertError(call(c), 401, "unauthorized");
      for (String header : badHeaders) {
        assertError(call(c, "Authorization", header), 401, "unauthorized");
      }
    }
    // the same owner with its own token, or one signed the same way that has not expired, is let through
    assertThat(callAs(new Call("GET", "/api/users", null), owner).status()).isEqualTo(200);
    assertThat(callAs(new Call("GET", "/api/users", null), selfSigned(System.currentTimeMillis() / 1000 + 60))
        .status()).isEqualTo(200);
  }

  @Test
  void anAgentReadsButCannotManage() {
    String assistantId = a.defaultAssistantId();
    for (Call c : manageCalls(assistantId)) {
      assertError(callAs(c, agentOfA), 403, "forbidden");
    }
    for (Call c : readCalls(assistantId)) {
      assertThat(callAs(c, agentOfA).status()).as(c.toString()).isEqualTo(200);
    }
    // nothing changed by the refused calls
    JsonObject tenant = callAs(new Call("GET", "/api/tenant", null), agentOfA).json().getJsonObject("tenant");
    assertThat(tenant.getString("name")).isNotEqualTo("Hijacked");
    assertThat(api.get("/api/widgets/" + a.id() + "/config", "Authorization", Api.bearer(a.widgetToken())).status())
        .isEqualTo(200);
    JsonObject assistant = callAs(new Call("GET", "/api/assistants/" + assistantId, null), agentOfA).json()
        .getJsonObject("assistant");
    assertThat(assistant.getString("name")).isNotEqualTo("Renamed");
  }

  @Test
  void anAdminManages() {
    Dashboard.Tenant c = dashboard.signup();
    String admin = dashboard.member(c.ownerJwt(), "admin");
    for (Call call : manageCalls(c.defaultAssistantId())) {
      Api.Response r = callAs(call, admin);
      assertThat(r.status()).as(call + " " + r.text()).isIn(200, 201);
    }
  }

  @Test
  void anotherTenantsAssistantIsNotFound() {
    String theirs = a.defaultAssistantId();
    assertError(dashboard.get("/api/assistants/" + theirs, b.ownerJwt()), 404, "assistant_not_found");
    assertError(dashboard.put("/api/assistants/" + theirs, b.ownerJwt(), new JsonObject().put("name", "Mine now")),
        404, "assistant_not_found");
    assertError(dashboard.delete("/api/assistants/" + theirs, b.ownerJwt()), 404, "assistant_not_found");
    // still there, unchanged
    JsonObject assistant = dashboard.get("/api/assistants/" + theirs, adminOfA).json().getJsonObject("assistant");
    assertThat(assistant.getString("name")).isNotEqualTo("Mine now");
  }

  @Test
  void listsNeverShowAnotherTenantsData() {
    JsonArray usersOfB = dashboard.get("/api/users", b.ownerJwt()).json().getJsonArray("items");
    assertThat(usersOfB).hasSize(1);
    assertThat(usersOfB.getJsonObject(0).getString("id")).isEqualTo(b.ownerId());
    JsonArray assistantsOfB = dashboard.get("/api/assistants", b.ownerJwt()).json().getJsonArray("items");
    assertThat(assistantsOfB.stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactly(b.defaultAssistantId());
    JsonObject tenantOfB = dashboard.get("/api/tenant", b.ownerJwt()).json().getJsonObject("tenant");
    assertThat(tenantOfB.getString("id")).isEqualTo(b.id());
    // a's team is all there for a
    JsonArray usersOfA = dashboard.get("/api/users", adminOfA).json().getJsonArray("items");
    assertThat(usersOfA.stream().map(o -> ((JsonObject) o).getString("role")).toList())
        .contains("owner", "agent", "admin").doesNotContain(b.ownerId());
  }

  @Test
  void aCursorCannotReachIntoAnotherTenant() {
    // a cursor issued to A, replayed by B, still only pages through B's data
    JsonObject page = dashboard.get("/api/users?limit=1", a.ownerJwt()).json();
    String cursor = page.getString("nextCursor");
    assertThat(cursor).isNotNull();
    JsonArray items = dashboard.get("/api/users?cursor=" + cursor, b.ownerJwt()).json().getJsonArray("items");
    assertThat(items.stream().map(o -> ((JsonObject) o).getString("id")).toList()).containsOnly(b.ownerId());
  }

  private String selfSigned(long exp) {
    return JWTAuth.create(server.vertx(), new JWTAuthOptions()
            .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)))
        .generateToken(new JsonObject().put("sub", a.ownerId()).put("tenantId", a.id()).put("role", "owner")
            .put("exp", exp), new JWTOptions().setAlgorithm("HS256"));
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
