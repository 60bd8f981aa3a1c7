package com.livechat.http;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every answer says nosniff; those that carry a token or a secret are never stored. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityHeadersTest {

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

  @Test
  void everyAnswerIsNosniffAndTokensAndSecretsAreNoStore() {
    String email = "headers-" + System.nanoTime() + "@example.com";
    Api.Response signup = api.post("/api/auth/signup", new JsonObject().put("email", email)
        .put("password", "correct horse battery").put("companyName", "Acme"));
    assertThat(signup.status()).isEqualTo(201);
    String jwt = signup.json().getString("token");
    String tenantId = signup.json().getJsonObject("tenant").getString("id");
    Api.Response login = api.post("/api/auth/login", new JsonObject().put("email", email)
        .put("password", "correct horse battery"));
    Api.Response rotated = api.post("/api/tenant/widget-token/rotate", new JsonObject(), "Authorization", bearer(jwt));
    Api.Response webhook = api.post("/api/webhooks", new JsonObject().put("url", "https://hooks.example.com/x"),
        "Authorization", bearer(jwt));
    for (Api.Response secret : new Api.Response[] {signup, login, rotated, webhook}) {
      assertThat(secret.status()).as(secret.text()).isBetween(200, 201);
      assertThat(secret.header("Cache-Control")).as(secret.text()).isEqualTo("no-store");
      assertThat(secret.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }
    // the rest: the widget's direct routes, the router's, errors and pages
    Api.Response[] others = {
        api.get("/api/widgets/" + tenantId + "/config"),
        api.get("/api/tenant", "Authorization", bearer(jwt)),
        api.get("/api/no-such-thing"),
        api.get("/api/tenant"),
        api.get("/health"),
        api.get("/dashboard/")};
    for (Api.Response other : others) {
      assertThat(other.header("X-Content-Type-Options")).as(other.status() + " " + other.text()).isEqualTo("nosniff");
      assertThat(other.header("Cache-Control")).as(other.text()).isNotEqualTo("no-store");
    }
  }
}
