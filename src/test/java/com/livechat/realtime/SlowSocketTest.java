package com.livechat.realtime;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A dashboard socket whose reader stops reading is closed with 1013 once its bounded write queue
 * fills, and the tenant's other sockets keep receiving every event meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowSocketTest {

  private static final Pattern SLOW_CLOSED = Pattern.compile("(?m)^livechat_ws_slow_closed_total(?:\\{[^}]*})? (\\S+)$");
  // bounds the test: with an 8 KiB queue and 4 KiB frames, the kernel's socket buffers fill long before this
  private static final int MAX_REPLIES = 3000;

  private LiveChatServer server;
  private Api api;

  @BeforeAll
  void start() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    // the counters are read from /metrics without an operator key
    config.getJsonObject("metrics").put("access", "public");
    config.getJsonObject("realtime").put("writeQueueMaxBytes", 8192);
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private double slowSocketsClosed() {
    Matcher m = SLOW_CLOSED.matcher(api.get("/metrics").text());
    assertThat(m.find()).as("livechat_ws_slow_closed_total in /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aSocketThatStopsReadingIsClosedWith1013AndTheOthersGetEveryEvent() {
    JsonObject signup = api.signup("slow@example.com");
    String jwt = signup.getString("token");
    String tenantId = signup.getJsonObject("tenant").getString("id");
    Api.Response chat = api.post("/api/widgets/" + tenantId + "/chat",
        new JsonObject().put("sessionId", "s1").put("message", "Hello"),
        "Authorization", bearer(signup.getJsonObject("tenant").getString("widgetToken")));
    String conversationId = chat.json().getString("conversationId");
    double closedBefore = slowSocketsClosed();

    try (WsClient slow = WsClient.authenticated(server.port(), jwt, null,
            new WebSocketClientOptions().setReceiveBufferSize(4096));
        WsClient reader = WsClient.authenticated(server.port(), jwt, null)) {
      slow.pause();
      String content = "x".repeat(3990);
      int replies = 0;
      while (slowSocketsClosed() == closedBefore && replies < MAX_REPLIES) {
        Api.Response reply = api.post("/api/conversations/" + conversationId + "/messages",
            new JsonObject().put("content", content + replies), "Authorization", bearer(jwt));
        assertThat(reply.status()).as(reply.text()).isEqualTo(201);
        replies++;
      }
      assertThat(slowSocketsClosed()).as("slow sockets closed after %d replies", replies).isEqualTo(closedBefore + 1);

      // the reader was never held up: every event, in order (the first reply also took the conversation over)
      List<JsonObject> events = reader.take(replies + 1, 30);
      for (int i = 0; i < events.size(); i++) {
        assertThat(events.get(i).getString("id")).isEqualTo(String.valueOf(4 + i));
      }
      assertThat(events.get(events.size() - 1).getJsonObject("data").getString("content"))
          .isEqualTo(content + (replies - 1));

      // once the slow reader reads again it finds, behind what was already queued, the close frame
      slow.resume();
      assertThat(slow.awaitClose(20)).isEqualTo((short) 1013);
      assertThat(slow.closeReason).contains("too slow");
    }
  }
}
