package com.livechat.store;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.config.AppConfig;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With no database URL the node runs its own PostgreSQL under the data dir; data outlives a restart. */
class RestartTest {

  @Test
  void aRestartOnTheSameDataDirKeepsTenantsConversationsAndTokens(@TempDir Path dataDir) {
    JsonObject config = TestServer.config("");
    config.put("dataDir", dataDir.toString());
    config.getJsonObject("auth").put("jwtSecret", "");

    LiveChatServer first = LiveChatServer.start(AppConfig.from(config));
    String tenantId;
    String widgetToken;
    String jwt;
    String conversationId;
    try {
      Api api = new Api(first.port());
      JsonObject signup = api.signup("restart@example.com");
      tenantId = signup.getJsonObject("tenant").getString("id");
      widgetToken = signup.getJsonObject("tenant").getString("widgetToken");
      jwt = signup.getString("token");
      conversationId = api.post("/api/widgets/" + tenantId + "/chat",
          new JsonObject().put("sessionId", "s1").put("message", "Hello"), "Authorization", bearer(widgetToken))
          .json().getString("conversationId");
    } finally {
      first.close();
    }
    assertThat(Files.exists(dataDir.resolve("postgres").resolve("PG_VERSION"))).isTrue();
    assertThat(Files.exists(dataDir.resolve("jwt-secret"))).isTrue();

    LiveChatServer second = LiveChatServer.start(AppConfig.from(config));
    try {
      // the embedded server really writes through: acknowledged commits survive a crash
      assertThat(TestServer.sql(second, "SHOW fsync").iterator().next().getString(0)).isEqualTo("on");
      assertThat(TestServer.sql(second, "SHOW synchronous_commit").iterator().next().getString(0)).isEqualTo("on");
      Api api = new Api(second.port());
      assertThat(api.post("/api/auth/login", new JsonObject().put("email", "restart@example.com")
          .put("password", "correct horse battery")).status()).isEqualTo(200);
      assertThat(api.get("/api/widgets/" + tenantId + "/config", "Authorization", bearer(widgetToken)).status())
          .isEqualTo(200);
      Api.Response next = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject().put("sessionId", "s1")
          .put("message", "Hi there").put("conversationId", conversationId), "Authorization", bearer(widgetToken));
      assertThat(next.status()).as(next.text()).isEqualTo(200);
      assertThat(TestServer.sql(second, "SELECT count(*) FROM messages WHERE conversation_id = $1", conversationId)
          .iterator().next().getLong(0)).isEqualTo(4);
      // the generated JWT secret was kept, so tokens issued before the restart stay valid
      assertThat(second.wiring().jwt().authenticate(jwt).await().principal().getString("tenantId"))
          .isEqualTo(tenantId);
    } finally {
      second.close();
    }
  }
}
