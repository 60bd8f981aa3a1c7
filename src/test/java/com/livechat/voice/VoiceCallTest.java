package com.livechat.voice;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.voice.sim.FakeCall;
import com.livechat.voice.sim.FakeCarrier;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Calls through the fake carrier (real signatures, real TwiML parsing, the real relay WebSocket)
 * against a node with the local assistant: numbers nobody has, known numbers, the monthly and
 * concurrent limits, a call started from a chat, knowledge answers spoken, handoff to the transfer
 * number, signatures, status callbacks out of order and twice, and tenant isolation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VoiceCallTest {

  static final String ACCOUNT = VoiceNode.ACCOUNT;
  private static final AtomicInteger NUMBERS = new AtomicInteger(1000);

  private VoiceNode node;
  private LiveChatServer server;
  private Api api;
  private FakeCarrier carrier;
  private Tenant tenant;

  record Tenant(String id, String widgetToken, String jwt, String assistantId) {}

  @BeforeAll
  void start() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("voice").put("holdingPhraseAfterMs", 10_000);
    node = VoiceNode.start(config);
    server = node.server;
    api = node.api;
    carrier = node.carrier;
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @BeforeEach
  void signUp() {
    tenant = signup(api, "voice-" + System.nanoTime() + "@example.com");
  }

  static Tenant signup(Api api, String email) {
    JsonObject s = api.signup(email);
    String id = s.getJsonObject("tenant").getString("id");
    String widgetToken = s.getJsonObject("tenant").getString("widgetToken");
    String assistantId = api.get("/api/widgets/" + id + "/config", "Authorization", bearer(widgetToken)).json()
        .getJsonObject("config").getString("assistantId");
    return new Tenant(id, widgetToken, s.getString("token"), assistantId);
  }

  static String newNumber() {
    return "+1415555" + NUMBERS.incrementAndGet();
  }

  /** Gives the tenant's assistant these numbers (and a transfer number, a greeting, required fields). */
  static JsonObject configure(Api api, Tenant t, List<String> numbers, String transferNumber, String greeting) {
    JsonObject assistant = api.get("/api/assistants/" + t.assistantId(), "Authorization", bearer(t.jwt())).json()
        .getJsonObject("assistant");
    assistant.put("phoneNumbers", new JsonArray(numbers)).put("transferNumber", transferNumber)
        .put("greeting", greeting).put("qualification", new JsonObject().put("requiredFields",
            new JsonArray().add("phone").add("email")));
    Api.Response r = api.method("PUT", "/api/assistants/" + t.assistantId(), assistant.encode(),
        "Authorization", bearer(t.jwt()), "Content-Type", "application/json");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonObject("assistant");
  }

  private String knownNumber() {
    String number = newNumber();
    configure(api, tenant, List.of(number), "+14165550123", "Hello, Acme here. How can I help?");
    return number;
  }

  private long count(String sql, Object... params) {
    return TestServer.sql(server, sql, params).iterator().next().getLong(0);
  }

  private JsonObject conversation(String id) {
    Api.Response r = api.get("/api/conversations/" + id, "Authorization", bearer(tenant.jwt()));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonObject("conversation");
  }

  private List<JsonObject> messages(String conversationId) {
    Api.Response r = api.get("/api/conversations/" + conversationId + "/messages", "Authorization",
        bearer(tenant.jwt()));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonArray("items").stream().map(o -> (JsonObject) o).toList();
  }

  private static <T> T await(io.vertx.core.Future<T> future) {
    return VoiceNode.await(future);
  }

  // --- numbers ---------------------------------------------------------------------------------

  @Test
  void aNumberNobodyHasIsNotInService() {
    long calls = count("SELECT count(*) FROM voice_calls");
    FakeCall call = await(carrier.dial("+14155550100", newNumber()));
    assertThat(call.httpStatus()).isEqualTo(200);
    assertThat(call.said()).containsExactly(Calls.NOT_IN_SERVICE);
    assertThat(call.hungUp()).isTrue();
    assertThat(count("SELECT count(*) FROM voice_calls")).isEqualTo(calls);
  }

  @Test
  void aKnownNumberOpensAVoiceConversationAndStartsTheRelay() {
    String number = knownNumber();
    FakeCall call = await(carrier.dial("+14155550101", number));
    assertThat(call.httpStatus()).as(call.twiml()).isEqualTo(200);
    assertThat(call.greeting()).isEqualTo("Hello, Acme here. How can I help?");
    String conversationId = call.relayParameters().get("conversationId");
    assertThat(conversationId).startsWith("conv-");
    assertThat(call.twiml()).contains("ws://localhost:" + server.port() + "/api/voice/twilio/relay?callSid="
        + call.callSid());

    JsonObject conversation = conversation(conversationId);
    assertThat(conversation.getString("channel")).isEqualTo("voice");
    assertThat(conversation.getJsonObject("contact_data").getString("phone")).isEqualTo("+14155550101");
    assertThat(conversation.getJsonObject("metadata").getJsonObject("call").getString("callSid"))
        .isEqualTo(call.callSid());
    assertThat(conversation.getJsonObject("metadata").getJsonObject("call").getString("direction"))
        .isEqualTo("inbound");
    // the greeting is the transcript's first line
    List<JsonObject> transcript = messages(conversationId);
    assertThat(transcript).hasSize(1);
    assertThat(transcript.get(0).getString("role")).isEqualTo("assistant");
    assertThat(transcript.get(0).getString("content")).isEqualTo("Hello, Acme here. How can I help?");
    // a call without a lease is counted when it connects, once
    assertThat(usageVoiceCalls()).isEqualTo(1);
    // the carrier asking twice gets the same answer and creates nothing again
    Api.Response again = carrierRepeat(call, number);
    assertThat(again.status()).isEqualTo(200);
    assertThat(count("SELECT count(*) FROM conversations WHERE tenant_id = $1 AND channel = 'voice'", tenant.id()))
        .isEqualTo(1);
    assertThat(usageVoiceCalls()).isEqualTo(1);
  }

  private Api.Response carrierRepeat(FakeCall call, String number) {
    Map<String, String> params = new java.util.LinkedHashMap<>();
    params.put("AccountSid", ACCOUNT);
    params.put("CallSid", call.callSid());
    params.put("From", "+14155550101");
    params.put("To", number);
    params.put("CallStatus", "ringing");
    HttpResponse<Buffer> r = await(carrier.post("http://localhost:" + server.port() + "/api/voice/twilio/incoming",
        params, null, false));
    assertThat(r.bodyAsString()).contains("conversationId");
    return new Api.Response(r.statusCode(), null, r.bodyAsString());
  }

  private long usageVoiceCalls() {
    return api.get("/api/usage", "Authorization", bearer(tenant.jwt())).json().getJsonObject("usage")
        .getLong("voiceCalls");
  }

  @Test
  void theAssistantAnswersFromItsKnowledgeAndEveryLineIsInTheTranscript() {
    String number = knownNumber();
    Api.Response k = api.post("/api/assistants/" + tenant.assistantId() + "/knowledge", new JsonObject()
        .put("title", "Opening hours").put("content", "We are open from nine to five, Monday to Friday."),
        "Authorization", bearer(tenant.jwt()));
    assertThat(k.status()).as(k.text()).isEqualTo(201);
    FakeCall call = await(carrier.dial("+14155550102", number));
    await(call.connect());
    String reply = await(call.prompt("What are your opening hours?"));
    assertThat(reply).contains("nine to five");
    List<JsonObject> texts = call.frames().stream().filter(f -> f.getString("type").equals("text")).toList();
    assertThat(texts).isNotEmpty();
    assertThat(texts.get(texts.size() - 1).getBoolean("last")).isTrue();
    assertThat(texts.subList(0, texts.size() - 1)).allMatch(f -> !f.getBoolean("last"));

    List<JsonObject> transcript = messages(call.relayParameters().get("conversationId"));
    assertThat(transcript).extracting(m -> m.getString("role")).containsExactly("assistant", "visitor", "assistant");
    assertThat(transcript.get(1).getString("content")).isEqualTo("What are your opening hours?");
    assertThat(transcript.get(2).getString("content")).isEqualTo(reply);
  }

  @Test
  void overTheMonthlyVoiceCallsTheCallerHearsAnApologyAndNothingIsCreated() {
    String number = knownNumber();
    TestServer.sql(server, "UPDATE tenants SET limits = '{\"voiceCallsPerMonth\": 0}' WHERE id = $1", tenant.id());
    FakeCall call = await(carrier.dial("+14155550103", number));
    assertThat(call.said()).containsExactly(Calls.OVER_MONTHLY_LIMIT);
    assertThat(call.hungUp()).isTrue();
    assertThat(count("SELECT count(*) FROM conversations WHERE tenant_id = $1", tenant.id())).isZero();
    assertThat(count("SELECT count(*) FROM voice_calls WHERE tenant_id = $1", tenant.id())).isZero();
  }

  @Test
  void overTheConcurrentCapTheCallerHearsAllLinesBusyUntilACallEnds() {
    String number = knownNumber();
    TestServer.sql(server, "UPDATE tenants SET limits = '{\"maxConcurrentCalls\": 1}' WHERE id = $1", tenant.id());
    FakeCall first = await(carrier.dial("+14155550104", number));
    assertThat(first.greeting()).isNotNull();
    FakeCall second = await(carrier.dial("+14155550105", number));
    assertThat(second.said()).containsExactly(Calls.ALL_LINES_BUSY);
    assertThat(second.hungUp()).isTrue();
    assertThat(count("SELECT count(*) FROM voice_calls WHERE tenant_id = $1", tenant.id())).isEqualTo(1);
    assertThat(usageVoiceCalls()).isEqualTo(1);

    await(first.hangUp(12));
    FakeCall third = await(carrier.dial("+14155550106", number));
    assertThat(third.greeting()).isNotNull();
  }

  @Test
  void theConcurrentCapHoldsExactlyWhenCallsArriveTogether() {
    String number = knownNumber();
    TestServer.sql(server, "UPDATE tenants SET limits = '{\"maxConcurrentCalls\": 2}' WHERE id = $1", tenant.id());
    List<io.vertx.core.Future<FakeCall>> dials = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      dials.add(carrier.dial("+1415555020" + i, number));
    }
    List<FakeCall> calls = dials.stream().map(VoiceCallTest::await).toList();
    assertThat(calls.stream().filter(c -> c.greeting() != null).count()).isEqualTo(2);
    assertThat(calls.stream().filter(c -> c.said().contains(Calls.ALL_LINES_BUSY)).count()).isEqualTo(6);
    assertThat(count("SELECT count(*) FROM voice_calls WHERE tenant_id = $1", tenant.id())).isEqualTo(2);
  }

  @Test
  void aRelaySocketBindsOnlyToItsOwnCallAndConversation() throws Exception {
    String number = knownNumber();
    FakeCall mine = await(carrier.dial("+14155550122", number));
    FakeCall other = await(carrier.dial("+14155550123", number));
    String path = "/api/voice/twilio/relay?callSid=" + mine.callSid();
    String signature = com.livechat.voice.twilio.TwilioSignature.compute(VoiceNode.TOKEN,
        "ws://localhost:" + server.port() + path, List.of());
    for (JsonObject setup : List.of(
        // the conversation of another call
        new JsonObject().put("type", "setup").put("callSid", mine.callSid())
            .put("customParameters", new JsonObject().put("conversationId", other.relayParameters().get("conversationId"))),
        // another call's sid on this call's socket
        new JsonObject().put("type", "setup").put("callSid", other.callSid())
            .put("customParameters", new JsonObject().put("conversationId", mine.relayParameters().get("conversationId"))),
        // a prompt before the setup
        new JsonObject().put("type", "prompt").put("voicePrompt", "hello").put("last", true))) {
      try (com.livechat.support.WsClient ws = com.livechat.support.WsClient.connect(
          new io.vertx.core.http.WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port()).setURI(path)
              .addHeader("X-Twilio-Signature", signature), new io.vertx.core.http.WebSocketClientOptions())) {
        ws.send(setup);
        assertThat(ws.closeCode.get(10, java.util.concurrent.TimeUnit.SECONDS)).as(setup.encode()).isEqualTo((short) 1008);
      }
    }
    assertThat(messages(other.relayParameters().get("conversationId"))).hasSize(1);
  }

  // --- limits of what the carrier sends ----------------------------------------------------------

  @Test
  void aWebhookWithTooManyParametersIsRefused() {
    String number = knownNumber();
    Map<String, String> params = new java.util.LinkedHashMap<>();
    params.put("AccountSid", ACCOUNT);
    params.put("CallSid", "CA" + "2".repeat(32));
    params.put("From", "+14155550120");
    params.put("To", number);
    for (int i = 0; params.size() <= VoiceRoutes.MAX_PARAMS; i++) {
      params.put("Extra" + i, "x");
    }
    HttpResponse<Buffer> r = await(carrier.post(node.publicBase() + "/api/voice/twilio/incoming", params, null,
        false));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("too_many_parameters");
    assertThat(count("SELECT count(*) FROM voice_calls WHERE tenant_id = $1", tenant.id())).isZero();
  }

  @Test
  void aVeryLongUtteranceIsCutToTheLimit() {
    String number = knownNumber();
    FakeCall call = await(carrier.dial("+14155550121", number));
    await(call.connect());
    await(call.prompt("word ".repeat(1000)));
    List<JsonObject> transcript = messages(call.relayParameters().get("conversationId"));
    assertThat(transcript.get(1).getString("role")).isEqualTo("visitor");
    assertThat(transcript.get(1).getString("content")).hasSize(2000);
  }

  // --- from the chat to the phone --------------------------------------------------------------

  @Test
  void aCallStartedFromTheChatJoinsItsConversationAndKnowsTheChat() {
    String first = newNumber();
    String second = newNumber();
    configure(api, tenant, List.of(first, second), null, "");
    Api.Response chat = api.post("/api/widgets/" + tenant.id() + "/chat", new JsonObject().put("sessionId", "sess-1")
        .put("message", "Hi, I'm interested in the team plan. My email is ana@example.com"),
        "Authorization", bearer(tenant.widgetToken()));
    assertThat(chat.status()).as(chat.text()).isEqualTo(200);
    String chatId = chat.json().getString("conversationId");

    Api.Response start = api.post("/api/widgets/" + tenant.id() + "/voice/start",
        new JsonObject().put("sessionId", "sess-1"), "Authorization", bearer(tenant.widgetToken()));
    assertThat(start.status()).as(start.text()).isEqualTo(200);
    String voiceId = start.json().getString("conversationId");
    assertThat(start.json().getString("phoneNumber")).isEqualTo(first);
    // idempotent within the lease
    Api.Response again = api.post("/api/widgets/" + tenant.id() + "/voice/start",
        new JsonObject().put("sessionId", "sess-1"), "Authorization", bearer(tenant.widgetToken()));
    assertThat(again.json().getString("conversationId")).isEqualTo(voiceId);
    assertThat(again.json().getString("phoneNumber")).isEqualTo(first);
    // another session gets the other number
    Api.Response other = api.post("/api/widgets/" + tenant.id() + "/voice/start",
        new JsonObject().put("sessionId", "sess-2"), "Authorization", bearer(tenant.widgetToken()));
    assertThat(other.json().getString("phoneNumber")).isEqualTo(second);
    assertThat(usageVoiceCalls()).isEqualTo(2);

    assertThat(conversation(voiceId).getString("linkedConversationId")).isEqualTo(chatId);
    assertThat(conversation(chatId).getString("linkedConversationId")).isEqualTo(voiceId);

    FakeCall call = await(carrier.dial("+14155550107", first));
    assertThat(call.relayParameters().get("conversationId")).isEqualTo(voiceId);
    assertThat(call.greeting()).contains("team plan");
    // counted at voice/start, not again when it connects
    assertThat(usageVoiceCalls()).isEqualTo(2);
    JsonObject contact = conversation(voiceId).getJsonObject("contact_data");
    assertThat(contact.getString("email")).isEqualTo("ana@example.com");
    assertThat(contact.getString("phone")).isEqualTo("+14155550107");
    // phone from the call and email from the chat: the assistant's required fields are known
    assertThat(conversation(voiceId).getBoolean("qualified")).isTrue();

    // when every number is leased, the oldest lease is taken over
    Api.Response third = api.post("/api/widgets/" + tenant.id() + "/voice/start",
        new JsonObject().put("sessionId", "sess-3"), "Authorization", bearer(tenant.widgetToken()));
    assertThat(third.status()).isEqualTo(200);
    assertThat(third.json().getString("phoneNumber")).isIn(first, second);
  }

  // --- handoff ----------------------------------------------------------------------------------

  @Test
  void askingForAPersonEndsTheRelayAndDialsTheTransferNumber() {
    String number = knownNumber();
    FakeCall call = await(carrier.dial("+14155550108", number));
    String conversationId = call.relayParameters().get("conversationId");
    await(call.connect());
    await(call.prompt("I want to talk to a real person please"));
    assertThat(call.ended()).isTrue();
    JsonObject handoff = new JsonObject(call.handoffData());
    assertThat(handoff.getString("reasonCode")).isEqualTo("live-agent-handoff");
    await(call.relayEnded());
    assertThat(call.dialled()).isEqualTo("+14165550123");
    assertThat(call.dialCallerId()).isEqualTo(number);
    assertThat(call.said()).containsExactly("Let me transfer you to a member of our team.");
    assertThat(conversation(conversationId).getBoolean("aiEnabled")).isFalse();
  }

  @Test
  void withoutATransferNumberTheCallerHearsAnApology() {
    String number = newNumber();
    configure(api, tenant, List.of(number), null, "Hi.");
    FakeCall call = await(carrier.dial("+14155550109", number));
    await(call.connect());
    await(call.prompt("Can I speak to someone?"));
    assertThat(call.ended()).isTrue();
    await(call.relayEnded());
    assertThat(call.dialled()).isNull();
    assertThat(call.said()).contains(Calls.NOBODY_TO_TRANSFER);
    assertThat(call.hungUp()).isTrue();
  }

  @Test
  void keypadDigitsAreATurnOfTheirOwn() {
    String number = knownNumber();
    FakeCall call = await(carrier.dial("+14155550110", number));
    await(call.connect());
    await(call.dtmf("4"));
    await(call.dtmf("2"));
    await(call.dtmf("#"));
    String conversationId = call.relayParameters().get("conversationId");
    long deadline = System.currentTimeMillis() + 10_000;
    while (messages(conversationId).size() < 3 && System.currentTimeMillis() < deadline) {
      sleep(50);
    }
    assertThat(messages(conversationId).get(1).getString("content")).isEqualTo("[keypad: 42#]");
  }

  // --- signatures -------------------------------------------------------------------------------

  @Test
  void aMissingSignatureIs400AWrongOneIs403AndNothingIsStored() {
    String number = knownNumber();
    String url = "http://localhost:" + server.port() + "/api/voice/twilio/incoming";
    Map<String, String> params = Map.of("AccountSid", ACCOUNT, "CallSid", "CA" + "1".repeat(32),
        "From", "+14155550111", "To", number, "CallStatus", "ringing");
    HttpResponse<Buffer> missing = await(carrier.post(url, params, null, true));
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("missing_signature");
    HttpResponse<Buffer> wrong = await(carrier.post(url, params, "bm90IHRoZSBzaWduYXR1cmU=", false));
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(wrong.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("invalid_signature");
    // signed with another token: as wrong
    FakeCarrier stranger = node.carrier("another-token-entirely-0000", ACCOUNT);
    try {
      assertThat(await(stranger.dial("+14155550111", number)).httpStatus()).isEqualTo(403);
    } finally {
      stranger.close();
    }
    assertThat(count("SELECT count(*) FROM voice_calls WHERE tenant_id = $1", tenant.id())).isZero();
    assertThat(count("SELECT count(*) FROM conversations WHERE tenant_id = $1", tenant.id())).isZero();

    // the status webhook and the relay upgrade are checked the same way
    FakeCall call = await(carrier.dial("+14155550112", number));
    HttpResponse<Buffer> status = await(carrier.post("http://localhost:" + server.port() + "/api/voice/twilio/status",
        Map.of("CallSid", call.callSid(), "CallStatus", "completed", "SequenceNumber", "1"), "AAAA", false));
    assertThat(status.statusCode()).isEqualTo(403);
    assertThat(conversation(call.relayParameters().get("conversationId")).getString("status")).isEqualTo("open");
    assertThatThrownBy(() -> await(call.connect("AAAA"))).hasMessageContaining("403");
    assertThatThrownBy(() -> await(call.connect(null))).hasMessageContaining("400");
  }

  @Test
  void aWebhookThatIsNotAFormIsRefused() {
    Api.Response r = api.post("/api/voice/twilio/incoming", new JsonObject().put("To", "+1"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("invalid_content_type");
  }

  // --- status callbacks -------------------------------------------------------------------------

  @Test
  void statusCallbacksLateTwiceOrOutOfOrderApplyOnceInOrder() {
    String number = knownNumber();
    FakeCall call = await(carrier.dial("+14155550113", number));
    String conversationId = call.relayParameters().get("conversationId");
    // the end arrives before the answer
    assertThat(await(call.status("completed", 2, Map.of("CallDuration", "42")))).isEqualTo(200);
    JsonObject c = conversation(conversationId);
    assertThat(c.getString("status")).isEqualTo("closed");
    JsonObject recorded = c.getJsonObject("metadata").getJsonObject("call");
    assertThat(recorded.getString("status")).isEqualTo("completed");
    assertThat(recorded.getInteger("durationSeconds")).isEqualTo(42);
    // the late, older one and a repeat change nothing
    assertThat(await(call.status("in-progress", 1, Map.of()))).isEqualTo(200);
    assertThat(await(call.status("completed", 2, Map.of("CallDuration", "43")))).isEqualTo(200);
    recorded = conversation(conversationId).getJsonObject("metadata").getJsonObject("call");
    assertThat(recorded.getString("status")).isEqualTo("completed");
    assertThat(recorded.getInteger("durationSeconds")).isEqualTo(42);
    assertThat(count("SELECT count(*) FROM tenant_events WHERE tenant_id = $1 AND type = 'conversation:updated' "
        + "AND data->'metadata'->'call'->>'status' = 'completed'", tenant.id())).isEqualTo(1);
    // an ended call takes no relay socket
    assertThatThrownBy(() -> await(call.connect())).hasMessageContaining("404");
  }

  @Test
  void inOrderCallbacksMoveTheCallOn() {
    String number = knownNumber();
    FakeCall call = await(carrier.dial("+14155550114", number));
    String conversationId = call.relayParameters().get("conversationId");
    assertThat(await(call.status("in-progress", 0, Map.of()))).isEqualTo(200);
    assertThat(conversation(conversationId).getJsonObject("metadata").getJsonObject("call").getString("status"))
        .isEqualTo("in-progress");
    assertThat(conversation(conversationId).getString("status")).isEqualTo("open");
    await(call.hangUp(7));
    assertThat(conversation(conversationId).getString("status")).isEqualTo("closed");
    assertThat(conversation(conversationId).getJsonObject("metadata").getJsonObject("call")
        .getInteger("durationSeconds")).isEqualTo(7);
  }

  @Test
  void aStatusCallbackWithAnUnknownStatusIsRefused() {
    String number = knownNumber();
    FakeCall call = await(carrier.dial("+14155550115", number));
    assertThat(await(call.status("exploded", 1, Map.of()))).isEqualTo(400);
    assertThat(await(call.status("completed", 1, Map.of("CallDuration", "-3")))).isEqualTo(400);
  }

  // --- isolation --------------------------------------------------------------------------------

  @Test
  void aNumberOfOneTenantNeverReachesAnother() {
    String number = knownNumber();
    Tenant other = signup(api, "voice-other-" + System.nanoTime() + "@example.com");
    String otherNumber = newNumber();
    configure(api, other, List.of(otherNumber), null, "Other here.");
    FakeCall call = await(carrier.dial("+14155550116", number));
    String conversationId = call.relayParameters().get("conversationId");
    // the other tenant sees nothing of it
    Api.Response foreign = api.get("/api/conversations/" + conversationId, "Authorization", bearer(other.jwt()));
    assertThat(foreign.status()).isEqualTo(404);
    assertThat(api.get("/api/conversations", "Authorization", bearer(other.jwt())).json().getJsonArray("items"))
        .isEmpty();
    // the other tenant's own carrier account: a signature with the server's token no longer passes
    Api.Response put = api.method("PUT", "/api/tenant/telephony", new JsonObject().put("accountSid", "AC" + "1".repeat(32))
        .put("authToken", "tenant-own-token-0123456789").encode(), "Authorization", bearer(other.jwt()),
        "Content-Type", "application/json");
    assertThat(put.status()).as(put.text()).isEqualTo(200);
    assertThat(await(carrier.dial("+14155550118", otherNumber)).httpStatus()).isEqualTo(403);
    FakeCarrier own = node.carrier("tenant-own-token-0123456789", "AC" + "1".repeat(32));
    try {
      assertThat(await(own.dial("+14155550118", otherNumber)).greeting()).isEqualTo("Other here.");
      // and that token opens nothing of the first tenant's
      assertThat(await(own.dial("+14155550119", number)).httpStatus()).isEqualTo(403);
    } finally {
      own.close();
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
