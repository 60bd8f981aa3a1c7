package com.livechat.chat.provider;

import static com.livechat.support.FakeOpenAi.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.ops.Metrics;
import com.livechat.support.FakeOpenAi.Canned;
import com.livechat.support.FakeOpenAi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The provider chain against two in-process OpenAI-compatible fakes (primary, secondary) and a
 * stand-in for the local assistant: retries, Retry-After, failover, the circuit breaker, the turn's
 * time budget, tool calls and grounding.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ProviderChainTest {

  private static final AiReply LOCAL = new AiReply("I'll pass your question on.", "local-assistant", 7);

  private Vertx vertx;
  private FakeOpenAi primary;
  private FakeOpenAi secondary;
  private Metrics metrics;
  private final List<OpenAiProvider> providers = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    primary = new FakeOpenAi();
    secondary = new FakeOpenAi();
    secondary.reply = "The secondary speaking.";
    metrics = new Metrics();
  }

  @AfterEach
  void stop() {
    providers.forEach(OpenAiProvider::close);
    primary.close();
    secondary.close();
  }

  @Test
  void aRateLimitIsRetriedAfterItsRetryAfter() throws Exception {
    primary.script(Canned.rateLimited("1"));
    ProviderChain chain = chain(provider("primary", primary, new Opts().retries(2, 10, 4_000)),
        provider("secondary", secondary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply.model()).isEqualTo("primary-model-0125");
    assertThat(primary.requests).hasSize(2);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(primary.arrivals.get(1) - primary.arrivals.get(0));
    assertThat(waitedMs).as("the retry waited for Retry-After: 1").isGreaterThanOrEqualTo(950);
    assertThat(secondary.requests).isEmpty();
  }

  @Test
  void aRetryAfterLongerThanRetryMaxFailsOverAtOnce() throws Exception {
    primary.script(Canned.rateLimited("30"));
    ProviderChain chain = chain(provider("primary", primary, new Opts().retries(2, 10, 4_000)),
        provider("secondary", secondary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply.content()).isEqualTo("The secondary speaking.");
    assertThat(reply.model()).isEqualTo("secondary-model-0125");
    assertThat(primary.requests).hasSize(1);
    assertThat(metrics.scrape())
        .contains("livechat_ai_provider_failures_total{provider=\"primary\",reason=\"rate_limited\"} 1.0")
        .contains("livechat_ai_replies_total{provider=\"secondary\"} 1.0");
  }

  @Test
  void serverErrorsAreRetriedThenTheNextProviderAnswers() throws Exception {
    primary.mode = FakeOpenAi.Mode.SERVER_ERROR;
    ProviderChain chain = chain(provider("primary", primary, new Opts().retries(2, 10, 100)),
        provider("secondary", secondary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply.model()).isEqualTo("secondary-model-0125");
    assertThat(primary.requests).as("one attempt and two retries").hasSize(3);
    assertThat(secondary.requests).hasSize(1);
  }

  @Test
  void malformedJsonFailsOverWithoutRetrying() throws Exception {
    primary.mode = FakeOpenAi.Mode.MALFORMED;
    ProviderChain chain = chain(provider("primary", primary, new Opts().retries(2, 10, 100)),
        provider("secondary", secondary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply.model()).isEqualTo("secondary-model-0125");
    assertThat(primary.requests).hasSize(1);
  }

  @Test
  void aProviderSlowerThanItsTimeoutFailsOver() throws Exception {
    primary.mode = FakeOpenAi.Mode.SLOW;
    primary.delayMs = 3_000;
    ProviderChain chain = chain(provider("primary", primary, new Opts().timeout(200)),
        provider("secondary", secondary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply.model()).isEqualTo("secondary-model-0125");
    assertThat(primary.requests).hasSize(1);
  }

  @Test
  void theTurnsBudgetCutsTheAttemptShortAndSkipsTheRemainingProviders() throws Exception {
    primary.mode = FakeOpenAi.Mode.SLOW;
    primary.delayMs = 3_000;
    ProviderChain chain = new ProviderChain(
        List.of(provider("primary", primary, new Opts().timeout(5_000)), provider("secondary", secondary, new Opts())),
        (request, stream) -> Future.succeededFuture(LOCAL), 300, metrics);

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply).isEqualTo(LOCAL);
    assertThat(secondary.requests).isEmpty();
  }

  @Test
  void theBreakerOpensAfterRepeatedFailuresAndClosesOnceTheProviderIsHealthy() throws Exception {
    primary.mode = FakeOpenAi.Mode.SERVER_ERROR;
    ProviderChain chain = chain(provider("primary", primary, new Opts().breaker(2, 300)),
        provider("secondary", secondary, new Opts()));

    await(chain.complete(request(null)));
    await(chain.complete(request(null)));
    AiReply whileOpen = await(chain.complete(request(null)));

    assertThat(whileOpen.model()).isEqualTo("secondary-model-0125");
    assertThat(primary.requests).as("the open circuit kept the third turn away").hasSize(2);

    primary.mode = FakeOpenAi.Mode.OK;
    AiReply probe = awaitAnswerFrom("primary-model-0125", chain);
    assertThat(probe.content()).isEqualTo("Our plans start at 10 dollars.");
    assertThat(primary.requests).as("only the half-open probe got through").hasSize(3);

    await(chain.complete(request(null)));
    assertThat(primary.requests).as("closed again").hasSize(4);
  }

  @Test
  void whenEveryRemoteProviderFailsTheFallbackAnswers() throws Exception {
    primary.mode = FakeOpenAi.Mode.SERVER_ERROR;
    secondary.mode = FakeOpenAi.Mode.MALFORMED;
    ProviderChain chain = chain(provider("primary", primary, new Opts()), provider("secondary", secondary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply).isEqualTo(LOCAL);
    assertThat(primary.requests).hasSize(1);
    assertThat(secondary.requests).hasSize(1);
    assertThat(metrics.scrape())
        .contains("livechat_ai_replies_total{provider=\"local\"} 1.0")
        .contains("livechat_ai_provider_failures_total{provider=\"primary\",reason=\"server_error\"} 1.0")
        .contains("livechat_ai_provider_failures_total{provider=\"secondary\",reason=\"bad_response\"} 1.0");
  }

  @Test
  void withoutRemoteProvidersTheFallbackAnswers() throws Exception {
    AiReply reply = await(chain().complete(request(null)));

    assertThat(reply).isEqualTo(LOCAL);
  }

  @Test
  void updateContactArgumentsBecomeTheContactAndTheFollowUpCarriesTheToolResults() throws Exception {
    primary.script(
        Canned.toolCalls(call("call_1", "update_contact",
            "{\"email\":\" ada@example.com \",\"name\":\"Ada\",\"favourite\":\"blue\"}")),
        Canned.text("Thanks Ada, we'll be in touch."));
    ProviderChain chain = chain(provider("primary", primary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply.content()).isEqualTo("Thanks Ada, we'll be in touch.");
    assertThat(reply.contact()).isEqualTo(new JsonObject().put("name", "Ada").put("email", "ada@example.com"));
    assertThat(reply.handoff()).isFalse();
    assertThat(reply.tokens()).as("both round trips").isEqualTo(2 * FakeOpenAi.TOKENS);
    assertThat(primary.requests).hasSize(2);
    JsonObject followUp = primary.requests.get(1);
    assertThat(followUp.getJsonArray("tools")).isEqualTo(primary.requests.get(0).getJsonArray("tools"));
    JsonArray messages = followUp.getJsonArray("messages");
    JsonObject assistant = messages.getJsonObject(messages.size() - 2);
    JsonObject tool = messages.getJsonObject(messages.size() - 1);
    assertThat(messages.getJsonObject(messages.size() - 3))
        .isEqualTo(new JsonObject().put("role", "user").put("content", "Including Japan?"));
    assertThat(assistant.getString("role")).isEqualTo("assistant");
    assertThat(assistant.getValue("content")).isNull();
    assertThat(assistant.getJsonArray("tool_calls")).isEqualTo(new JsonArray().add(call("call_1", "update_contact",
        "{\"email\":\" ada@example.com \",\"name\":\"Ada\",\"favourite\":\"blue\"}")));
    assertThat(tool.getString("role")).isEqualTo("tool");
    assertThat(tool.getString("tool_call_id")).isEqualTo("call_1");
    assertThat(tool.getString("content")).startsWith("Saved");
  }

  @Test
  void contactIsMergedOverCallsAndMalformedArgumentsAreIgnored() throws Exception {
    primary.script(
        Canned.toolCalls(call("a", "update_contact", "{\"name\":\"Ada\",\"phone\":\"1\"}"),
            call("b", "update_contact", "{not json")),
        Canned.toolCalls(call("c", "update_contact", "{\"phone\":\" +44 20 7946 0000 \",\"budget\":5000}")),
        Canned.text("Noted."));
    ProviderChain chain = chain(provider("primary", primary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply.content()).isEqualTo("Noted.");
    assertThat(reply.contact()).isEqualTo(
        new JsonObject().put("name", "Ada").put("phone", "+44 20 7946 0000").put("budget", "5000"));
    assertThat(reply.tokens()).isEqualTo(3 * FakeOpenAi.TOKENS);
    JsonArray messages = primary.requests.get(1).getJsonArray("messages");
    JsonObject malformedResult = messages.getJsonObject(messages.size() - 1);
    assertThat(malformedResult.getString("tool_call_id")).isEqualTo("b");
    assertThat(malformedResult.getString("content")).contains("not a valid JSON object");
  }

  @Test
  void requestHumanIsAHandoffWithWhateverTextCameWithIt() throws Exception {
    primary.script(
        Canned.toolCalls(call("h", "request_human", "{\"reason\":\"wants a person\"}")),
        new Canned(200, Map.of(), null, "Let me find someone for you.",
            new JsonArray().add(call("h2", "request_human", "{}")), 0));
    ProviderChain chain = chain(provider("primary", primary, new Opts()));

    AiReply silent = await(chain.complete(request(null)));
    AiReply spoken = await(chain.complete(request(null)));

    assertThat(silent.handoff()).isTrue();
    assertThat(silent.content()).isNull();
    assertThat(spoken.handoff()).isTrue();
    assertThat(spoken.content()).isEqualTo("Let me find someone for you.");
    assertThat(primary.requests).as("no follow-up after request_human").hasSize(2);
  }

  @Test
  void aModelThatOnlyCallsToolsFailsOverAfterTwoFollowUps() throws Exception {
    Canned onlyTools = Canned.toolCalls(call("x", "update_contact", "{\"name\":\"Ada\"}"));
    primary.script(onlyTools, onlyTools, onlyTools);
    ProviderChain chain = chain(provider("primary", primary, new Opts()), provider("secondary", secondary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    assertThat(reply.model()).isEqualTo("secondary-model-0125");
    assertThat(primary.requests).hasSize(3);
  }

  @Test
  void groundingPutsThePassagesInTheSystemPromptAndNamesThemAsSources() throws Exception {
    List<KnowledgePassage> knowledge = List.of(
        new KnowledgePassage("k1", "Shipping", "We ship to 30 countries, Japan included."),
        new KnowledgePassage("k2", "Returns", "Returns are free within 30 days."));
    ProviderChain chain = chain(provider("primary", primary, new Opts()));

    AiReply reply = await(chain.complete(request(null, knowledge)));

    String system = primary.requests.get(0).getJsonArray("messages").getJsonObject(0).getString("content");
    assertThat(system)
        .contains("Answer questions about our shop.")
        .contains(ChatCompletionsJson.GROUNDING)
        .contains("[1] Shipping\nWe ship to 30 countries, Japan included.")
        .contains("[2] Returns\nReturns are free within 30 days.");
    assertThat(reply.sources()).isEqualTo(knowledge);
  }

  @Test
  void noKnowledgeMeansNoGroundingSectionAndNoSources() throws Exception {
    ProviderChain chain = chain(provider("primary", primary, new Opts()));

    AiReply reply = await(chain.complete(request(null)));

    String system = primary.requests.get(0).getJsonArray("messages").getJsonObject(0).getString("content");
    assertThat(system).doesNotContain(ChatCompletionsJson.GROUNDING);
    assertThat(reply.sources()).isEmpty();
  }

  @Test
  void toolsAreNotOfferedWhenDisabled() throws Exception {
    ProviderChain chain = chain(provider("primary", primary, new Opts().tools(false)));

    await(chain.complete(request(null)));

    JsonObject body = primary.requests.get(0);
    assertThat(body.containsKey("tools")).isFalse();
    assertThat(body.containsKey("tool_choice")).isFalse();
    assertThat(body.getJsonArray("messages").getJsonObject(0).getString("content"))
        .doesNotContain(ChatCompletionsJson.TOOL_HINT);
  }

  @Test
  void anAssistantsModelOverridesTheDefaultUnlessTheProviderSaysOtherwise() throws Exception {
    primary.mode = FakeOpenAi.Mode.SERVER_ERROR;
    ProviderChain chain = chain(provider("primary", primary, new Opts()),
        provider("secondary", secondary, new Opts().assistantModel(false)));

    AiReply reply = await(chain.complete(request("gpt-4o")));

    assertThat(primary.requests.get(0).getString("model")).isEqualTo("gpt-4o");
    assertThat(secondary.requests.get(0).getString("model")).isEqualTo("secondary-model");
    assertThat(reply.model()).isEqualTo("secondary-model-0125");
  }

  /** Per-provider settings for a test; fast retries and a patient breaker unless a test says otherwise. */
  private static final class Opts {
    long timeoutMs = 2_000;
    int breakerMaxFailures = 50;
    long breakerResetMs = 10_000;
    int maxRetries = 0;
    long retryBaseMs = 10;
    long retryMaxMs = 100;
    boolean tools = true;
    boolean assistantModel = true;

    Opts timeout(long ms) {
      timeoutMs = ms;
      return this;
    }

    Opts retries(int max, long baseMs, long maxMs) {
      maxRetries = max;
      retryBaseMs = baseMs;
      retryMaxMs = maxMs;
      return this;
    }

    Opts breaker(int maxFailures, long resetMs) {
      breakerMaxFailures = maxFailures;
      breakerResetMs = resetMs;
      return this;
    }

    Opts tools(boolean on) {
      tools = on;
      return this;
    }

    Opts assistantModel(boolean on) {
      assistantModel = on;
      return this;
    }
  }

  private OpenAiProvider provider(String name, FakeOpenAi fake, Opts o) {
    OpenAiProvider provider = new OpenAiProvider(vertx, new OpenAiSettings(name, fake.baseUrl(), "sk-" + name,
        name + "-model", o.timeoutMs, 16, o.breakerMaxFailures, o.breakerResetMs, o.maxRetries, o.retryBaseMs,
        o.retryMaxMs, o.tools, o.assistantModel));
    providers.add(provider);
    return provider;
  }

  private ProviderChain chain(OpenAiProvider... remotes) {
    return new ProviderChain(List.of(remotes), (request, stream) -> Future.succeededFuture(LOCAL), 10_000, metrics);
  }

  private static AiRequest request(String model) {
    return request(model, List.of());
  }

  private static AiRequest request(String model, List<KnowledgePassage> knowledge) {
    return new AiRequest("Ada", "Answer questions about our shop.", "Hi, I'm Ada!", model, 0.3, 300,
        List.of(AiMessage.user("Do you ship abroad?"), AiMessage.assistant("Yes, to 30 countries.")),
        "Including Japan?", knowledge);
  }

  /** Asks until the given model answers; the breaker's reset timer decides when the probe goes through. */
  private static AiReply awaitAnswerFrom(String model, ProviderChain chain) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      AiReply reply = await(chain.complete(request(null)));
      if (reply.model().equals(model)) {
        return reply;
      }
      assertThat(System.nanoTime()).as("the circuit never closed").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(15, TimeUnit.SECONDS);
  }
}
