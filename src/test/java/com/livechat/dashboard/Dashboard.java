package com.livechat.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.support.Api;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/** Dashboard calls for tests: a tenant with its owner's JWT, team members, JSON writes, error checks. */
final class Dashboard {

  static final String PASSWORD = "correct horse battery";
  private static final AtomicInteger SEQ = new AtomicInteger();

  /** A signed-up tenant: its id (= widgetId), widget token and owner. */
  record Tenant(String id, String widgetToken, String ownerId, String ownerJwt, String defaultAssistantId) {}

  private final Api api;

  Dashboard(Api api) {
    this.api = api;
  }

  static String uniqueEmail(String who) {
    return who + "-" + SEQ.incrementAndGet() + "-" + System.nanoTime() + "@dashboard.test";
  }

  Tenant signup() {
    JsonObject body = api.signup(uniqueEmail("owner"));
    String tenantId = body.getJsonObject("tenant").getString("id");
    String jwt = body.getString("token");
    Api.Response config = api.get("/api/tenant", "Authorization", Api.bearer(jwt));
    assertThat(config.status()).as(config.text()).isEqualTo(200);
    return new Tenant(tenantId, body.getJsonObject("tenant").getString("widgetToken"),
        body.getJsonObject("user").getString("id"), jwt,
        config.json().getJsonObject("tenant").getJsonObject("config").getString("assistantId"));
  }

  /** Adds a member with {@code role} through POST /api/users, then logs in as it; returns its JWT. */
  String member(String managerJwt, String role) {
    String email = uniqueEmail(role);
    Api.Response created = post("/api/users", managerJwt,
        new JsonObject().put("email", email).put("password", PASSWORD).put("role", role));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    Api.Response login = api.post("/api/auth/login", new JsonObject().put("email", email).put("password", PASSWORD));
    assertThat(login.status()).as(login.text()).isEqualTo(200);
    return login.json().getString("token");
  }

  Api.Response get(String path, String jwt) {
    return api.get(path, "Authorization", Api.bearer(jwt));
  }

  Api.Response post(String path, String jwt, Object body) {
    return api.post(path, body, "Authorization", Api.bearer(jwt));
  }

  Api.Response put(String path, String jwt, Object body) {
    return api.method("PUT", path, body == null ? null : body.toString(), "Authorization", Api.bearer(jwt),
        "Content-Type", "application/json");
  }

  Api.Response patch(String path, String jwt, Object body) {
    return api.method("PATCH", path, body == null ? null : body.toString(), "Authorization", Api.bearer(jwt),
        "Content-Type", "application/json");
  }

  /** A visitor's widget chat turn; returns the conversation id. */
  String chat(Tenant t, String session, String message, String conversationId) {
    Api.Response r = api.post("/api/widgets/" + t.id() + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message).put("conversationId", conversationId), "Authorization", Api.bearer(t.widgetToken()));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getString("conversationId");
  }

  Api.Response delete(String path, String jwt) {
    return api.method("DELETE", path, null, "Authorization", Api.bearer(jwt));
  }

  static void assertError(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getJsonObject("error").getString("code")).as(r.text()).isEqualTo(code);
    assertThat(body.getJsonObject("error").getString("message")).isNotBlank();
    assertThat(r.header("content-type")).startsWith("application/json");
  }

  static JsonObject assertSuccess(Api.Response r, int status) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isTrue();
    return body;
  }
}
