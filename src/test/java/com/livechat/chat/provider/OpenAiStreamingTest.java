package com.livechat.chat.provider;

import static com.livechat.support.FakeOpenAi.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.FakeOpenAi.Canned;
import com.livechat.support.FakeOpenAi.Step;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One streaming provider against the in-process OpenAI fake: deltas in order on the caller's
 * context, tool calls in fragments and whole, the time limits of a stream, broken streams and
 * turns called off.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class OpenAiStreamingTest {

  private Vertx vertx;
  private FakeOpenAi fake;
  private final List<OpenAiProvider> providers = new ArrayList<>();
  /** The deltas of the turn, and the context each arrived on. */
  private final List<String> deltas = new CopyOnWriteArrayList<>();
  private final List<Context> deltaContexts = new CopyOnWriteArrayList<>();
  private ReplyStream stream;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    fake = new FakeOpenAi();
    stream = new ReplyStream(text -> {
      deltas.add(text);
      deltaContexts.add(Vertx.currentContext());
    });
  }

  @AfterEach
  void stop() {
    providers.forEach(OpenAiProvider::close);
    fake.close();
  }

  @Test
  void deltasArriveInOrderOnTheCallersContextAndJoinToTheContent() throws Exception {
    List<String> tokens = List.of("Our", " plans", " start at", " 10 €", " — see 😀", ".");
    fake.script(Canned.stream(tokens, 50, 20));
    OpenAiProvider provider = provider(settings());
    Context caller = vertx.getOrCreateContext();

    Promise<AiReply> result = Promise.promise();
    caller.runOnContext(v -> provider.complete(request(), stream).onComplete(result));
    AiReply reply = await(result.future());

    assertThat(deltas).containsExactlyElementsOf(tokens);
    assertThat(deltaContexts).allSatisfy(context -> assertThat(context).isSameAs(caller));
    assertThat(reply).isEqualTo(new AiReply(String.join("", tokens), "m-0125", FakeOpenAi.TOKENS));
    assertThat(stream.text()).isEqualTo(reply.content());
    JsonObject body = fake.requests.get(0);
    assertThat(body.getBoolean("stream")).isTrue();
    assertThat(body.getJsonObject("stream_options")).isEqualTo(new JsonObject().put("include_usage", true));
  }

  @Test
  void reasoningIsNeverShown() throws Exception {
    fake.script(Canned.reasoningThenText("The visitor wants prices; be brief.", "Ten dollars a month."));

    AiReply reply = await(provider(settings()).complete(request(), stream));

    assertThat(reply.content()).isEqualTo("Ten dollars a month.");
    assertThat(String.join("", deltas)).isEqualTo("Ten dollars a month.");
    assertThat(deltas).noneMatch(delta -> delta.contains("visitor"));
  }

  @Test
  void toolCallFragmentsRoundTripAndTheFollowUpStreamsToo() throws Exception {
    fake.script(
        Canned.toolCallInFragments("call_1", "update_contact",
            List.of("{\"name\": \"Ada\", ", "\"email\": \"ada@exa", "mple.com\"}")),
        Canned.stream(List.of("Thanks", " Ada!"), 0, 10));

    AiReply reply = await(provider(settings()).complete(request(), stream));

    assertThat(reply.content()).isEqualTo("Thanks Ada!");
    assertThat(reply.contact()).isEqualTo(new JsonObject().put("name", "Ada").put("email", "ada@example.com"));
    assertThat(reply.tokens()).as("both round trips").isEqualTo(2 * FakeOpenAi.TOKENS);
    assertThat(reply.interrupted()).isFalse();
    assertThat(deltas).as("the tool-call round said nothing").containsExactly("Thanks", " Ada!");
    assertThat(fake.requests).hasSize(2);
    JsonObject followUp = fake.requests.get(1);
    assertThat(followUp.getBoolean("stream")).isTrue();
    JsonArray messages = followUp.getJsonArray("messages");
    assertThat(messages.getJsonObject(messages.size() - 2).getJsonArray("tool_calls")).isEqualTo(new JsonArray()
        .add(call("call_1", "update_contact", "{\"name\": \"Ada\", \"email\": \"ada@example.com\"}")));
    assertThat(messages.getJsonObject(messages.size() - 1))
        .isEqualTo(new JsonObject().put("role", "tool").put("tool_call_id", "call_1")
            .put("content", "Saved: name, email."));
  }

  @Test
  void wholeToolCallsAsOllamaSendsThem() throws Exception {
    fake.script(Canned.wholeToolCalls(call("c1", "update_contact", "{\"phone\": \"+44 20 7946 0000\"}"),
        call("c2", "request_human", "{\"reason\": \"wants a person\"}")));

    AiReply reply = await(provider(settings()).complete(request(), stream));

    assertThat(reply.handoff()).isTrue();
    assertThat(reply.content()).isNull();
    assertThat(reply.contact()).isEqualTo(new JsonObject().put("phone", "+44 20 7946 0000"));
    assertThat(deltas).isEmpty();
    assertThat(fake.requests).as("no follow-up after request_human").hasSize(1);
  }

  @Test
  void withStreamingOffTheRequestAsksForOneBodyAsBefore() throws Exception {
    OpenAiProvider provider = provider(settings().withStreaming(false, 5_000, 10_000));

    AiReply reply = await(provider.complete(request(), stream));

    assertThat(reply).isEqualTo(new AiReply("Our plans start at 10 dollars.", "m-0125", FakeOpenAi.TOKENS));
    assertThat(fake.requests.get(0).containsKey("stream")).isFalse();
    assertThat(fake.requests.get(0).containsKey("stream_options")).isFalse();
    assertThat(deltas).as("the chain passes a whole reply on, not the provider").isEmpty();
  }

  @Test
  void aProviderSilentBeforeItsFirstTokenFailsAfterFirstTokenTimeoutAndIsNotRetried() {
    fake.script(Canned.hangBeforeFirstToken(), Canned.hangBeforeFirstToken(), Canned.hangBeforeFirstToken());
    OpenAiProvider provider = provider(settings().withStreaming(true, 300, 5_000).withRetries(2, 10, 100));

    long started = System.nanoTime();
    AiProviderException failure = failureOf(provider.complete(request(), stream));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(failure.reason()).isEqualTo(Reason.FIRST_TOKEN_TIMEOUT);
    assertThat(failure).hasMessage("AI provider sent no token within 300 ms");
    assertThat(tookMs).isBetween(300L, 1_800L);
    assertThat(fake.requests).as("not retried").hasSize(1);
    awaitTrue(() -> fake.abandoned.size() == 1, "the fake saw the connection close");
  }

  @Test
  void aRoleChunkIsNoToken() {
    fake.script(Canned.events(Step.chunk(0, new JsonObject().put("choices", new JsonArray().add(new JsonObject()
        .put("index", 0).put("delta", new JsonObject().put("role", "assistant").put("content", ""))))), Step.hang()));
    OpenAiProvider provider = provider(settings().withStreaming(true, 300, 5_000));

    assertThat(failureOf(provider.complete(request(), stream)).reason()).isEqualTo(Reason.FIRST_TOKEN_TIMEOUT);
  }

  @Test
  void aSilenceMidStreamEndsTheReplyWithWhatWasSaidAndCountsAgainstTheBreaker() throws Exception {
    fake.script(Canned.streamThenHang(List.of("Our plans", " start"), 10));
    OpenAiProvider provider = provider(settings(1).withStreaming(true, 2_000, 300).withRetries(2, 10, 100));

    long started = System.nanoTime();
    AiReply reply = await(provider.complete(request(), stream));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(reply.content()).isEqualTo("Our plans start");
    assertThat(reply.interrupted()).isTrue();
    assertThat(reply.model()).isEqualTo("m-0125");
    assertThat(reply.tokens()).as("estimated: no usage came")
        .isEqualTo(ChatCompletionsJson.estimatedTokens(fake.requests.get(0), "Our plans start")).isGreaterThan(50);
    assertThat(reply.handoff()).isFalse();
    assertThat(deltas).containsExactly("Our plans", " start");
    assertThat(tookMs).isGreaterThanOrEqualTo(300);
    assertThat(fake.requests).as("never retried").hasSize(1);
    awaitTrue(() -> fake.abandoned.size() == 1, "the fake saw the connection close");

    AiProviderException next = failureOf(provider.complete(request(), ReplyStream.discarding()));
    assertThat(next.reason()).as("breakerMaxFailures=1: the cut reply opened the circuit").isEqualTo(Reason.CIRCUIT_OPEN);
    assertThat(fake.requests).hasSize(1);
  }

  @Test
  void anAttemptOverItsTimeLimitAfterTheFirstTokenEndsWithWhatWasSaid() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      tokens.add(" word" + i);
    }
    fake.script(Canned.stream(tokens, 0, 50));
    OpenAiProvider provider = provider(new OpenAiSettings("p", fake.baseUrl(), "sk-p", "m", 400, 16, 50, 10_000, 0,
        10, 100, true, true, true, 2_000, 2_000));

    AiReply reply = await(provider.complete(request(), stream));

    assertThat(reply.interrupted()).isTrue();
    assertThat(reply.content()).isEqualTo(String.join("", deltas)).startsWith(" word0 word1");
    assertThat(deltas.size()).isBetween(2, 20);
  }

  @Test
  void anErrorMidStreamEndsTheReplyWithWhatWasSaid() throws Exception {
    fake.script(Canned.streamThenError(List.of("Sure,", " let me"), "The server had an error"));
    OpenAiProvider provider = provider(settings().withRetries(2, 10, 100));

    AiReply reply = await(provider.complete(request(), stream));

    assertThat(reply.content()).isEqualTo("Sure, let me");
    assertThat(reply.interrupted()).isTrue();
    assertThat(deltas).containsExactly("Sure,", " let me");
    assertThat(fake.requests).as("never retried").hasSize(1);
  }

  @Test
  void anErrorBeforeAnyTokenFailsLikeAServerError() {
    fake.script(Canned.streamThenError(List.of(), "The server had an error"));

    AiProviderException failure = failureOf(provider(settings()).complete(request(), stream));

    assertThat(failure.reason()).isEqualTo(Reason.SERVER_ERROR);
    assertThat(failure).hasMessage("AI provider sent an error in its stream: The server had an error");
    assertThat(stream.started()).isFalse();
  }

  @Test
  void aStreamCutBeforeItsEndAfterTextIsInterrupted() throws Exception {
    fake.script(Canned.events(Step.chunk(0, new JsonObject().put("choices", new JsonArray().add(new JsonObject()
        .put("index", 0).put("delta", new JsonObject().put("content", "Half an")))))));

    AiReply reply = await(provider(settings()).complete(request(), stream));

    assertThat(reply.content()).isEqualTo("Half an");
    assertThat(reply.interrupted()).isTrue();
  }

  @Test
  void theStreamingStatusFailuresAreTheSameAsWithoutStreaming() {
    fake.script(Canned.rateLimited("30"), Canned.status(503), Canned.status(401), Canned.malformed());
    OpenAiProvider provider = provider(settings());

    assertThat(failureOf(provider.complete(request(), stream)).reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(failureOf(provider.complete(request(), stream)).reason()).isEqualTo(Reason.SERVER_ERROR);
    AiProviderException refused = failureOf(provider.complete(request(), stream));
    assertThat(refused.reason()).isEqualTo(Reason.REFUSED);
    assertThat(refused).hasMessageContaining("401").hasMessageContaining("status 401");
    AiProviderException malformed = failureOf(provider.complete(request(), stream));
    assertThat(malformed.reason()).isEqualTo(Reason.BAD_RESPONSE);
  }

  @Test
  void cancelledBeforeTheFirstTokenFailsWithCancelledClosesTheConnectionAndDoesNotCount() throws Exception {
    fake.script(Canned.hangBeforeFirstToken(), Canned.text("Back to normal."));
    OpenAiProvider provider = provider(settings(1));

    Future<AiReply> reply = provider.complete(request(), stream);
    awaitTrue(() -> fake.requests.size() == 1, "the request arrived");
    stream.cancel();

    AiProviderException failure = failureOf(reply);
    assertThat(failure.reason()).isEqualTo(Reason.CANCELLED);
    awaitTrue(() -> fake.abandoned.size() == 1, "the fake saw the connection close");
    AiReply after = await(provider.complete(request(), ReplyStream.discarding()));
    assertThat(after.content()).as("breakerMaxFailures=1, yet the circuit is closed").isEqualTo("Back to normal.");
  }

  @Test
  void cancelledMidStreamEndsWithWhatWasSaidAndClosesTheConnection() throws Exception {
    fake.script(Canned.stream(List.of("One", " two", " three", " four"), 0, 300), Canned.text("Still fine."));
    OpenAiProvider provider = provider(settings(1));

    Future<AiReply> result = provider.complete(request(), stream);
    awaitTrue(() -> deltas.size() == 1, "the first token arrived");
    stream.cancel();
    AiReply reply = await(result);

    assertThat(reply.content()).isEqualTo("One");
    assertThat(reply.interrupted()).isTrue();
    assertThat(deltas).containsExactly("One");
    awaitTrue(() -> fake.abandoned.size() == 1, "the fake saw the connection close");
    Thread.sleep(400);
    assertThat(deltas).as("nothing after the cancel").containsExactly("One");
    assertThat(await(provider.complete(request(), ReplyStream.discarding())).content())
        .as("a cancel is no failure of the provider").isEqualTo("Still fine.");
  }

  @Test
  void aTurnCalledOffBeforeItStartsSendsNothing() {
    stream.cancel();

    assertThat(failureOf(provider(settings()).complete(request(), stream)).reason()).isEqualTo(Reason.CANCELLED);
    assertThat(fake.requests).isEmpty();
  }

  private OpenAiSettings settings() {
    return settings(50);
  }

  private OpenAiSettings settings(int breakerMaxFailures) {
    return new OpenAiSettings("p", fake.baseUrl(), "sk-p", "m", 5_000, 16, breakerMaxFailures, 10_000, 0, 10, 100,
        true, true, true, 2_000, 2_000);
  }

  private OpenAiProvider provider(OpenAiSettings settings) {
    OpenAiProvider provider = new OpenAiProvider(vertx, settings);
    providers.add(provider);
    return provider;
  }

  private static AiRequest request() {
    return new AiRequest("Ada", "Answer questions about our shop.", "Hi, I'm Ada!", null, 0.3, 300,
        List.of(AiMessage.user("Do you ship abroad?"), AiMessage.assistant("Yes, to 30 countries.")),
        "How much is it?", List.of());
  }

  static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }

  private static AiProviderException failureOf(Future<?> future) {
    Throwable failure = catchThrowable(() -> await(future));
    assertThat(failure).isInstanceOf(AiProviderException.class);
    return (AiProviderException) failure;
  }
}
