package com.livechat.voice;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.FakeOpenAi.Canned;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.voice.VoiceCallTest.Tenant;
import com.livechat.voice.sim.FakeCall;
import com.livechat.voice.sim.FakeCarrier;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code voice.mode = "gather"}, for carriers without the relay: the {@code <Gather>} loop with its
 * spoken replies, silence re-prompted once and then goodbye, a slow turn's holding phrase and the
 * Redirect that picks its reply up, a handoff that dials the transfer number.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VoiceGatherTest {

  private static final long TURN_TIMEOUT_MS = 700;

  private FakeOpenAi ai;
  private VoiceNode node;
  private LiveChatServer server;
  private Api api;
  private FakeCarrier carrier;
  private String number;

  @BeforeAll
  void start() {
    ai = new FakeOpenAi();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray().add(ai.providerConfig("fake", "gpt-voice")
        .put("timeoutMs", 10_000).put("maxRetries", 0)));
    config.getJsonObject("voice").put("mode", "gather").put("turnTimeoutMs", TURN_TIMEOUT_MS);
    node = VoiceNode.start(config);
    server = node.server;
    api = node.api;
    carrier = node.carrier;
  }

  @AfterAll
  void stop() {
    node.close();
    ai.close();
  }

  @BeforeEach
  void signUp() {
    ai.reset();
    Tenant tenant = VoiceCallTest.signup(api, "voice-gather-" + System.nanoTime() + "@example.com");
    number = VoiceCallTest.newNumber();
    VoiceCallTest.configure(api, tenant, List.of(number), "+14165550123", "Hello from Acme.");
  }

  private static <T> T await(Future<T> future) {
    return VoiceNode.await(future);
  }

  @Test
  void theGatherLoopAnswersAndSilenceIsPromptedOnceThenGoodbye() {
    ai.script(Canned.text("We open at nine."));
    FakeCall call = await(carrier.dial("+14155550301", number));
    assertThat(call.gathering()).isTrue();
    assertThat(call.said()).containsExactly("Hello from Acme.");
    await(call.speak("When do you open?"));
    assertThat(call.gathering()).isTrue();
    assertThat(call.said()).containsExactly("We open at nine.");
    await(call.speak(null));
    assertThat(call.gathering()).isTrue();
    assertThat(call.said()).containsExactly(Calls.DID_NOT_CATCH);
    await(call.speak(null));
    assertThat(call.said()).containsExactly(Calls.GOODBYE);
    assertThat(call.hungUp()).isTrue();
  }

  @Test
  void speechAfterASilenceStartsTheCountAgain() {
    ai.script(Canned.text("Yes."), Canned.text("Sure."));
    FakeCall call = await(carrier.dial("+14155550302", number));
    await(call.speak(null));
    assertThat(call.said()).containsExactly(Calls.DID_NOT_CATCH);
    await(call.speak("Are you there?"));
    assertThat(call.said()).containsExactly("Yes.");
    await(call.speak(null));
    assertThat(call.said()).containsExactly(Calls.DID_NOT_CATCH);
  }

  @Test
  void aSlowTurnSaysTheHoldingPhraseAndTheRedirectPicksTheReplyUp() {
    ai.script(Canned.text("Worth the wait.").after(TURN_TIMEOUT_MS + 500));
    FakeCall call = await(carrier.dial("+14155550303", number));
    await(call.speak("A slow question"));
    // the fake follows the Redirect: the holding phrase, then the reply
    assertThat(call.said()).containsExactly("One moment, please.", "Worth the wait.");
    assertThat(call.gathering()).isTrue();
  }

  @Test
  void aHandoffDialsTheTransferNumber() {
    FakeCall call = await(carrier.dial("+14155550304", number));
    await(call.speak("Can I talk to a real person?"));
    assertThat(call.dialled()).isEqualTo("+14165550123");
    assertThat(call.dialCallerId()).isEqualTo(number);
    assertThat(call.said()).containsExactly("Let me transfer you to a member of our team.");
  }
}
