package com.livechat.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** A node whose PostgreSQL goes away answers 503 service_unavailable, never a 500 or a hang. */
class DatabaseOutageTest {

  @Test
  void aDatabaseOutageIs503ServiceUnavailable() throws Exception {
    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setDataDirectory(Files.createTempDirectory("livechat-outage-pg")).setCleanDataDirectory(true).start();
    LiveChatServer server = null;
    try {
      server = TestServer.start(TestServer.config("postgresql://postgres:postgres@127.0.0.1:" + postgres.getPort()
          + "/postgres"));
      Api api = new Api(server.port());
      JsonObject signup = api.signup("outage@example.com");
      String widget = signup.getJsonObject("tenant").getString("id");
      String token = Api.bearer(signup.getJsonObject("tenant").getString("widgetToken"));
      String jwt = Api.bearer(signup.getString("token"));
      assertThat(api.post("/api/widgets/" + widget + "/chat", new JsonObject().put("sessionId", "s")
          .put("message", "Hello!"), "Authorization", token).status()).isEqualTo(200);

      postgres.close();

      Api.Response chat = api.post("/api/widgets/" + widget + "/chat", new JsonObject().put("sessionId", "s")
          .put("message", "Hello?"), "Authorization", token);
      assertThat(chat.status()).as(chat.text()).isEqualTo(503);
      assertThat(chat.errorCode()).isEqualTo("service_unavailable");
      assertThat(chat.header("Retry-After")).isEqualTo("5");
      Api.Response tenant = api.get("/api/tenant", "Authorization", jwt);
      assertThat(tenant.status()).as(tenant.text()).isEqualTo(503);
      assertThat(tenant.errorCode()).isEqualTo("service_unavailable");
      assertThat(tenant.header("Retry-After")).isEqualTo("5");
      Api.Response track = api.post("/api/widgets/" + widget + "/track", new JsonObject().put("sessionId", "s")
          .put("event", "widget_opened"), "Authorization", token);
      assertThat(track.status()).as(track.text()).isEqualTo(503);
      assertThat(api.get("/ready").status()).isEqualTo(503);
    } finally {
      if (server != null) {
        server.close();
      }
      postgres.close();
    }
  }
}
