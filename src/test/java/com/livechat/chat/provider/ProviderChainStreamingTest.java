package com.livechat.chat.provider;

import static com.livechat.chat.provider.OpenAiStreamingTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.livechat.chat.provider.AiProviderException.Reason;
import com.livechat.ops.Metrics;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.FakeOpenAi.Canned;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chain with streaming providers: who may still take over once a provider failed, what the
 * visitor sees of each kind of answer, and a turn called off.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ProviderChainStreamingTest {

  private static final AiReply LOCAL = new AiReply("I'll pass your question on.", "local-assistant", 7);
  private static final long FIRST_TOKEN_MS = 300;

  private Vertx vertx;
  private FakeOpenAi primary;
  private FakeOpenAi secondary;
  private Metrics metrics;
  private final List<OpenAiProvider> providers = new ArrayList<>();
  private final List<String> deltas = new CopyOnWriteArrayList<>();
  private final AtomicInteger fallbackCalls = new AtomicInteger();
  private ReplyStream stream;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    primary = new FakeOpenAi();
    secondary = new FakeOpenAi();
    secondary.reply = "The secondary speaking.";
    metrics = new Metrics();
    stream = new ReplyStream(deltas::add);
  }

  @AfterEach
  void stop() {
    providers.forEach(OpenAiProvider::close);
    primary.close();
    secondary.close();
  }

  @Test
  void aProviderThatNeverAnswersHandsOverAfterTheFirstTokenTimeoutWithoutRetries() throws Exception {
    primary.script(Canned.hangBeforeFirstToken(), Canned.hangBeforeFirstToken(), Canned.hangBeforeFirstToken());
    ProviderChain chain = chain(provider("primary", primary, true, 2), provider("secondary", secondary, true, 0));

    long sent = System.nanoTime();
    AiReply reply = await(chain.complete(request(), stream));

    assertThat(reply.content()).isEqualTo("The secondary speaking.");
    assertThat(reply.model()).isEqualTo("secondary-model-0125");
    assertThat(String.join("", deltas)).isEqualTo("The secondary speaking.");
    assertThat(deltas).as("streamed in pieces").hasSizeGreaterThan(1);
    assertThat(primary.requests).as("a first-token timeout is not retried").hasSize(1);
    // the first-token clock starts when the request is sent (the connection it waits for included)
    long handOverMs = TimeUnit.NANOSECONDS.toMillis(secondary.arrivals.get(0) - sent);
    assertThat(handOverMs).isGreaterThanOrEqualTo(FIRST_TOKEN_MS).isLessThan(FIRST_TOKEN_MS + 1_500);
    assertThat(metrics.scrape())
        .contains("livechat_ai_provider_failures_total{provider=\"primary\",reason=\"first_token_timeout\"} 1.0")
        .contains("livechat_ai_replies_total{provider=\"secondary\"} 1.0");
    awaitTrue(() -> primary.abandoned.size() == 1, "the primary saw the connection close");
  }

  @Test
  void anErrorChunkBeforeAnyTokenHandsOver() throws Exception {
    primary.script(Canned.streamThenError(List.of(), "overloaded"));
    ProviderChain chain = chain(provider("primary", primary, true, 0), provider("secondary", secondary, true, 0));

    AiReply reply = await(chain.complete(request(), stream));

    assertThat(reply.model()).isEqualTo("secondary-model-0125");
    assertThat(String.join("", deltas)).isEqualTo("The secondary speaking.");
    assertThat(metrics.scrape())
        .contains("livechat_ai_provider_failures_total{provider=\"primary\",reason=\"server_error\"} 1.0");
  }

  @Test
  void aReplyCutShortIsTheAnswerAndNobodyElseIsAsked() throws Exception {
    primary.script(Canned.streamThenError(List.of("We ship", " to"), "The server had an error"));
    ProviderChain chain = chain(provider("primary", primary, true, 2), provider("secondary", secondary, true, 0));

    AiReply reply = await(chain.complete(request(), stream));

    assertThat(reply.content()).isEqualTo("We ship to");
    assertThat(reply.interrupted()).isTrue();
    assertThat(reply.model()).isEqualTo("primary-model-0125");
    assertThat(deltas).containsExactly("We ship", " to");
    assertThat(primary.requests).hasSize(1);
    assertThat(secondary.requests).isEmpty();
    assertThat(fallbackCalls).hasValue(0);
    assertThat(metrics.scrape())
        .contains("livechat_ai_replies_total{provider=\"primary\"} 1.0")
        .contains("livechat_ai_replies_interrupted_total{provider=\"primary\"} 1.0");
  }

  @Test
  void aProviderThatDoesNotStreamHasItsWholeTextPassedOnAsOneDelta() throws Exception {
    ProviderChain chain = chain(provider("primary", primary, false, 0));

    AiReply reply = await(chain.complete(request(), stream));

    assertThat(reply.content()).isEqualTo("Our plans start at 10 dollars.");
    assertThat(deltas).containsExactly("Our plans start at 10 dollars.");
  }

  @Test
  void theFallbacksTextIsPassedOnAsOneDelta() throws Exception {
    primary.mode = FakeOpenAi.Mode.SERVER_ERROR;
    ProviderChain chain = chain(provider("primary", primary, true, 0));

    AiReply reply = await(chain.complete(request(), stream));

    assertThat(reply).isEqualTo(LOCAL);
    assertThat(deltas).containsExactly(LOCAL.content());
  }

  @Test
  void aHandoffWithoutTextSendsNothing() throws Exception {
    primary.script(Canned.toolCalls(FakeOpenAi.call("h", "request_human", "{}")));
    ProviderChain chain = chain(provider("primary", primary, true, 0));

    AiReply reply = await(chain.complete(request(), stream));

    assertThat(reply.handoff()).isTrue();
    assertThat(deltas).isEmpty();
  }

  @Test
  void calledOffBeforeTheFirstTokenTheChainFailsAndAsksNobodyElse() {
    primary.script(Canned.hangBeforeFirstToken());
    ProviderChain chain = chain(provider("primary", primary, true, 2), provider("secondary", secondary, true, 0));

    Future<AiReply> reply = chain.complete(request(), stream);
    awaitTrue(() -> primary.requests.size() == 1, "the request reached the primary");
    stream.cancel();

    Throwable failure = catchThrowable(() -> await(reply));
    assertThat(failure).isInstanceOfSatisfying(AiProviderException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
    awaitTrue(() -> primary.abandoned.size() == 1, "the primary saw the connection close");
    assertThat(secondary.requests).isEmpty();
    assertThat(fallbackCalls).hasValue(0);
    assertThat(deltas).isEmpty();
    assertThat(metrics.scrape()).doesNotContain("livechat_ai_provider_failures_total{provider=\"primary\"");
  }

  @Test
  void calledOffMidStreamTheReplyIsWhatWasSaid() throws Exception {
    primary.script(Canned.stream(List.of("One", " two", " three"), 0, 400));
    ProviderChain chain = chain(provider("primary", primary, true, 0), provider("secondary", secondary, true, 0));

    Future<AiReply> result = chain.complete(request(), stream);
    awaitTrue(() -> deltas.size() == 1, "the first token arrived");
    stream.cancel();
    AiReply reply = await(result);

    assertThat(reply.content()).isEqualTo("One");
    assertThat(reply.interrupted()).isTrue();
    awaitTrue(() -> primary.abandoned.size() == 1, "the primary saw the connection close");
    assertThat(secondary.requests).isEmpty();
    assertThat(fallbackCalls).hasValue(0);
  }

  @Test
  void aTurnCalledOffBeforeItStartsAsksNobody() {
    stream.cancel();
    ProviderChain chain = chain(provider("primary", primary, true, 0));

    Throwable failure = catchThrowable(() -> await(chain.complete(request(), stream)));

    assertThat(failure).isInstanceOfSatisfying(AiProviderException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
    assertThat(primary.requests).isEmpty();
    assertThat(fallbackCalls).hasValue(0);
  }

  private OpenAiProvider provider(String name, FakeOpenAi fake, boolean streaming, int maxRetries) {
    OpenAiProvider provider = new OpenAiProvider(vertx, new OpenAiSettings(name, fake.baseUrl(), "sk-" + name,
        name + "-model", 5_000, 16, 50, 10_000, maxRetries, 10, 100, true, true, streaming, FIRST_TOKEN_MS, 2_000));
    providers.add(provider);
    return provider;
  }

  private ProviderChain chain(OpenAiProvider... remotes) {
    return new ProviderChain(List.of(remotes), (request, ignored) -> {
      fallbackCalls.incrementAndGet();
      return Future.succeededFuture(LOCAL);
    }, 10_000, metrics);
  }

  private static AiRequest request() {
    return new AiRequest("Ada", "Answer questions about our shop.", "Hi, I'm Ada!", null, 0.3, 300,
        List.of(AiMessage.user("Do you ship abroad?")), "Including Japan?", List.of());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }
}
