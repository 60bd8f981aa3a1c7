package com.livechat.chat.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class OpenAiProviderTest {

  private static final String KEY = "sk-test-0123456789";

  /** The real wire shape of a Chat Completions answer. */
  private static final String COMPLETION =
      """
      {"id":"chatcmpl-9","object":"chat.completion","created":1700000000,
       "model":"gpt-4o-mini-2024-07-18",
       "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help?","refusal":null},
                   "logprobs":null,"finish_reason":"stop"}],
       "usage":{"prompt_tokens":42,"completion_tokens":7,"total_tokens":49},
       "system_fingerprint":"fp_1"}""";

  private Vertx vertx;
  private FakeChatCompletions fake;

  @BeforeEach
  void startFake(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.fake = FakeChatCompletions.start(vertx);
  }

  @Test
  void sendsChatCompletionsRequestAndReadsReply() throws Exception {
    fake.answer = ok(COMPLETION);
    OpenAiProvider provider = provider(settings(KEY, 5_000, 5, 10_000, "/v1/"));

    AiReply reply = await(provider.complete(request(null)));

    assertThat(reply).isEqualTo(new AiReply("Hello! How can I help?", "gpt-4o-mini-2024-07-18", 49));
    assertThat(fake.received).hasSize(1);
    Received received = fake.received.get(0);
    assertThat(received.method()).isEqualTo("POST");
    assertThat(received.path()).isEqualTo("/v1/chat/completions");
    assertThat(received.authorization()).isEqualTo("Bearer " + KEY);
    assertThat(received.contentType()).startsWith("application/json");
    JsonObject body = received.body();
    assertThat(body.getString("model")).isEqualTo("default-model");
    assertThat(body.getInteger("max_tokens")).isEqualTo(300);
    assertThat(body.getDouble("temperature")).isEqualTo(0.3);
    JsonArray messages = body.getJsonArray("messages");
    assertThat(messages.stream().map(m -> ((JsonObject) m).getString("role")))
        .containsExactly("system", "user", "assistant", "user");
    assertThat(messages.getJsonObject(0).getString("content"))
        .contains("Ada")
        .contains("Answer questions about our shop.");
    assertThat(messages.getJsonObject(1).getString("content")).isEqualTo("Do you ship abroad?");
    assertThat(messages.getJsonObject(2).getString("content")).isEqualTo("Yes, to 30 countries.");
    assertThat(messages.getJsonObject(3).getString("content")).isEqualTo("Including Japan?");
    assertThat(body.getString("tool_choice")).isEqualTo("auto");
    assertThat(body.getJsonArray("tools").stream()
            .map(t -> ((JsonObject) t).getJsonObject("function").getString("name")))
        .containsExactly("request_human", "update_contact");
  }

  @Test
  void aServerThatIgnoresStreamingAnswersInOneBody() throws Exception {
    fake.answer = ok(COMPLETION);
    OpenAiProvider provider = provider(settings(KEY, 5_000, 5, 10_000, "/v1").withStreaming(true, 1_000, 1_000));
    ReplyStream stream = ReplyStream.discarding();

    AiReply reply = await(provider.complete(request(null), stream));

    assertThat(fake.received.get(0).body().getBoolean("stream")).isTrue();
    assertThat(reply).isEqualTo(new AiReply("Hello! How can I help?", "gpt-4o-mini-2024-07-18", 49));
    assertThat(stream.started()).as("the chain passes a whole reply on").isFalse();
  }

  @Test
  void withoutApiKeySendsNoAuthorizationAndFillsMissingModelAndTotal() throws Exception {
    // A minimal compatible server: no model echo, usage without total_tokens.
    fake.answer =
        ok(
            """
            {"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":10,"completion_tokens":3}}""");
    OpenAiProvider provider = provider(settings("", 5_000, 5, 10_000, "/v1"));

    AiReply reply = await(provider.complete(request(null)));

    assertThat(fake.received.get(0).authorization()).isNull();
    assertThat(reply).isEqualTo(new AiReply("Hi", "default-model", 13));
  }

  @Test
  void usageAbsentMeansZeroTokens() throws Exception {
    fake.answer =
        ok("""
            {"model":"m","choices":[{"message":{"role":"assistant","content":"Hi"}}]}""");

    AiReply reply = await(plainProvider().complete(request(null)));

    assertThat(reply.tokens()).isZero();
  }

  @Test
  void assistantModelOverridesDefault() throws Exception {
    fake.answer = ok(COMPLETION);

    await(plainProvider().complete(request("llama3.2")));

    assertThat(fake.received.get(0).body().getString("model")).isEqualTo("llama3.2");
  }

  @Test
  void slowProviderTimesOut() {
    fake.answer = response -> vertx.setTimer(3_000, t -> response.end(COMPLETION));
    OpenAiProvider provider = provider(settings(KEY, 200, 5, 10_000, "/v1"));

    AiProviderException failure = failureOf(provider.complete(request(null)));

    assertThat(failure).hasMessageContaining("200 ms");
  }

  @Test
  void serverErrorFails() {
    fake.answer =
        status(500, "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}");

    AiProviderException failure = failureOf(plainProvider().complete(request(null)));

    assertThat(failure.getMessage()).contains("500").contains("The server had an error");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{not json",
        "[1,2]",
        "",
        "{\"model\":\"m\",\"choices\":[]}",
        "{\"model\":\"m\"}",
        "{\"model\":\"m\",\"choices\":\"nope\"}",
        "{\"model\":\"m\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null},"
            + "\"finish_reason\":\"length\"}]}",
        "{\"model\":\"m\",\"choices\":[{\"finish_reason\":\"stop\"}]}"
      })
  void unusableSuccessBodyFails(String body) {
    fake.answer = ok(body);

    AiProviderException failure = failureOf(plainProvider().complete(request(null)));

    assertThat(failure).hasMessageStartingWith("AI provider answered");
  }

  @Test
  void unreachableProviderFails() throws Exception {
    HttpServer closed =
        vertx.createHttpServer().requestHandler(r -> r.response().end()).listen(0, "127.0.0.1").await();
    int deadPort = closed.actualPort();
    closed.close().await();
    OpenAiSettings settings =
        new OpenAiSettings("dead", "http://127.0.0.1:" + deadPort + "/v1", KEY, "default-model", 2_000, 8, 5, 10_000,
            0, 10, 100, true, true);

    AiProviderException failure = failureOf(provider(settings).complete(request(null)));

    assertThat(failure).hasMessageContaining("unreachable");
  }

  @Test
  void circuitOpensAfterMaxFailuresAndClosesAfterReset() throws Exception {
    fake.answer = status(503, "{\"error\":{\"message\":\"overloaded\"}}");
    OpenAiProvider provider = provider(settings(KEY, 2_000, 2, 200, "/v1"));

    failureOf(provider.complete(request(null)));
    failureOf(provider.complete(request(null)));
    AiProviderException fastFailure = failureOf(provider.complete(request(null)));

    assertThat(fastFailure).hasMessageContaining("circuit is open");
    assertThat(fake.received).hasSize(2);

    fake.answer = ok(COMPLETION);
    AiReply probe = awaitFirstSuccess(provider);
    assertThat(probe.content()).isEqualTo("Hello! How can I help?");
    // Only the half-open probe got through while the circuit was open.
    assertThat(fake.received).hasSize(3);

    await(provider.complete(request(null)));
    assertThat(fake.received).hasSize(4);
  }

  @Test
  void refusedRequestsDoNotOpenCircuitAndNeverLeakTheKey() {
    fake.answer = status(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + "\"}}");
    OpenAiProvider provider = provider(settings(KEY, 2_000, 2, 10_000, "/v1"));

    for (int i = 0; i < 3; i++) {
      AiProviderException failure = failureOf(provider.complete(request(null)));
      assertThat(failure.getMessage()).contains("401").contains("Incorrect API key").doesNotContain(KEY);
    }
    assertThat(fake.received).hasSize(3);
  }

  @Test
  void closedProviderFailsInsteadOfHanging() {
    OpenAiProvider provider = provider(settings(KEY, 2_000, 5, 10_000, "/v1"));
    provider.close();

    assertThat(failureOf(provider.complete(request(null)))).isInstanceOf(AiProviderException.class);
  }

  @Test
  void retryAfterIsReadInMillisecondsSecondsOrAsAnHttpDate() {
    long now = java.time.ZonedDateTime.parse("Wed, 21 Oct 2015 07:28:00 GMT",
        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();

    assertThat(OpenAiProvider.retryAfterMs(null, "1", now)).isEqualTo(1_000L);
    assertThat(OpenAiProvider.retryAfterMs(null, " 2.5 ", now)).isEqualTo(2_500L);
    assertThat(OpenAiProvider.retryAfterMs("120", "1", now)).as("OpenAI's retry-after-ms wins").isEqualTo(120L);
    assertThat(OpenAiProvider.retryAfterMs(null, "Wed, 21 Oct 2015 07:28:30 GMT", now)).isEqualTo(30_000L);
    assertThat(OpenAiProvider.retryAfterMs(null, "Wed, 21 Oct 2015 07:27:00 GMT", now)).as("a past date").isZero();
    assertThat(OpenAiProvider.retryAfterMs(null, null, now)).isNull();
    assertThat(OpenAiProvider.retryAfterMs(null, "soon", now)).isNull();
    assertThat(OpenAiProvider.retryAfterMs(null, "-5", now)).isNull();
  }

  @Test
  void backoffGrowsExponentiallyWithJitterAndStopsAtTheCap() {
    OpenAiProvider provider =
        provider(settings(KEY, 5_000, 5, 10_000, "/v1").withRetries(5, 100, 1_000));

    for (int i = 0; i < 50; i++) {
      assertThat(provider.backoffMs(0)).isBetween(50L, 100L);
      assertThat(provider.backoffMs(2)).isBetween(200L, 400L);
      assertThat(provider.backoffMs(5)).isBetween(500L, 1_000L);
      assertThat(provider.backoffMs(40)).isBetween(500L, 1_000L);
    }
  }

  @Test
  void settingsNormaliseUrlHideKeyAndRejectNonsense() {
    OpenAiSettings settings = OpenAiSettings.of("http://127.0.0.1:11434/v1//", null, "llama3.2");

    assertThat(settings.chatCompletionsUrl()).isEqualTo("http://127.0.0.1:11434/v1/chat/completions");
    assertThat(settings.hasApiKey()).isFalse();
    assertThat(settings.maxConnections()).isEqualTo(OpenAiSettings.DEFAULT_MAX_CONNECTIONS);
    assertThat(OpenAiSettings.of("https://api.openai.com/v1", KEY, "gpt-4o-mini").toString())
        .doesNotContain(KEY);
    assertThatThrownBy(() -> OpenAiSettings.of("api.openai.com", KEY, "m"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OpenAiSettings.of("https://api.openai.com/v1", KEY, " "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpenAiSettings("p", "https://api.openai.com/v1", KEY, "m", 0, 1, 1, 1, 0, 1, 1,
        true, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpenAiSettings("no spaces", "https://api.openai.com/v1", KEY, "m", 1, 1, 1, 1, 0, 1,
        1, true, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpenAiSettings("p", "https://api.openai.com/v1", KEY, "m", 1, 1, 1, 1,
        OpenAiSettings.MAX_RETRIES + 1, 1, 1, true, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpenAiSettings("p", "https://api.openai.com/v1", KEY, "m", 1, 1, 1, 1, 2, 500, 100,
        true, true)).hasMessageContaining("retryMaxMs");
  }

  private OpenAiSettings settings(
      String key, long timeoutMs, int maxFailures, long resetMs, String basePath) {
    String baseUrl = "http://127.0.0.1:" + fake.port() + basePath;
    // one attempt per call: retries are ProviderChainTest's subject; one body per answer: streaming
    // is OpenAiStreamingTest's
    return new OpenAiSettings("fake", baseUrl, key, "default-model", timeoutMs, 16, maxFailures, resetMs, 0, 10, 100,
        true, true, false, 5_000, 10_000);
  }

  private OpenAiProvider plainProvider() {
    return provider(settings(KEY, 5_000, 5, 10_000, "/v1"));
  }

  private OpenAiProvider provider(OpenAiSettings settings) {
    return new OpenAiProvider(vertx, settings);
  }

  private static AiRequest request(String model) {
    return new AiRequest(
        "Ada",
        "Answer questions about our shop.",
        "Hi, I'm Ada!",
        model,
        0.3,
        300,
        List.of(AiMessage.user("Do you ship abroad?"), AiMessage.assistant("Yes, to 30 countries.")),
        "Including Japan?",
        List.of());
  }

  /** Retries while the circuit is still open; the reset timer decides when a call gets through. */
  private static AiReply awaitFirstSuccess(OpenAiProvider provider) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      try {
        return await(provider.complete(request(null)));
      } catch (AiProviderException stillOpen) {
        assertThat(stillOpen).hasMessageContaining("circuit is open");
        assertThat(System.nanoTime()).as("circuit never closed").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(5, TimeUnit.SECONDS);
  }

  private static AiProviderException failureOf(Future<?> future) {
    Throwable failure = catchThrowable(() -> await(future));
    assertThat(failure).isInstanceOf(AiProviderException.class);
    return (AiProviderException) failure;
  }

  private static Consumer<HttpServerResponse> ok(String body) {
    return status(200, body);
  }

  private static Consumer<HttpServerResponse> status(int status, String body) {
    return response -> response.setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

  private record Received(
      String method, String path, String authorization, String contentType, JsonObject body) {}

  /** An in-process stand-in for the Chat Completions endpoint that records what it was sent. */
  private static final class FakeChatCompletions {

    final List<Received> received = new CopyOnWriteArrayList<>();
    volatile Consumer<HttpServerResponse> answer = ok(COMPLETION);
    private HttpServer server;

    static FakeChatCompletions start(Vertx vertx) throws Exception {
      FakeChatCompletions fake = new FakeChatCompletions();
      fake.server =
          vertx
              .createHttpServer()
              .requestHandler(
                  request ->
                      request
                          .body()
                          .onSuccess(
                              body -> {
                                fake.received.add(
                                    new Received(
                                        request.method().name(),
                                        request.path(),
                                        request.getHeader("Authorization"),
                                        request.getHeader("Content-Type"),
                                        body.length() == 0 ? null : body.toJsonObject()));
                                fake.answer.accept(request.response());
                              }))
              .listen(0, "127.0.0.1")
              .await(5, TimeUnit.SECONDS);
      return fake;
    }

    int port() {
      return server.actualPort();
    }
  }
}
