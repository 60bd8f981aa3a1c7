package com.livechat;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A graceful stop (SIGTERM) drains: new requests are answered 503 shutting_down at once, a chat
 * turn in flight finishes within shutdown.drainMs and is answered as usual, one that takes longer
 * is answered 503 (never 500), and the dashboard's sockets are closed with 1001 going away.
 */
class ShutdownDrainTest {

  private FakeOpenAi openAi;
  private LiveChatServer server;

  @BeforeEach
  void slowProvider() {
    openAi = new FakeOpenAi();
    openAi.mode = FakeOpenAi.Mode.SLOW;
  }

  @AfterEach
  void stop() {
    openAi.close();
  }

  private LiveChatServer start(long drainMs) {
    return start(drainMs, false);
  }

  private LiveChatServer start(long drainMs, boolean stream) {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").getJsonObject("openai").put("baseUrl", openAi.baseUrl()).put("apiKey", "sk-test")
        .put("model", "gpt-4o-mini").put("stream", stream).put("chunkTimeoutMs", 60_000).put("timeoutMs", 60_000).put("maxRetries", 0);
    config.getJsonObject("ai").put("chainTimeoutMs", 60_000);
    config.getJsonObject("chat").put("requestTimeoutMs", 90_000);
    config.getJsonObject("shutdown").put("drainMs", drainMs);
    return TestServer.start(config);
  }

  private record Tenant(String chatPath, String auth, String jwt) {}

  private static Tenant signup(LiveChatServer server, String email) {
    JsonObject s = new Api(server.port()).signup(email);
    JsonObject tenant = s.getJsonObject("tenant");
    return new Tenant("/api/widgets/" + tenant.getString("id") + "/chat", bearer(tenant.getString("widgetToken")),
        s.getString("token"));
  }

  private static CompletableFuture<Api.Response> chat(LiveChatServer server, Tenant tenant, String session) {
    Api api = new Api(server.port());
    return CompletableFuture.supplyAsync(() -> api.post(tenant.chatPath(),
        new JsonObject().put("sessionId", session).put("message", "How much is it?"), "Authorization", tenant.auth()));
  }

  private void awaitProviderRequests(int n) throws InterruptedException {
    for (int i = 0; i < 600 && openAi.requests.size() < n; i++) {
      Thread.sleep(50);
    }
    assertThat(openAi.requests).hasSizeGreaterThanOrEqualTo(n);
  }

  private static void awaitStopping(LiveChatServer server) throws InterruptedException {
    Api api = new Api(server.port());
    for (int i = 0; i < 600 && api.get("/ready").status() != 503; i++) {
      Thread.sleep(20);
    }
    assertThat(api.get("/ready").status()).isEqualTo(503);
  }

  @Test
  void aTurnInFlightFinishesNewRequestsAre503AndSocketsGo1001() throws Exception {
    openAi.delayMs = 2_500;
    server = start(30_000);
    CompletableFuture<Void> closing = null;
    try {
      Tenant tenant = signup(server, "drain@example.com");
      WsClient dashboard = WsClient.authenticated(server.port(), tenant.jwt(), null);
      CompletableFuture<Api.Response> inFlight = chat(server, tenant, "s-in-flight");
      awaitProviderRequests(1);

      LiveChatServer node = server;
      closing = CompletableFuture.runAsync(node::close);
      awaitStopping(server);

      Api.Response late = new Api(server.port()).post(tenant.chatPath(),
          new JsonObject().put("sessionId", "s-late").put("message", "Hello?"), "Authorization", tenant.auth());
      assertThat(late.status()).as(late.text()).isEqualTo(503);
      assertThat(late.errorCode()).isEqualTo("shutting_down");
      assertThat(late.header("Retry-After")).isEqualTo("5");

      Api.Response answered = inFlight.get(60, TimeUnit.SECONDS);
      assertThat(answered.status()).as(answered.text()).isEqualTo(200);
      assertThat(answered.json().getString("message")).isEqualTo(openAi.reply);

      assertThat(dashboard.awaitClose(30)).isEqualTo((short) 1001);
      assertThat(dashboard.closeReason).isEqualTo("going away");
      dashboard.close();
      closing.get(60, TimeUnit.SECONDS);
      // the late request stored nothing; the drained one its visitor message and the reply
      assertThat(openAi.requests).hasSize(1);
    } finally {
      if (closing == null) {
        server.close();
      }
    }
  }

  @Test
  void aTurnLongerThanTheDrainIsAnswered503NotAnError() throws Exception {
    openAi.delayMs = 20_000;
    server = start(1_000);
    CompletableFuture<Void> closing = null;
    try {
      Tenant tenant = signup(server, "cut@example.com");
      CompletableFuture<Api.Response> inFlight = chat(server, tenant, "s-cut");
      awaitProviderRequests(1);

      LiveChatServer node = server;
      closing = CompletableFuture.runAsync(node::close);

      Api.Response cut = inFlight.get(60, TimeUnit.SECONDS);
      assertThat(cut.status()).as(cut.text()).isEqualTo(503);
      assertThat(cut.errorCode()).isEqualTo("shutting_down");
      assertThat(cut.header("Retry-After")).isEqualTo("5");
      closing.get(60, TimeUnit.SECONDS);
    } finally {
      if (closing == null) {
        server.close();
      }
    }
  }

  @Test
  void aStreamedReplyLongerThanTheDrainEndsWithAShuttingDownErrorEvent() throws Exception {
    openAi.script(FakeOpenAi.Canned.streamThenHang(java.util.List.of("Our ", "plans "), 10));
    server = start(1_000, true);
    CompletableFuture<Void> closing = null;
    try {
      Tenant tenant = signup(server, "cut-stream@example.com");
      java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + server.port() + tenant.chatPath()))
          .header("Authorization", tenant.auth()).header("Accept", "text/event-stream")
          .header("Content-Type", "application/json").timeout(java.time.Duration.ofSeconds(60))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
              new JsonObject().put("sessionId", "s-stream").put("message", "How much is it?").encode()))
          .build();
      CompletableFuture<java.net.http.HttpResponse<String>> streamed = java.net.http.HttpClient.newHttpClient()
          .sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofString());
      awaitProviderRequests(1);
      Thread.sleep(300); // the first deltas are out: the 200 and the stream have begun

      LiveChatServer node = server;
      closing = CompletableFuture.runAsync(node::close);

      java.net.http.HttpResponse<String> cut = streamed.get(60, TimeUnit.SECONDS);
      assertThat(cut.statusCode()).isEqualTo(200);
      assertThat(cut.body()).contains("event: delta").doesNotContain("event: done");
      String last = cut.body().strip().substring(cut.body().strip().lastIndexOf("event: "));
      assertThat(last).startsWith("event: error\ndata: ");
      assertThat(new JsonObject(last.substring(last.indexOf("data: ") + 6)).getJsonObject("error").getString("code"))
          .isEqualTo("shutting_down");
      closing.get(60, TimeUnit.SECONDS);
    } finally {
      if (closing == null) {
        server.close();
      }
    }
  }
}
