package com.livechat.account;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** POST /api/auth/signup and /api/auth/login. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountApiTest {

  private LiveChatServer server;
  private Api api;

  @BeforeAll
  void start() {
    server = TestServer.start();
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static JsonObject signupBody(String email, String password, String company) {
    return new JsonObject().put("email", email).put("password", password).put("companyName", company);
  }

  private static void assertError(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.json().getBoolean("success")).isFalse();
    assertThat(r.errorCode()).isEqualTo(code);
  }

  @Test
  void signupCreatesTenantOwnerTokenAndDefaultAssistant() {
    Api.Response r = api.post("/api/auth/signup", signupBody("Founder@Example.com", "correct horse battery", "Acme Inc"));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getString("token")).isNotBlank();
    JsonObject user = body.getJsonObject("user");
    assertThat(user.getString("id")).startsWith("usr-");
    assertThat(user.getString("email")).isEqualTo("founder@example.com");
    assertThat(user.getString("role")).isEqualTo("owner");
    String tenantId = body.getJsonObject("tenant").getString("id");
    String widgetToken = body.getJsonObject("tenant").getString("widgetToken");
    assertThat(tenantId).startsWith("tnt-");
    assertThat(Base64.getUrlDecoder().decode(widgetToken.substring(3))).hasSizeGreaterThanOrEqualTo(32);

    // the JWT carries sub, tenantId and role, and this node accepts it
    User principal = server.wiring().jwt().authenticate(body.getString("token")).await();
    assertThat(principal.principal().getString("sub")).isEqualTo(user.getString("id"));
    assertThat(principal.principal().getString("tenantId")).isEqualTo(tenantId);
    assertThat(principal.principal().getString("role")).isEqualTo("owner");
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(body.getString("token").split("\\.")[1])));
    assertThat(claims.getLong("exp")).isGreaterThan(System.currentTimeMillis() / 1000);

    // secrets are stored hashed only
    var stored = TestServer.sql(server, "SELECT u.password_hash, w.token_hash FROM users u JOIN widget_tokens w "
        + "ON w.tenant_id = u.tenant_id WHERE u.tenant_id = $1", tenantId).iterator().next();
    assertThat(stored.getString("password_hash")).startsWith("$2b$").doesNotContain("correct horse battery");
    assertThat(stored.getBuffer("token_hash").length()).isEqualTo(32);
    assertThat(stored.getBuffer("token_hash").toString()).doesNotContain(widgetToken);

    // chat works at once: the default config points to a default assistant
    Api.Response chat = api.post("/api/widgets/" + tenantId + "/chat",
        new JsonObject().put("sessionId", "s").put("message", "Hello"), "Authorization", Api.bearer(widgetToken));
    assertThat(chat.status()).isEqualTo(200);
  }

  @Test
  void duplicateEmailIs409WhateverItsCase() {
    api.post("/api/auth/signup", signupBody("dup@example.com", "correct horse battery", "A"));
    assertError(api.post("/api/auth/signup", signupBody("DUP@example.com", "another password", "B")), 409,
        "email_taken");
  }

  @Test
  void signupValidatesItsFields() {
    assertError(api.post("/api/auth/signup", signupBody("not-an-email", "correct horse battery", "A")), 400,
        "invalid_email");
    assertError(api.post("/api/auth/signup", signupBody("x".repeat(250) + "@e.co", "correct horse battery", "A")), 400,
        "invalid_email");
    assertError(api.post("/api/auth/signup", signupBody("short@example.com", "123456789", "A")), 400,
        "invalid_password");
    assertError(api.post("/api/auth/signup", signupBody("long@example.com", "p".repeat(257), "A")), 400,
        "invalid_password");
    assertError(api.post("/api/auth/signup", signupBody("nocompany@example.com", "correct horse battery", " ")), 400,
        "invalid_company_name");
    assertError(api.post("/api/auth/signup", signupBody("longcompany@example.com", "correct horse battery",
        "c".repeat(101))), 400, "invalid_company_name");
    assertError(api.post("/api/auth/signup", new JsonObject().put("email", "a@b.co")), 400, "invalid_password");
    assertError(api.post("/api/auth/signup", "nope"), 400, "invalid_json");
  }

  @Test
  void aTenPlusCharacterPasswordOfAnyLengthUpTo256Works() {
    String longPassword = "p".repeat(256);
    assertThat(api.post("/api/auth/signup", signupBody("longpw@example.com", longPassword, "A")).status())
        .isEqualTo(201);
    assertThat(api.post("/api/auth/login", new JsonObject().put("email", "longpw@example.com")
        .put("password", longPassword)).status()).isEqualTo(200);
    // beyond bcrypt's 72 bytes every character still counts
    assertThat(api.post("/api/auth/login", new JsonObject().put("email", "longpw@example.com")
        .put("password", "p".repeat(255) + "q")).status()).isEqualTo(401);
  }

  @Test
  void loginAnswersTokenUserAndTenant() {
    JsonObject signup = api.signup("login@example.com");
    Api.Response r = api.post("/api/auth/login",
        new JsonObject().put("email", " Login@Example.com ").put("password", "correct horse battery"));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getString("token")).isNotBlank();
    assertThat(body.getString("tenantId")).isEqualTo(signup.getJsonObject("tenant").getString("id"));
    assertThat(body.getJsonObject("user")).isEqualTo(signup.getJsonObject("user"));
  }

  @Test
  void wrongPasswordAndUnknownEmailGetTheSameAnswer() {
    api.signup("known@example.com");
    Api.Response wrong = api.post("/api/auth/login",
        new JsonObject().put("email", "known@example.com").put("password", "wrong password!"));
    Api.Response unknown = api.post("/api/auth/login",
        new JsonObject().put("email", "unknown@example.com").put("password", "wrong password!"));
    assertError(wrong, 401, "invalid_credentials");
    assertError(unknown, 401, "invalid_credentials");
    assertThat(wrong.text()).isEqualTo(unknown.text());
  }

  @Test
  void loginWithoutCredentialsIs400() {
    assertError(api.post("/api/auth/login", new JsonObject().put("email", "a@b.co")), 400, "invalid_request");
  }
}
