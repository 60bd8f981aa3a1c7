package com.livechat.chat;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The widget chat path with an OpenAI-compatible provider configured (an in-process fake). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiChatTest {

  private FakeOpenAi openAi;
  private LiveChatServer server;
  private Api api;
  private String chatPath;
  private String auth;

  @BeforeAll
  void start() {
    openAi = new FakeOpenAi();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    // fast retries and a breaker that stays closed, so that each test sees the provider as it is set
    config.getJsonObject("ai").getJsonObject("openai").put("baseUrl", openAi.baseUrl()).put("apiKey", "sk-test")
        .put("model", "gpt-4o-mini").put("timeoutMs", 2000).put("retryBaseMs", 10).put("retryMaxMs", 50)
        .put("breakerMaxFailures", 1000);
    server = TestServer.start(config);
    api = new Api(server.port());
    JsonObject tenant = api.signup("openai@example.com").getJsonObject("tenant");
    chatPath = "/api/widgets/" + tenant.getString("id") + "/chat";
    auth = bearer(tenant.getString("widgetToken"));
  }

  @AfterAll
  void stop() {
    server.close();
    openAi.close();
  }

  @BeforeEach
  void reset() {
    openAi.reset();
  }

  @Test
  void theReplyModelAndTokensComeFromTheProvider() {
    Api.Response r = api.post(chatPath, new JsonObject().put("sessionId", "s1").put("message", "How much is it?"),
        "Authorization", auth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getString("message")).isEqualTo("Our plans start at 10 dollars.");
    assertThat(r.json().getJsonObject("metadata"))
        .isEqualTo(new JsonObject().put("model", "gpt-4o-mini-0125").put("tokens", 150).put("sources", new JsonArray()));
  }

  @Test
  void thePromptHoldsTheInstructionsTheHistoryAndTheNewMessage() {
    String conversationId = api.post(chatPath, new JsonObject().put("sessionId", "s2").put("message", "First"),
        "Authorization", auth).json().getString("conversationId");
    // the message that opens a conversation has no history: the system prompt, then the message
    JsonArray first = openAi.requests.get(0).getJsonArray("messages");
    assertThat(first.size()).isEqualTo(2);
    assertThat(first.getJsonObject(1)).isEqualTo(new JsonObject().put("role", "user").put("content", "First"));
    openAi.requests.clear();
    api.post(chatPath, new JsonObject().put("sessionId", "s2").put("message", "Second")
        .put("conversationId", conversationId), "Authorization", auth);
    JsonArray messages = openAi.requests.get(0).getJsonArray("messages");
    assertThat(messages.getJsonObject(0).getString("role")).isEqualTo("system");
    assertThat(messages.getJsonObject(0).getString("content")).contains("friendly assistant of");
    assertThat(messages.getJsonObject(1)).isEqualTo(new JsonObject().put("role", "user").put("content", "First"));
    assertThat(messages.getJsonObject(2).getString("role")).isEqualTo("assistant");
    assertThat(messages.getJsonObject(3)).isEqualTo(new JsonObject().put("role", "user").put("content", "Second"));
    assertThat(messages.size()).isEqualTo(4);
  }

  @Test
  void whenTheProviderFailsTheLocalAssistantAnswersAndNothingIsLost() {
    for (FakeOpenAi.Mode mode : new FakeOpenAi.Mode[] {FakeOpenAi.Mode.SERVER_ERROR, FakeOpenAi.Mode.MALFORMED}) {
      openAi.mode = mode;
      Api.Response r = api.post(chatPath, new JsonObject().put("sessionId", "s3").put("message", "Anyone? " + mode),
          "Authorization", auth);
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.json().getJsonObject("metadata").getString("model")).isEqualTo("local-assistant");
      assertThat(r.json().getString("message")).isNotBlank();
      assertThat(TestServer.sql(server, "SELECT count(*) FROM messages WHERE content = $1", "Anyone? " + mode)
          .iterator().next().getLong(0)).isEqualTo(1);
      assertThat(TestServer.sql(server, "SELECT count(*) FROM messages WHERE conversation_id = $1 AND role = 'assistant'",
          r.json().getString("conversationId")).iterator().next().getLong(0)).isGreaterThanOrEqualTo(1);
    }
    // a 500 is retried (maxRetries 2), malformed JSON is not
    assertThat(openAi.requests).hasSize(4);
  }
}
