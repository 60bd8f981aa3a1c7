package com.livechat.voice;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.voice.sim.Callee;
import com.livechat.voice.sim.FakeCarrier;
import com.livechat.voice.sim.OutboundCall;
import com.livechat.voice.sim.RestRequest;
import com.livechat.voice.twilio.TwiML;
import com.livechat.voice.twilio.TwilioSignature;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fake carrier's REST API and callees against a small in-test server playing our side: it
 * places calls through Calls.json as the dialer does, checks every status callback's and webhook's
 * signature over the public URL, answers the Url with TwiML and holds the relay.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FakeCarrierRestTest {

  private static final String PUBLIC = "https://chat.example.com";
  private static final String TOKEN = "rest-auth-token-0123456789";
  private static final String ACCOUNT = "AC" + "2".repeat(32);
  private static final String OUR_NUMBER = "+15550100000";
  private static final String TRANSFER = "+15557654321";
  private static final String GREETING = "Hi, this is Ada from Acme.";
  private static final String HANDOFF = "{\"reason\":\"asked for a person\"}";
  private static final List<String> ALL_EVENTS = List.of("initiated", "ringing", "answered", "completed");
  private static final AtomicInteger NUMBERS = new AtomicInteger(1000);

  private Vertx vertx;
  private OurSide server;
  private FakeCarrier carrier;
  private WebClient client;
  private String callsUrl;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = new OurSide(vertx);
    carrier = new FakeCarrier(vertx, server.base(), PUBLIC, TOKEN, ACCOUNT);
    int port = carrier.serveRest().await();
    assertThat(carrier.serveRest().await()).isEqualTo(port);
    assertThat(carrier.restBaseUrl()).isEqualTo("http://127.0.0.1:" + port);
    callsUrl = carrier.restBaseUrl() + "/2010-04-01/Accounts/" + ACCOUNT + "/Calls.json";
    client = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(512));
  }

  @AfterEach
  void stop() {
    client.close();
    carrier.close().await();
    vertx.close().await();
  }

  private static String newNumber() {
    return "+1415555" + NUMBERS.incrementAndGet();
  }

  /** The form the dialer sends: every event, machine detection, our webhooks with the attempt in the query. */
  private static MultiMap form(String to, String attempt) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    form.add("To", to).add("From", OUR_NUMBER)
        .add("Url", PUBLIC + "/api/voice/twilio/outbound?attempt=" + attempt)
        .add("StatusCallback", PUBLIC + "/api/voice/twilio/status?attempt=" + attempt)
        .add("StatusCallbackMethod", "POST")
        .add("MachineDetection", "DetectMessageEnd");
    ALL_EVENTS.forEach(e -> form.add("StatusCallbackEvent", e));
    return form;
  }

  private Future<HttpResponse<Buffer>> place(MultiMap form) {
    return client.postAbs(callsUrl).basicAuthentication(ACCOUNT, TOKEN).sendForm(form);
  }

  private HttpResponse<Buffer> placeNow(MultiMap form) {
    return place(form).await();
  }

  private OutboundCall placeAndFinish(String to, MultiMap form) {
    int before = carrier.outboundCalls().size();
    HttpResponse<Buffer> r = placeNow(form);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    carrier.awaitTerminal(before + 1, Duration.ofSeconds(20));
    OutboundCall call = carrier.outboundCall(to);
    assertThat(call.callSid()).isEqualTo(r.bodyAsJsonObject().getString("sid"));
    return call;
  }

  // --- the API -----------------------------------------------------------------------------------

  @Test
  void aCallIsCreatedWithTwiliosCallResourceAndTheDefaultCalleeSaysHello() {
    String to = newNumber();
    HttpResponse<Buffer> r = placeNow(form(to, "a1"));

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    assertThat(r.getHeader("content-type")).isEqualTo("application/json");
    JsonObject body = r.bodyAsJsonObject();
    String sid = body.getString("sid");
    assertThat(sid).matches("CA[0-9a-f]{32}");
    assertThat(body.getString("account_sid")).isEqualTo(ACCOUNT);
    assertThat(body.getString("to")).isEqualTo(to);
    assertThat(body.getString("from")).isEqualTo(OUR_NUMBER);
    assertThat(body.getString("status")).isEqualTo("queued");
    assertThat(body.getString("direction")).isEqualTo("outbound-api");
    assertThat(body.getString("api_version")).isEqualTo("2010-04-01");
    assertThat(body.getString("date_created")).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000");
    assertThat(body.getString("uri")).isEqualTo("/2010-04-01/Accounts/" + ACCOUNT + "/Calls/" + sid + ".json");
    assertThat(body.containsKey("answered_by")).isTrue();

    List<RestRequest> requests = carrier.restRequests();
    assertThat(requests).hasSize(1);
    RestRequest request = requests.get(0);
    assertThat(request.to()).isEqualTo(to);
    assertThat(request.from()).isEqualTo(OUR_NUMBER);
    assertThat(request.url()).isEqualTo(PUBLIC + "/api/voice/twilio/outbound?attempt=a1");
    assertThat(request.statusCallback()).isEqualTo(PUBLIC + "/api/voice/twilio/status?attempt=a1");
    assertThat(request.events()).isEqualTo(ALL_EVENTS);
    assertThat(request.machineDetection()).isEqualTo("DetectMessageEnd");
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.httpStatus()).isEqualTo(201);
    assertThat(request.callSid()).isEqualTo(sid);
    assertThat(request.timeNanos()).isLessThanOrEqualTo(System.nanoTime());

    carrier.awaitTerminal(1, Duration.ofSeconds(10));
    OutboundCall call = carrier.outboundCall(to);
    assertThat(call.callSid()).isEqualTo(sid);
    assertThat(call.callee()).isEqualTo(Callee.DEFAULT);
    assertThat(call.spoken()).containsExactly("Hello?");
    assertThat(call.said()).containsExactly(GREETING, "You said: Hello?");
    assertThat(call.terminalStatus()).isEqualTo("completed");
    assertThat(call.errors()).isEmpty();
    assertThat(carrier.liveOutbound()).isZero();
    assertThat(carrier.maxLiveOutbound()).isEqualTo(1);
  }

  @Test
  void wrongCredentialsOrAnotherAccountAre401() {
    String to = newNumber();
    HttpResponse<Buffer> wrongToken = client.postAbs(callsUrl).basicAuthentication(ACCOUNT, "not-the-token")
        .sendForm(form(to, "a")).await();
    HttpResponse<Buffer> none = client.postAbs(callsUrl).sendForm(form(to, "a")).await();
    String otherAccount = "AC" + "9".repeat(32);
    HttpResponse<Buffer> wrongPath = client.postAbs(carrier.restBaseUrl() + "/2010-04-01/Accounts/" + otherAccount
        + "/Calls.json").basicAuthentication(ACCOUNT, TOKEN).sendForm(form(to, "a")).await();
    HttpResponse<Buffer> theirOwn = client.postAbs(carrier.restBaseUrl() + "/2010-04-01/Accounts/" + otherAccount
        + "/Calls.json").basicAuthentication(otherAccount, TOKEN).sendForm(form(to, "a")).await();

    for (HttpResponse<Buffer> r : List.of(wrongToken, none, wrongPath, theirOwn)) {
      assertThat(r.statusCode()).isEqualTo(401);
      JsonObject body = r.bodyAsJsonObject();
      assertThat(body.getInteger("code")).isEqualTo(20003);
      assertThat(body.getString("message")).isEqualTo("Authenticate");
      assertThat(body.getInteger("status")).isEqualTo(401);
      assertThat(body.getString("more_info")).isNotBlank();
    }
    assertThat(carrier.restRequests()).hasSize(4).allMatch(q -> q.httpStatus() == 401 && q.errorCode() == 20003
        && q.callSid() == null);
    assertThat(carrier.outboundCalls()).isEmpty();
    assertThat(carrier.outboundCall(to)).isNull();
    assertThat(carrier.liveOutbound()).isZero();
    assertThat(carrier.maxLiveOutbound()).isZero();
  }

  @Test
  void anInvalidNumberIs400With21211AndNoCallExists() throws InterruptedException {
    String invalid = newNumber();
    carrier.callee(invalid, Callee.invalid());

    HttpResponse<Buffer> marked = placeNow(form(invalid, "a"));
    assertThat(marked.statusCode()).isEqualTo(400);
    assertThat(marked.bodyAsJsonObject().getInteger("code")).isEqualTo(21211);
    assertThat(marked.bodyAsJsonObject().getString("message"))
        .isEqualTo("The 'To' number " + invalid + " is not a valid phone number.");
    assertThat(marked.bodyAsJsonObject().getInteger("status")).isEqualTo(400);

    HttpResponse<Buffer> notE164 = placeNow(form("4155551234", "b"));
    assertThat(notE164.statusCode()).isEqualTo(400);
    assertThat(notE164.bodyAsJsonObject().getInteger("code")).isEqualTo(21211);
    assertThat(notE164.bodyAsJsonObject().getString("message"))
        .isEqualTo("The 'To' number 4155551234 is not a valid phone number.");

    // a Url the carrier could not reach (not under the public URL) is refused at once
    MultiMap elsewhere = form(newNumber(), "c").set("Url", "http://127.0.0.1:1/api/voice/twilio/outbound");
    HttpResponse<Buffer> unreachable = placeNow(elsewhere);
    assertThat(unreachable.statusCode()).isEqualTo(400);
    assertThat(unreachable.bodyAsJsonObject().getInteger("code")).isEqualTo(21205);

    assertThat(carrier.restRequests()).extracting(RestRequest::errorCode).containsExactly(21211, 21211, 21205);
    assertThat(carrier.outboundCalls()).isEmpty();
    Thread.sleep(200);
    assertThat(server.received).isEmpty();
    assertThat(carrier.maxLiveOutbound()).isZero();
  }

  @Test
  void rateLimitNextRefusesTheNextRequestsWith429() {
    carrier.rateLimitNext(2);
    String to = newNumber();
    carrier.callee(to, Callee.busy());

    HttpResponse<Buffer> first = placeNow(form(to, "a"));
    HttpResponse<Buffer> second = placeNow(form(to, "a"));
    HttpResponse<Buffer> third = placeNow(form(to, "a"));

    for (HttpResponse<Buffer> r : List.of(first, second)) {
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.bodyAsJsonObject().getInteger("code")).isEqualTo(20429);
      assertThat(r.bodyAsJsonObject().getString("message")).isEqualTo("Too Many Requests");
      assertThat(r.bodyAsJsonObject().getInteger("status")).isEqualTo(429);
    }
    assertThat(third.statusCode()).isEqualTo(201);
    assertThat(carrier.restRequests()).extracting(RestRequest::httpStatus).containsExactly(429, 429, 201);
    carrier.awaitTerminal(1, Duration.ofSeconds(10));
    assertThat(carrier.outboundCalls()).hasSize(1);
  }

  // --- calls that are never answered -------------------------------------------------------------

  @Test
  void busyAndNoAnswerSendSignedStatusCallbacksInSequenceOrder() {
    String busy = newNumber();
    String noAnswer = newNumber();
    carrier.callee(busy, Callee.busy());
    carrier.callee(noAnswer, Callee.noAnswer().withRingMs(300));

    assertThat(placeNow(form(busy, "busy")).statusCode()).isEqualTo(201);
    assertThat(placeNow(form(noAnswer, "quiet")).statusCode()).isEqualTo(201);
    carrier.awaitTerminal(2, Duration.ofSeconds(10));

    OutboundCall busyCall = carrier.outboundCall(busy);
    assertThat(busyCall.terminalStatus()).isEqualTo("busy");
    assertThat(busyCall.answered()).isFalse();
    List<Received> busyStatuses = server.statuses(busyCall.callSid());
    assertThat(busyStatuses).extracting(s -> s.params().get("SequenceNumber")).containsExactly("0", "1", "2");
    assertThat(busyStatuses).extracting(s -> s.params().get("CallStatus"))
        .containsExactly("initiated", "ringing", "busy");
    assertThat(busyStatuses).allSatisfy(s -> {
      assertThat(s.query()).isEqualTo("attempt=busy");
      assertThat(s.params()).containsEntry("AccountSid", ACCOUNT).containsEntry("CallSid", busyCall.callSid())
          .containsEntry("From", OUR_NUMBER).containsEntry("To", busy).containsEntry("Direction", "outbound-api")
          .containsKey("Timestamp").doesNotContainKey("AnsweredBy");
    });
    assertThat(busyStatuses.get(2).params()).containsEntry("CallDuration", "0");
    // every callback was answered 200, so every signature checked out over the public URL
    assertThat(busyCall.callbacks()).extracting(OutboundCall.Callback::httpStatus).containsExactly(200, 200, 200);
    assertThat(busyCall.callbacks()).extracting(OutboundCall.Callback::event)
        .containsExactly("initiated", "ringing", "completed");

    OutboundCall quiet = carrier.outboundCall(noAnswer);
    assertThat(quiet.terminalStatus()).isEqualTo("no-answer");
    assertThat(server.statuses(quiet.callSid())).extracting(s -> s.params().get("CallStatus"))
        .containsExactly("initiated", "ringing", "no-answer");
    assertThat(quiet.endedAtNanos() - quiet.acceptedNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    // nobody answered: the Url was never fetched
    assertThat(server.all("/api/voice/twilio/outbound")).isEmpty();
    assertThat(carrier.liveOutbound()).isZero();
  }

  @Test
  void onlyTheRequestedEventsAreSentAndCompletedIsTheDefault() {
    String first = newNumber();
    String second = newNumber();
    String third = newNumber();
    carrier.callee(first, Callee.busy());
    carrier.callee(second, Callee.failed());
    carrier.callee(third, Callee.busy());

    MultiMap onlyCompleted = form(first, "x");
    onlyCompleted.remove("StatusCallbackEvent");
    OutboundCall a = placeAndFinish(first, onlyCompleted);
    assertThat(server.statuses(a.callSid())).extracting(s -> s.params().get("SequenceNumber") + " "
        + s.params().get("CallStatus")).containsExactly("0 busy");

    MultiMap ringingAndCompleted = form(second, "y");
    ringingAndCompleted.remove("StatusCallbackEvent");
    ringingAndCompleted.add("StatusCallbackEvent", "ringing completed");
    OutboundCall b = placeAndFinish(second, ringingAndCompleted);
    assertThat(server.statuses(b.callSid())).extracting(s -> s.params().get("SequenceNumber") + " "
        + s.params().get("CallStatus")).containsExactly("0 ringing", "1 failed");

    MultiMap noCallback = form(third, "z");
    noCallback.remove("StatusCallback");
    OutboundCall c = placeAndFinish(third, noCallback);
    assertThat(c.terminalStatus()).isEqualTo("busy");
    assertThat(server.statuses(c.callSid())).isEmpty();
    assertThat(c.callbacks()).isEmpty();
  }

  @Test
  void aPersonWhoDoesNotPickUpWithinTheTimeoutIsNoAnswer() {
    String slow = newNumber();
    carrier.callee(slow, Callee.human("too late").withRingMs(5_000));

    OutboundCall call = placeAndFinish(slow, form(slow, "t").add("Timeout", "1"));

    assertThat(call.terminalStatus()).isEqualTo("no-answer");
    assertThat(call.endedAtNanos() - call.acceptedNanos()).isBetween(TimeUnit.MILLISECONDS.toNanos(1_000),
        TimeUnit.MILLISECONDS.toNanos(4_000));
    assertThat(call.spoken()).isEmpty();
    assertThat(server.all("/api/voice/twilio/outbound")).isEmpty();
  }

  // --- answered calls ----------------------------------------------------------------------------

  @Test
  void aPersonTalksOnTheRelayThenHangsUpAndTheCallCompletesWithItsDuration() throws Exception {
    String to = newNumber();
    carrier.callee(to, Callee.human("Hi, who is this?", "Tell me more."));

    OutboundCall call = placeAndFinish(to, form(to, "h1"));

    // the Url, signed, with the answer's parameters
    Received answered = server.only("/api/voice/twilio/outbound");
    assertThat(answered.method()).isEqualTo("POST");
    assertThat(answered.query()).isEqualTo("attempt=h1");
    assertThat(answered.params()).containsEntry("CallSid", call.callSid()).containsEntry("AccountSid", ACCOUNT)
        .containsEntry("From", OUR_NUMBER).containsEntry("To", to).containsEntry("Direction", "outbound-api")
        .containsEntry("CallStatus", "in-progress").containsEntry("AnsweredBy", "human");

    // the relay, set up as an outbound call, then the callee's script turn by turn
    List<JsonObject> relay = server.relayMessages(call.callSid());
    assertThat(relay).extracting(m -> m.getString("type")).containsExactly("setup", "prompt", "prompt");
    assertThat(relay.get(0).getString("direction")).isEqualTo("outbound-api");
    assertThat(relay.get(0).getString("from")).isEqualTo(OUR_NUMBER);
    assertThat(relay.get(0).getString("to")).isEqualTo(to);
    assertThat(relay.get(0).getJsonObject("customParameters")).isEqualTo(new JsonObject().put("attempt", "h1"));
    assertThat(relay.subList(1, 3)).extracting(m -> m.getString("voicePrompt"))
        .containsExactly("Hi, who is this?", "Tell me more.");
    assertThat(call.spoken()).containsExactly("Hi, who is this?", "Tell me more.");
    assertThat(call.said()).containsExactly(GREETING, "You said: Hi, who is this?", "You said: Tell me more.");
    assertThat(call.frames()).extracting(f -> f.getString("type")).containsOnly("text");

    // the callee hung up: the Connect action hears so, then the call is completed
    Received ended = server.only("/api/voice/twilio/relay-ended");
    assertThat(ended.params()).containsEntry("CallSid", call.callSid()).containsEntry("SessionStatus", "completed")
        .containsEntry("CallStatus", "completed");
    List<Received> statuses = server.statuses(call.callSid());
    assertThat(statuses).extracting(s -> s.params().get("SequenceNumber")).containsExactly("0", "1", "2", "3");
    assertThat(statuses).extracting(s -> s.params().get("CallStatus"))
        .containsExactly("initiated", "ringing", "in-progress", "completed");
    assertThat(statuses.get(2).params()).containsEntry("AnsweredBy", "human").doesNotContainKey("CallDuration");
    assertThat(statuses.get(3).params()).containsEntry("AnsweredBy", "human");
    assertThat(Integer.parseInt(statuses.get(3).params().get("CallDuration"))).isPositive()
        .isEqualTo(call.durationSeconds());
    assertThat(call.terminalStatus()).isEqualTo("completed");
    assertThat(call.answeredBy()).isEqualTo("human");
    assertThat(call.errors()).isEmpty();
    assertThat(call.done().toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS)).isSameAs(call);
    assertThat(carrier.liveOutbound()).isZero();
  }

  @Test
  void theServersEndStopsTheScriptAndTheConnectActionTransfers() {
    String to = newNumber();
    carrier.callee(to, Callee.human("transfer", "never said"));

    OutboundCall call = placeAndFinish(to, form(to, "h2"));

    assertThat(call.spoken()).containsExactly("transfer");
    assertThat(call.said()).containsExactly(GREETING, "Let me get someone. ", "Transferring you now.");
    assertThat(call.frames()).extracting(f -> f.getString("type")).containsExactly("text", "end");
    assertThat(server.only("/api/voice/twilio/relay-ended").params()).containsEntry("SessionStatus", "ended")
        .containsEntry("HandoffData", HANDOFF).containsEntry("CallStatus", "in-progress");
    assertThat(call.call().dialled()).isEqualTo(TRANSFER);
    assertThat(call.terminalStatus()).isEqualTo("completed");
    assertThat(server.statuses(call.callSid()).get(3).params()).containsEntry("CallStatus", "completed")
        .containsKey("CallDuration");
  }

  @Test
  void aMachineIsAnsweredByMachineEndBeepAndRecordsTheMessage() {
    String to = newNumber();
    carrier.callee(to, Callee.machine());

    OutboundCall call = placeAndFinish(to, form(to, "m1"));

    assertThat(server.only("/api/voice/twilio/outbound").params()).containsEntry("AnsweredBy", "machine_end_beep");
    assertThat(call.answeredBy()).isEqualTo("machine_end_beep");
    assertThat(call.said()).containsExactly("Leaving a message");
    assertThat(call.spoken()).isEmpty();
    assertThat(call.call().hungUp()).isTrue();
    assertThat(server.relayMessages(call.callSid())).isEmpty();
    List<Received> statuses = server.statuses(call.callSid());
    assertThat(statuses).extracting(s -> s.params().get("CallStatus"))
        .containsExactly("initiated", "ringing", "in-progress", "completed");
    assertThat(statuses.get(2).params()).containsEntry("AnsweredBy", "machine_end_beep");
    assertThat(statuses.get(3).params()).containsEntry("AnsweredBy", "machine_end_beep").containsKey("CallDuration");
    assertThat(call.terminalStatus()).isEqualTo("completed");
  }

  @Test
  void machineDetectionEnableSaysMachineStartAndAGetUrlIsSignedWithItsQuery() {
    String to = newNumber();
    carrier.callee(to, Callee.machine());

    OutboundCall call = placeAndFinish(to, form(to, "m2").set("MachineDetection", "Enable").set("Method", "GET"));

    Received answered = server.only("/api/voice/twilio/outbound");
    assertThat(answered.method()).isEqualTo("GET");
    assertThat(answered.params()).containsEntry("attempt", "m2").containsEntry("AnsweredBy", "machine_start")
        .containsEntry("CallSid", call.callSid());
    assertThat(call.said()).containsExactly("Leaving a message");
    assertThat(call.terminalStatus()).isEqualTo("completed");
  }

  @Test
  void aGatherLoopIsSpokenTurnByTurn() {
    String to = newNumber();
    carrier.callee(to, Callee.human("I need a plumber", "Thanks"));

    OutboundCall call = placeAndFinish(to, form(to, "gather"));

    assertThat(call.spoken()).containsExactly("I need a plumber", "Thanks");
    assertThat(call.said()).containsExactly("How can I help?", "You said I need a plumber", "You said Thanks");
    assertThat(server.all("/api/voice/twilio/gather")).extracting(r -> r.params().get("SpeechResult"))
        .containsExactly("I need a plumber", "Thanks");
    assertThat(call.terminalStatus()).isEqualTo("completed");
    assertThat(call.errors()).isEmpty();
  }

  // --- counting and scale ------------------------------------------------------------------------

  @Test
  void liveOutboundCountsCallsBetweenAcceptedAndTerminal() {
    List<String> numbers = IntStream.range(0, 5).mapToObj(i -> newNumber()).toList();
    numbers.forEach(n -> carrier.callee(n, Callee.noAnswer().withRingMs(1_500)));
    String invalid = newNumber();
    carrier.callee(invalid, Callee.invalid());

    for (String number : numbers) {
      assertThat(placeNow(form(number, "l")).statusCode()).isEqualTo(201);
    }
    assertThat(placeNow(form(invalid, "l")).statusCode()).isEqualTo(400);
    assertThat(carrier.liveOutbound()).isEqualTo(5);
    assertThat(carrier.maxLiveOutbound()).isEqualTo(5);

    List<OutboundCall> ended = carrier.awaitTerminal(5, Duration.ofSeconds(10));
    assertThat(ended).hasSize(5).allMatch(c -> c.terminalStatus().equals("no-answer"));
    assertThat(carrier.liveOutbound()).isZero();
    assertThat(carrier.maxLiveOutbound()).isEqualTo(5);
  }

  @Test
  void threeHundredConcurrentOutboundCalls() {
    List<String> people = IntStream.range(0, 200).mapToObj(i -> newNumber()).toList();
    List<String> quiet = IntStream.range(0, 100).mapToObj(i -> newNumber()).toList();
    people.forEach(n -> carrier.callee(n, Callee.human("caller " + n).withRingMs(200)));
    quiet.forEach(n -> carrier.callee(n, Callee.noAnswer().withRingMs(1_000)));
    List<String> all = new ArrayList<>(people);
    all.addAll(quiet);

    List<Future<HttpResponse<Buffer>>> placed = all.stream().map(n -> place(form(n, "s"))).toList();
    Future.all(placed).await();
    assertThat(placed).allMatch(f -> f.result().statusCode() == 201);

    carrier.awaitTerminal(300, Duration.ofSeconds(40));
    assertThat(carrier.liveOutbound()).isZero();
    assertThat(carrier.maxLiveOutbound()).isBetween(100, 300);
    for (String n : people) {
      OutboundCall call = carrier.outboundCall(n);
      assertThat(call.terminalStatus()).as(call.toString()).isEqualTo("completed");
      assertThat(call.said()).as(call.toString()).containsExactly(GREETING, "You said: caller " + n);
    }
    assertThat(quiet).allMatch(n -> carrier.outboundCall(n).terminalStatus().equals("no-answer"));
    assertThat(server.received.stream().filter(r -> r.path().equals("/api/voice/twilio/status")).count())
        .isEqualTo(200 * 4 + 100 * 3);
  }

  // --- our side ----------------------------------------------------------------------------------

  private record Received(String method, String path, String query, Map<String, String> params) {}

  /**
   * The server's outbound webhooks as the dialer would build them: every request's signature is
   * checked over the public URL (403 otherwise); the Url answers a relay to a person and a message
   * to a machine; the relay echoes, and "transfer" hands off.
   */
  private static final class OurSide {
    final List<Received> received = new CopyOnWriteArrayList<>();
    final Map<String, List<JsonObject>> relay = new java.util.concurrent.ConcurrentHashMap<>();
    private final int port;

    OurSide(Vertx vertx) {
      Router router = Router.router(vertx);
      router.route("/api/voice/twilio/*").handler(BodyHandler.create());
      router.route("/api/voice/twilio/*").handler(this::checkSignature);
      router.route("/api/voice/twilio/outbound").handler(this::outbound);
      router.post("/api/voice/twilio/status").handler(ctx -> ctx.response().end());
      router.post("/api/voice/twilio/gather").handler(ctx -> twiml(ctx, TwiML.response().gather(
          PUBLIC + "/api/voice/twilio/gather", "en-US", "You said " + ctx.request().getFormAttribute("SpeechResult"),
          null, null)));
      router.post("/api/voice/twilio/relay-ended").handler(ctx -> twiml(ctx,
          ctx.request().getFormAttribute("HandoffData") != null
              ? TwiML.response().say("Transferring you now.", null, null).dial(TRANSFER, OUR_NUMBER, null)
              : TwiML.response().hangup()));
      port = vertx.createHttpServer().requestHandler(request -> {
        if (request.path().equals("/api/voice/twilio/relay")) {
          relay(request);
        } else {
          router.handle(request);
        }
      }).listen(0, "127.0.0.1").await().actualPort();
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

    List<Received> statuses(String callSid) {
      return received.stream().filter(r -> r.path().equals("/api/voice/twilio/status")
          && callSid.equals(r.params().get("CallSid"))).toList();
    }

    List<JsonObject> relayMessages(String callSid) {
      return relay.getOrDefault(callSid, List.of());
    }

    private void checkSignature(RoutingContext ctx) {
      HttpServerRequest request = ctx.request();
      boolean get = request.method() == HttpMethod.GET;
      List<Map.Entry<String, String>> signed = get ? List.of() : new ArrayList<>(request.formAttributes().entries());
      if (!TwilioSignature.verify(TOKEN, PUBLIC + request.uri(), signed, request.getHeader("X-Twilio-Signature"))) {
        ctx.response().setStatusCode(403).end("bad signature");
        return;
      }
      Map<String, String> params = new LinkedHashMap<>();
      (get ? request.params() : request.formAttributes()).forEach(params::put);
      received.add(new Received(request.method().name(), request.path(), request.query(), params));
      ctx.next();
    }

    private void outbound(RoutingContext ctx) {
      String answeredBy = ctx.request().getParam("AnsweredBy");
      String attempt = ctx.request().getParam("attempt");
      if (answeredBy != null && answeredBy.startsWith("machine")) {
        twiml(ctx, TwiML.response().say("Leaving a message", null, null).hangup());
        return;
      }
      String callSid = ctx.request().getParam("CallSid");
      if (attempt.equals("gather")) {
        twiml(ctx, TwiML.response().gather(PUBLIC + "/api/voice/twilio/gather", "en-US", "How can I help?", null,
            null));
        return;
      }
      twiml(ctx, TwiML.response().connectRelay(PUBLIC + "/api/voice/twilio/relay-ended?attempt=" + attempt,
          "wss://chat.example.com/api/voice/twilio/relay?callSid=" + callSid, GREETING, "en-US", null,
          Map.of("attempt", attempt)));
    }

    private void relay(HttpServerRequest request) {
      if (!TwilioSignature.verify(TOKEN, "wss://chat.example.com" + request.uri(), Map.of(),
          request.getHeader("X-Twilio-Signature"))) {
        request.response().setStatusCode(403).end("bad signature");
        return;
      }
      String callSid = request.getParam("callSid");
      List<JsonObject> messages = relay.computeIfAbsent(callSid, k -> new CopyOnWriteArrayList<>());
      request.toWebSocket().onSuccess(ws -> converse(ws, messages));
    }

    private static void converse(ServerWebSocket ws, List<JsonObject> messages) {
      ws.textMessageHandler(text -> {
        JsonObject message = new JsonObject(text);
        messages.add(message);
        if (!message.getString("type").equals("prompt")) {
          return;
        }
        String prompt = message.getString("voicePrompt");
        if (prompt.equals("transfer")) {
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
