package com.livechat.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.livechat.voice.sim.CallCommand;
import com.livechat.voice.sim.FakeCall;
import com.livechat.voice.sim.FakeCarrier;
import com.livechat.voice.twilio.TwiML;
import com.livechat.voice.twilio.TwilioSignature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fake carrier against a small in-test voice server that checks every signature over the
 * public URL, as the real webhooks do: the fake must sign right, map public URLs to the server,
 * follow the TwiML and speak the relay protocol.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FakeCarrierTest {

  private static final String PUBLIC = "https://chat.example.com";
  private static final String RELAY_URL = "wss://chat.example.com/api/voice/twilio/relay";
  private static final String TOKEN = "test-auth-token-0123456789";
  private static final String ACCOUNT = "AC" + "1".repeat(32);
  private static final String CALLER = "+15551230000";
  private static final String RELAY_NUMBER = "+15550000001";
  private static final String GATHER_NUMBER = "+15550000002";
  private static final String ELSEWHERE_NUMBER = "+15550000003";
  private static final String TRANSFER_NUMBER = "+15557654321";
  private static final String HANDOFF = "{\"reason\":\"caller asked for a person\",\"conversationId\":\"conv-1\"}";

  private Vertx vertx;
  private VoiceServer server;
  private FakeCarrier carrier;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = VoiceServer.start(vertx);
    carrier = new FakeCarrier(vertx, server.base(), PUBLIC, TOKEN, ACCOUNT);
  }

  @AfterEach
  void stop() {
    carrier.close().await();
    vertx.close().await();
  }

  @Test
  void dialPostsTheIncomingWebhookSignedOverThePublicUrl() {
    FakeCall call = carrier.dial(CALLER, RELAY_NUMBER).await();

    assertThat(call.httpStatus()).isEqualTo(200);
    assertThat(call.callSid()).matches("CA[0-9a-f]{32}");
    assertThat(call.greeting()).isEqualTo("Hi, I'm Ada.");
    assertThat(call.relayParameters()).containsExactly(Map.entry("conversationId", "conv-1"),
        Map.entry("tenantId", "tnt-1"));
    assertThat(call.gathering()).isFalse();
    assertThat(call.hungUp()).isFalse();
    assertThat(call.twiml()).startsWith("<?xml");

    Received incoming = server.only("/api/voice/twilio/incoming");
    assertThat(incoming.params()).containsExactly(
        Map.entry("AccountSid", ACCOUNT), Map.entry("CallSid", call.callSid()), Map.entry("From", CALLER),
        Map.entry("To", RELAY_NUMBER), Map.entry("CallStatus", "ringing"), Map.entry("Caller", CALLER),
        Map.entry("Called", RELAY_NUMBER), Map.entry("Direction", "inbound"), Map.entry("ApiVersion", "2010-04-01"));
    assertThat(incoming.signature())
        .isEqualTo(TwilioSignature.compute(TOKEN, PUBLIC + "/api/voice/twilio/incoming", incoming.params()));
  }

  @Test
  void theRelayCarriesSetupPromptsAndStreamedReplies() {
    FakeCall call = carrier.dial(CALLER, RELAY_NUMBER).await();
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    call.onFrame(seen::add);

    call.connect().await();
    JsonObject setup = server.eventually(m -> m.getString("type").equals("setup"));
    assertThat(setup.getString("sessionId")).matches("VX[0-9a-f]{32}");
    assertThat(setup.getString("callSid")).isEqualTo(call.callSid());
    assertThat(setup.getString("from")).isEqualTo(CALLER);
    assertThat(setup.getString("to")).isEqualTo(RELAY_NUMBER);
    assertThat(setup.getString("accountSid")).isEqualTo(ACCOUNT);
    assertThat(setup.getString("direction")).isEqualTo("inbound");
    assertThat(setup.getString("callStatus")).isEqualTo("RINGING");
    assertThat(setup.containsKey("applicationSid")).isTrue();
    assertThat(setup.getJsonObject("customParameters"))
        .isEqualTo(new JsonObject().put("conversationId", "conv-1").put("tenantId", "tnt-1"));

    assertThat(call.prompt("What are your hours?").await()).isEqualTo("You said: What are your hours?");
    assertThat(call.prompt("And on Sunday?").await()).isEqualTo("You said: And on Sunday?");

    JsonObject prompt = server.eventually(m -> m.getString("type").equals("prompt"));
    assertThat(prompt).isEqualTo(new JsonObject().put("type", "prompt").put("voicePrompt", "What are your hours?")
        .put("lang", "en-US").put("last", true));
    assertThat(call.frames()).extracting(f -> f.getString("token") + "|" + f.getBoolean("last"))
        .containsExactly("You said: |false", "What are your hours?|true", "You said: |false", "And on Sunday?|true");
    assertThat(seen).isEqualTo(call.frames());
    assertThat(call.ended()).isFalse();
    assertThat(call.handoffData()).isNull();

    call.dtmf("5").await();
    call.interrupt("You said").await();
    call.sendError("speech recognition failed").await();
    assertThat(server.eventually(m -> m.getString("type").equals("dtmf")).getString("digit")).isEqualTo("5");
    JsonObject interrupt = server.eventually(m -> m.getString("type").equals("interrupt"));
    assertThat(interrupt.getString("utteranceUntilInterrupt")).isEqualTo("You said");
    assertThat(interrupt.getString("durationUntilInterruptMs")).matches("[0-9]+");
    assertThat(server.eventually(m -> m.getString("type").equals("error")).getString("description"))
        .isEqualTo("speech recognition failed");
  }

  @Test
  void aReplyTheCallerTalksOverEndsWithWhatCameSoFar() {
    FakeCall call = carrier.dial(CALLER, RELAY_NUMBER).await();
    call.connect().await();

    Future<String> interrupted = call.prompt("slow");
    awaitFrames(call, 1);
    call.interrupt("Well").await();
    assertThat(interrupted.await()).isEqualTo("Well, ");

    Future<String> superseded = call.prompt("slow");
    awaitFrames(call, 2);
    assertThat(call.prompt("hi").await()).isEqualTo("You said: hi");
    assertThat(superseded.await()).isEqualTo("Well, ");

    assertThat(catchThrowable(() -> call.prompt("hang up on me").await()))
        .hasMessageContaining("closed before the reply ended");
    call.socketClosed().await();
  }

  private static void awaitFrames(FakeCall call, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (call.frames().size() < count) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  @Test
  void aHandoffEndsTheRelayAndTheConnectActionDials() {
    FakeCall call = carrier.dial(CALLER, RELAY_NUMBER).await();
    call.connect().await();

    assertThat(call.prompt("transfer").await()).isEqualTo("Let me get someone. ");
    assertThat(call.ended()).isTrue();
    assertThat(call.handoffData()).isEqualTo(HANDOFF);
    assertThat(call.frames()).extracting(f -> f.getString("type")).containsExactly("text", "end");
    assertThat(catchThrowable(() -> call.prompt("hello?").await())).hasMessageContaining("ended");

    call.relayEnded().await();
    assertThat(call.dialled()).isEqualTo(TRANSFER_NUMBER);
    assertThat(call.dialCallerId()).isEqualTo(RELAY_NUMBER);
    assertThat(call.said()).containsExactly("Transferring you now.");
    call.socketClosed().await();

    // the action's query is part of the signed URL; the server verified it
    Received ended = server.only("/api/voice/twilio/relay-ended");
    assertThat(ended.query()).isEqualTo("conversationId=conv-1&tenant=t%20one");
    String sessionId = server.eventually(m -> m.getString("type").equals("setup")).getString("sessionId");
    assertThat(ended.params())
        .containsEntry("AccountSid", ACCOUNT)
        .containsEntry("CallSid", call.callSid())
        .containsEntry("From", CALLER)
        .containsEntry("To", RELAY_NUMBER)
        .containsEntry("CallStatus", "in-progress")
        .containsEntry("SessionId", sessionId)
        .containsEntry("SessionStatus", "ended")
        .containsEntry("HandoffData", HANDOFF)
        .containsKey("SessionDuration");
  }

  @Test
  void aCallerWhoHangsUpCompletesTheRelaySession() {
    FakeCall call = carrier.dial(CALLER, RELAY_NUMBER).await();
    call.connect().await();
    call.relayEnded().await();

    Received ended = server.only("/api/voice/twilio/relay-ended");
    assertThat(ended.params()).containsEntry("CallStatus", "completed").containsEntry("SessionStatus", "completed")
        .doesNotContainKey("HandoffData");
    assertThat(call.hungUp()).isTrue();
  }

  @Test
  void aRefusedUpgradeFailsWithItsStatus() {
    FakeCall call = carrier.dial(CALLER, RELAY_NUMBER).await();

    assertThat(catchThrowable(() -> call.connect("bm90LXRoaXMtb25l").await())).hasMessageContaining("HTTP 403");
    assertThat(catchThrowable(() -> call.connect(null).await())).hasMessageContaining("HTTP 400");
    assertThat(catchThrowable(() -> call.connect(TwilioSignature.compute("other-token", RELAY_URL, Map.of())).await()))
        .hasMessageContaining("HTTP 403");
    assertThat(server.relayMessages).isEmpty();

    call.connect(TwilioSignature.compute(TOKEN, RELAY_URL, Map.of())).await();
    assertThat(server.eventually(m -> m.getString("type").equals("setup")).getString("callSid"))
        .isEqualTo(call.callSid());
    assertThat(catchThrowable(() -> call.connect().await())).hasMessageContaining("already connected");
  }

  @Test
  void negativeTestsCanSendAWrongSignatureOrNone() {
    Map<String, String> params = Map.of("AccountSid", ACCOUNT, "CallSid", "CA" + "0".repeat(32),
        "From", CALLER, "To", RELAY_NUMBER);
    String incoming = PUBLIC + "/api/voice/twilio/incoming";

    assertThat(carrier.post(incoming, params, "d3Jvbmc=", false).await().statusCode()).isEqualTo(403);
    assertThat(carrier.post(incoming, params, null, true).await().statusCode()).isEqualTo(400);
    assertThat(carrier.post(incoming, params, null, false).await().statusCode()).isEqualTo(200);
    // a signature over the server's own address instead of the public URL is refused
    String overServerUrl = TwilioSignature.compute(TOKEN, server.base() + "/api/voice/twilio/incoming", params);
    assertThat(carrier.post(incoming, params, overServerUrl, false).await().statusCode()).isEqualTo(403);
    assertThat(catchThrowable(() -> carrier.post("https://other.example.com/api/voice/twilio/incoming", params, null,
        false).await())).hasMessageContaining("not under the public URL");
  }

  @Test
  void aRelayUrlOffThePublicHostFailsTheConnect() {
    FakeCall call = carrier.dial(CALLER, ELSEWHERE_NUMBER).await();

    assertThat(catchThrowable(() -> call.connect().await()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("wss://elsewhere.example.net/api/voice/twilio/relay");
  }

  @Test
  void aNumberNotInServiceIsSaidAndHungUp() {
    FakeCall call = carrier.dial(CALLER, "+15559999999").await();

    assertThat(call.hungUp()).isTrue();
    assertThat(call.said()).containsExactly("The number you dialled is not in service.");
    assertThat(call.gathering()).isFalse();
    assertThat(call.greeting()).isNull();
    assertThat(catchThrowable(() -> call.connect().await())).hasMessageContaining("no <ConversationRelay>");
    assertThat(catchThrowable(() -> call.speak("hello").await())).hasMessageContaining("no <Gather>");
  }

  @Test
  void gatherTurnsFollowRedirectsAndReportSilence() {
    FakeCall call = carrier.dial(CALLER, GATHER_NUMBER).await();
    assertThat(call.gathering()).isTrue();
    assertThat(call.said()).containsExactly("Hi, how can I help?");
    // the <Redirect> after a <Gather> is only reached when the Gather ends without an action
    assertThat(server.received).hasSize(1);

    call.speak("I need a plumber").await();
    assertThat(call.said()).containsExactly("One moment.", "You said I need a plumber. Anything else?");
    assertThat(call.gathering()).isTrue();
    List<Received> turns = server.all("/api/voice/twilio/gather");
    assertThat(turns).hasSize(2);
    assertThat(turns.get(0).query()).isEqualTo("conversationId=conv-2");
    assertThat(turns.get(0).params()).containsEntry("SpeechResult", "I need a plumber")
        .containsEntry("Confidence", "0.92").containsEntry("CallStatus", "in-progress")
        .containsEntry("CallSid", call.callSid());
    assertThat(turns.get(1).query()).isEqualTo("conversationId=conv-2&after=hold");
    assertThat(turns.get(1).params()).doesNotContainKeys("SpeechResult", "Confidence")
        .containsEntry("CallStatus", "in-progress").containsEntry("From", CALLER).containsEntry("To", GATHER_NUMBER);

    call.speak(null).await();
    assertThat(call.hungUp()).isTrue();
    assertThat(call.gathering()).isFalse();
    assertThat(call.said()).containsExactly("Goodbye.");
    assertThat(server.all("/api/voice/twilio/gather").get(2).params()).doesNotContainKeys("SpeechResult", "Confidence");
  }

  @Test
  void statusCallbacksAndHangingUp() {
    FakeCall call = carrier.dial(CALLER, RELAY_NUMBER).await();
    call.connect().await();

    assertThat(call.status("in-progress", 2, Map.of("AnsweredBy", "human")).await()).isEqualTo(200);
    Received inProgress = server.only("/api/voice/twilio/status");
    assertThat(inProgress.params()).containsEntry("CallStatus", "in-progress").containsEntry("SequenceNumber", "2")
        .containsEntry("AnsweredBy", "human").containsEntry("Direction", "inbound")
        .containsEntry("AccountSid", ACCOUNT).containsEntry("CallSid", call.callSid());
    assertThat(ZonedDateTime.parse(inProgress.params().get("Timestamp"), DateTimeFormatter.RFC_1123_DATE_TIME))
        .isBetween(ZonedDateTime.now().minusMinutes(1), ZonedDateTime.now().plusMinutes(1));

    call.hangUp(42).await();
    call.socketClosed().await();
    Received completed = server.all("/api/voice/twilio/status").get(1);
    assertThat(completed.params()).containsEntry("CallStatus", "completed").containsEntry("CallDuration", "42")
        .containsEntry("SequenceNumber", "3");
    assertThat(catchThrowable(() -> call.prompt("still there?").await())).hasMessageContaining("not connected");
  }

  @Test
  void fiveHundredConcurrentCallsFromOneCarrier() throws Exception {
    List<Future<String>> replies = IntStream.range(0, 500)
        .mapToObj(i -> carrier.dial("+1555100" + String.format("%04d", i), RELAY_NUMBER)
            .compose(call -> call.connect().compose(v -> call.prompt("caller " + i))))
        .toList();

    Future.all(replies).await(50, TimeUnit.SECONDS);
    for (int i = 0; i < replies.size(); i++) {
      assertThat(replies.get(i).result()).isEqualTo("You said: caller " + i);
    }
  }

  @Test
  void theSimulatorHoldsARelayConversation(@TempDir Path dataDir) {
    Transcript transcript = simulate(TOKEN, dataDir, RELAY_NUMBER, "What are your hours?\n/press 5\n\ntransfer\nignored\n");

    assertThat(transcript.exitCode()).isZero();
    assertThat(transcript.lines()).containsExactly(
        "calling " + RELAY_NUMBER + " from +15550001111 (server " + server.base() + ", public URL " + PUBLIC + ")",
        "(greeting) Hi, I'm Ada.",
        "caller: What are your hours?",
        "assistant: You said: What are your hours?",
        "caller: transfer",
        "assistant: Let me get someone. ",
        "assistant: Transferring you now.",
        "transferring to " + TRANSFER_NUMBER);
    assertThat(server.eventually(m -> m.getString("type").equals("dtmf")).getString("digit")).isEqualTo("5");
    assertThat(server.only("/api/voice/twilio/relay-ended").params()).containsEntry("SessionStatus", "ended");
    assertThat(server.only("/api/voice/twilio/status").params()).containsEntry("CallStatus", "completed")
        .containsKey("CallDuration");
  }

  @Test
  void theSimulatorHangsUpAtTheEndOfInput(@TempDir Path dataDir) {
    Transcript transcript = simulate(TOKEN, dataDir, RELAY_NUMBER, "hello\n");

    assertThat(transcript.exitCode()).isZero();
    List<String> lines = transcript.lines();
    assertThat(lines.subList(lines.size() - 3, lines.size() - 1)).containsExactly("caller: hello",
        "assistant: You said: hello");
    assertThat(lines.get(lines.size() - 1)).matches("call ended after [0-9]+ s");
    assertThat(server.only("/api/voice/twilio/relay-ended").params()).containsEntry("SessionStatus", "completed")
        .containsEntry("CallStatus", "completed");
    assertThat(server.only("/api/voice/twilio/status").params()).containsEntry("CallStatus", "completed")
        .containsEntry("SequenceNumber", "0");
    assertThat(server.only("/api/voice/twilio/status").params().get("CallDuration"))
        .isEqualTo(lines.get(lines.size() - 1).replaceAll("[^0-9]", ""));
  }

  @Test
  void theSimulatorSpeaksGatherTurns(@TempDir Path dataDir) {
    Transcript transcript = simulate(TOKEN, dataDir, GATHER_NUMBER, "I need a plumber\n\n");

    assertThat(transcript.exitCode()).isZero();
    assertThat(transcript.lines()).containsSubsequence(
        "assistant: Hi, how can I help?",
        "caller: I need a plumber",
        "assistant: One moment.",
        "assistant: You said I need a plumber. Anything else?",
        "caller: (silence)",
        "assistant: Goodbye.",
        "call ended");
  }

  @Test
  void theSimulatorSaysANumberIsNotInService(@TempDir Path dataDir) {
    Transcript transcript = simulate(TOKEN, dataDir, "+15559999999", "");

    assertThat(transcript.exitCode()).isZero();
    assertThat(transcript.lines()).endsWith("assistant: The number you dialled is not in service.", "call ended");
  }

  @Test
  void theSimulatorExplainsARefusal(@TempDir Path dataDir) {
    Transcript wrongToken = simulate("another-token", dataDir, RELAY_NUMBER, "");
    assertThat(wrongToken.exitCode()).isEqualTo(1);
    assertThat(wrongToken.lines().get(1)).contains("HTTP 403")
        .contains("the server's auth token differs: set LIVECHAT_TWILIO_AUTH_TOKEN the same for both");

    Transcript unreachable = simulate(TOKEN, dataDir, List.of(RELAY_NUMBER, "--url", "http://127.0.0.1:1"), "");
    assertThat(unreachable.exitCode()).isEqualTo(1);
    assertThat(unreachable.lines().get(1)).startsWith("cannot reach the server at http://127.0.0.1:1");

    assertThat(simulate(TOKEN, dataDir, List.of(), "").exitCode()).isEqualTo(2);
  }

  @Test
  void theSimulatorSignsWithTheTokenTheServerKeepsInTheDataDir(@TempDir Path dataDir) throws Exception {
    // no token configured on either side: both read the one generated into the shared data dir
    String generated = TwilioSignature.serverAuthToken("", dataDir);
    server.token = generated;
    Transcript transcript = simulate("", dataDir, "+15559999999", "");

    assertThat(transcript.exitCode()).isZero();
    assertThat(transcript.lines()).contains("call ended");
  }

  private record Transcript(int exitCode, List<String> lines) {}

  private Transcript simulate(String token, Path dataDir, String number, String input) {
    return simulate(token, dataDir, List.of(number, "--url", server.base()), input);
  }

  private Transcript simulate(String token, Path dataDir, List<String> args, String input) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LIVECHAT_PUBLIC_URL", PUBLIC);
    env.put("LIVECHAT_TWILIO_AUTH_TOKEN", token);
    env.put("LIVECHAT_TWILIO_ACCOUNT_SID", ACCOUNT);
    env.put("LIVECHAT_DATA_DIR", dataDir.toString());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = CallCommand.run(args.toArray(String[]::new), env, new BufferedReader(new StringReader(input)), out,
        true);
    return new Transcript(code, bytes.toString(StandardCharsets.UTF_8).lines().toList());
  }

  private record Received(String path, String query, Map<String, String> params, String signature) {}

  /**
   * The webhooks and the relay as the real server exposes them, answering just enough TwiML to
   * drive each path of the fake. Every request's signature is checked over the public URL.
   */
  private static final class VoiceServer {
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<JsonObject> relayMessages = new CopyOnWriteArrayList<>();
    private final int port;
    private volatile String token = TOKEN;

    private VoiceServer(Vertx vertx) {
      Router router = Router.router(vertx);
      router.post("/api/voice/twilio/*").handler(BodyHandler.create());
      router.post("/api/voice/twilio/*").handler(this::checkSignature);
      router.post("/api/voice/twilio/incoming").handler(this::incoming);
      router.post("/api/voice/twilio/relay-ended").handler(ctx -> twiml(ctx,
          ctx.request().getFormAttribute("HandoffData") != null
              ? TwiML.response().say("Transferring you now.", null, null)
                  .dial(TRANSFER_NUMBER, ctx.request().getFormAttribute("To"), null)
              : TwiML.response().hangup()));
      router.post("/api/voice/twilio/gather").handler(this::gather);
      router.post("/api/voice/twilio/status").handler(ctx -> ctx.response().end());
      router.get("/api/voice/twilio/relay").handler(this::relay);
      HttpServer http = vertx.createHttpServer().requestHandler(router);
      this.port = http.listen(0, "127.0.0.1").await().actualPort();
    }

    static VoiceServer start(Vertx vertx) {
      return new VoiceServer(vertx);
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    Received only(String path) {
      List<Received> all = all(path);
      assertThat(all).hasSize(1);
      return all.get(0);
    }

    List<Received> all(String path) {
      return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    JsonObject eventually(Predicate<JsonObject> match) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        for (JsonObject message : relayMessages) {
          if (match.test(message)) {
            return message;
          }
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
      throw new AssertionError("no such relay message in " + relayMessages);
    }

    private void checkSignature(RoutingContext ctx) {
      HttpServerRequest request = ctx.request();
      List<Map.Entry<String, String>> params = new ArrayList<>(request.formAttributes().entries());
      String signature = request.getHeader("X-Twilio-Signature");
      if (signature == null) {
        ctx.response().setStatusCode(400).putHeader("content-type", "application/json")
            .end("{\"success\":false,\"error\":{\"code\":\"signature_missing\",\"message\":\"No signature.\"}}");
        return;
      }
      if (!TwilioSignature.verify(token, PUBLIC + request.uri(), params, signature)) {
        ctx.response().setStatusCode(403).putHeader("content-type", "application/json")
            .end("{\"success\":false,\"error\":{\"code\":\"signature_invalid\",\"message\":\"Bad signature.\"}}");
        return;
      }
      Map<String, String> ordered = new LinkedHashMap<>();
      params.forEach(p -> ordered.put(p.getKey(), p.getValue()));
      received.add(new Received(request.path(), request.query(), ordered, signature));
      ctx.next();
    }

    private void incoming(RoutingContext ctx) {
      Map<String, String> parameters = new LinkedHashMap<>();
      parameters.put("conversationId", "conv-1");
      parameters.put("tenantId", "tnt-1");
      String action = PUBLIC + "/api/voice/twilio/relay-ended?conversationId=conv-1&tenant=t%20one";
      twiml(ctx, switch (ctx.request().getFormAttribute("To")) {
        case RELAY_NUMBER -> TwiML.response().connectRelay(action, RELAY_URL, "Hi, I'm Ada.", "en-US", null, parameters);
        case ELSEWHERE_NUMBER -> TwiML.response().connectRelay(action,
            "wss://elsewhere.example.net/api/voice/twilio/relay", null, null, null, parameters);
        case GATHER_NUMBER -> TwiML.response()
            .gather(PUBLIC + "/api/voice/twilio/gather?conversationId=conv-2", "en-US", "Hi, how can I help?",
                "en-US", null)
            .redirect(PUBLIC + "/api/voice/twilio/gather?conversationId=conv-2&after=silence");
        default -> TwiML.response().say("The number you dialled is not in service.", null, null).hangup();
      });
    }

    private void gather(RoutingContext ctx) {
      String speech = ctx.request().getFormAttribute("SpeechResult");
      String gatherUrl = PUBLIC + "/api/voice/twilio/gather?conversationId=conv-2";
      if (speech != null) {
        twiml(ctx, TwiML.response().say("One moment.", null, null).redirect(gatherUrl + "&after=hold"));
      } else if ("hold".equals(ctx.request().getParam("after"))) {
        String heard = all("/api/voice/twilio/gather").stream()
            .map(r -> r.params().get("SpeechResult")).filter(s -> s != null).reduce((a, b) -> b).orElse("");
        twiml(ctx, TwiML.response().gather(gatherUrl, "en-US", "You said " + heard + ". Anything else?", null, null));
      } else {
        twiml(ctx, TwiML.response().say("Goodbye.", null, null).hangup());
      }
    }

    private void relay(RoutingContext ctx) {
      String signature = ctx.request().getHeader("X-Twilio-Signature");
      if (signature == null) {
        ctx.response().setStatusCode(400).end("no signature");
        return;
      }
      if (!TwilioSignature.verify(token, RELAY_URL, Map.of(), signature)) {
        ctx.response().setStatusCode(403).end("bad signature");
        return;
      }
      ctx.request().toWebSocket().onSuccess(this::converse);
    }

    /**
     * Echoes each prompt as two text frames; "transfer" is a handoff (a first token, then end),
     * "slow" a reply that never ends, "hang up on me" a closed socket.
     */
    private void converse(ServerWebSocket ws) {
      ws.textMessageHandler(text -> {
        JsonObject message = new JsonObject(text);
        relayMessages.add(message);
        if (!message.getString("type").equals("prompt")) {
          return;
        }
        String prompt = message.getString("voicePrompt");
        if (prompt.equals("slow")) {
          ws.writeTextMessage(token("Well, ", false));
        } else if (prompt.equals("hang up on me")) {
          ws.close();
        } else if (prompt.equals("transfer")) {
          ws.writeTextMessage(token("Let me get someone. ", false));
          ws.writeTextMessage(new JsonObject().put("type", "end").put("handoffData", HANDOFF).encode());
        } else {
          ws.writeTextMessage(token("You said: ", false));
          ws.writeTextMessage(token(prompt, true));
        }
      });
    }

    private static String token(String token, boolean last) {
      return new JsonObject().put("type", "text").put("token", token).put("last", last).encode();
    }

    private static void twiml(RoutingContext ctx, TwiML twiml) {
      ctx.response().putHeader("content-type", "text/xml").end(twiml.toXml());
    }
  }
}
