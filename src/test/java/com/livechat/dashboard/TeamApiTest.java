package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertError;
import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GET and POST /api/users. */
class TeamApiTest extends DashboardApiTest {

  private static JsonObject newUser(String email, String password, Object role) {
    return new JsonObject().put("email", email).put("password", password).put("role", role);
  }

  private Api.Response create(String jwt, JsonObject body) {
    return dashboard.post("/api/users", jwt, body);
  }

  @Test
  void createAnswers201WithTheUserWhoCanThenLogIn() {
    String email = Dashboard.uniqueEmail("Agent").toUpperCase();
    JsonObject body = assertSuccess(create(tenant.ownerJwt(), newUser(" " + email + " ", Dashboard.PASSWORD, "agent")),
        201);
    JsonObject user = body.getJsonObject("user");
    assertThat(user.fieldNames()).containsExactlyInAnyOrder("id", "email", "role", "createdAt");
    assertThat(user.getString("id")).startsWith("usr-");
    assertThat(user.getString("email")).isEqualTo(email.toLowerCase());
    assertThat(user.getString("role")).isEqualTo("agent");
    assertThat(user.getString("createdAt")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");

    Api.Response login = api.post("/api/auth/login", new JsonObject().put("email", email).put("password",
        Dashboard.PASSWORD));
    assertThat(login.status()).isEqualTo(200);
    assertThat(login.json().getString("tenantId")).isEqualTo(tenant.id());
    assertThat(login.json().getJsonObject("user").getString("role")).isEqualTo("agent");
    // stored hashed, like a sign-up password
    String hash = TestServer.sql(server, "SELECT password_hash FROM users WHERE id = $1", user.getString("id"))
        .iterator().next().getString("password_hash");
    assertThat(hash).startsWith("$2b$").doesNotContain(Dashboard.PASSWORD);
  }

  @Test
  void listShowsTheTeamOldestFirstWithoutSecrets() {
    String admin = create(tenant.ownerJwt(), newUser(Dashboard.uniqueEmail("admin"), Dashboard.PASSWORD, "admin"))
        .json().getJsonObject("user").getString("id");
    String agent = create(tenant.ownerJwt(), newUser(Dashboard.uniqueEmail("agent"), Dashboard.PASSWORD, "agent"))
        .json().getJsonObject("user").getString("id");
    JsonObject body = assertSuccess(dashboard.get("/api/users", tenant.ownerJwt()), 200);
    JsonArray items = body.getJsonArray("items");
    assertThat(items.stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactly(tenant.ownerId(), admin, agent);
    assertThat(items.getJsonObject(0).getString("role")).isEqualTo("owner");
    assertThat(items.getJsonObject(0).fieldNames()).containsExactlyInAnyOrder("id", "email", "role", "createdAt");
    assertThat(body.containsKey("nextCursor")).isTrue();
    assertThat(body.getString("nextCursor")).isNull();
  }

  @Test
  void listIsPagedWithAnOpaqueCursor() {
    for (int i = 0; i < 4; i++) {
      create(tenant.ownerJwt(), newUser(Dashboard.uniqueEmail("m" + i), Dashboard.PASSWORD, "agent"));
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      String path = "/api/users?limit=2" + (cursor == null ? "" : "&cursor=" + cursor);
      JsonObject page = assertSuccess(dashboard.get(path, tenant.ownerJwt()), 200);
      assertThat(page.getJsonArray("items").size()).isBetween(1, 2);
      page.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("id")));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 10);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(5).doesNotHaveDuplicates().first().isEqualTo(tenant.ownerId());

    assertError(dashboard.get("/api/users?limit=0", tenant.ownerJwt()), 400, "invalid_limit");
    assertError(dashboard.get("/api/users?limit=201", tenant.ownerJwt()), 400, "invalid_limit");
    assertError(dashboard.get("/api/users?cursor=!!!", tenant.ownerJwt()), 400, "invalid_cursor");
    assertError(dashboard.get("/api/users?cursor=bm9jb2xvbg", tenant.ownerJwt()), 400, "invalid_cursor");
  }

  @Test
  void createValidatesEmailPasswordAndRoleLikeSignup() {
    String jwt = tenant.ownerJwt();
    assertError(create(jwt, newUser("not-an-email", Dashboard.PASSWORD, "agent")), 400, "invalid_email");
    assertError(create(jwt, newUser("x".repeat(250) + "@e.co", Dashboard.PASSWORD, "agent")), 400, "invalid_email");
    assertError(create(jwt, newUser(Dashboard.uniqueEmail("a"), "123456789", "agent")), 400, "invalid_password");
    assertError(create(jwt, newUser(Dashboard.uniqueEmail("a"), "p".repeat(257), "agent")), 400, "invalid_password");
    assertError(create(jwt, newUser(Dashboard.uniqueEmail("a"), Dashboard.PASSWORD, "superuser")), 400,
        "invalid_role");
    assertError(create(jwt, newUser(Dashboard.uniqueEmail("a"), Dashboard.PASSWORD, 1)), 400, "invalid_role");
    assertError(create(jwt, new JsonObject().put("email", Dashboard.uniqueEmail("a")).put("password",
        Dashboard.PASSWORD)), 400, "invalid_role");
    assertError(dashboard.post("/api/users", jwt, "{\"email\": "), 400, "invalid_json");
    assertError(dashboard.post("/api/users", jwt, "[]"), 400, "invalid_json");
    assertError(dashboard.post("/api/users", jwt, null), 400, "invalid_json");
    // nothing was created
    assertThat(dashboard.get("/api/users", jwt).json().getJsonArray("items")).hasSize(1);
  }

  @Test
  void aTakenEmailIs409WhateverItsCaseAndTenant() {
    String email = Dashboard.uniqueEmail("taken");
    assertSuccess(create(tenant.ownerJwt(), newUser(email, Dashboard.PASSWORD, "agent")), 201);
    assertError(create(tenant.ownerJwt(), newUser(email.toUpperCase(), Dashboard.PASSWORD, "admin")), 409,
        "email_taken");
    Dashboard.Tenant other = dashboard.signup();
    assertError(create(other.ownerJwt(), newUser(email, Dashboard.PASSWORD, "agent")), 409, "email_taken");
  }

  @Test
  void onlyAnOwnerMayAddAnOwner() {
    String admin = dashboard.member(tenant.ownerJwt(), "admin");
    assertSuccess(create(admin, newUser(Dashboard.uniqueEmail("a"), Dashboard.PASSWORD, "admin")), 201);
    assertSuccess(create(admin, newUser(Dashboard.uniqueEmail("a"), Dashboard.PASSWORD, "agent")), 201);
    assertError(create(admin, newUser(Dashboard.uniqueEmail("a"), Dashboard.PASSWORD, "owner")), 403, "forbidden");
    JsonObject owner = assertSuccess(create(tenant.ownerJwt(),
        newUser(Dashboard.uniqueEmail("co-owner"), Dashboard.PASSWORD, "owner")), 201);
    assertThat(owner.getJsonObject("user").getString("role")).isEqualTo("owner");
    assertThat(dashboard.get("/api/users", admin).status()).isEqualTo(200);
  }
}
