package com.livechat.voice.sim;

import com.livechat.voice.twilio.TwilioSignature;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One call placed by a {@link FakeCarrier} — or, outbound, placed by the server through the
 * carrier's REST API and played by an {@link OutboundCall} with this same code. Its state is the
 * last TwiML answer the server gave (incoming or the outbound {@code Url}, a gather turn,
 * relay-ended); the relay socket, when connected, carries the turns.
 *
 * <p>Any thread may call it: the state is guarded by the call's monitor and the futures complete
 * on the event loop that received the answer or the frame.
 */
public final class FakeCall {

  private static final String INCOMING = "/api/voice/twilio/incoming";
  private static final String STATUS = "/api/voice/twilio/status";
  private static final String CONFIDENCE = "0.92";
  // a server that redirects to itself would otherwise keep the fake busy forever
  private static final int MAX_REDIRECTS = 10;

  private final FakeCarrier carrier;
  private final String callSid;
  private final String from;
  private final String to;
  // "inbound", or "outbound-api" for a call placed through the REST API
  private final String direction;
  // where status callbacks go (a public URL) and how
  private final String statusCallback;
  private final String statusCallbackMethod;
  private final List<Consumer<JsonObject>> listeners = new CopyOnWriteArrayList<>();

  // guarded by this
  private int httpStatus;
  private String twiml = "";
  private TwimlAnswer answer = TwimlAnswer.NONE;
  private List<String> said = List.of();
  private final List<JsonObject> frames = new ArrayList<>();
  private ClientWebSocket socket;
  private Promise<Void> socketClosed;
  private String sessionId;
  private long connectedAtNanos;
  private Promise<String> pendingReply;
  private final StringBuilder reply = new StringBuilder();
  private long replyStartedNanos;
  private boolean ended;
  private String handoffData;
  private int nextSequence;

  FakeCall(FakeCarrier carrier, String callSid, String from, String to) {
    this(carrier, callSid, from, to, "inbound", carrier.publicBase() + STATUS, "POST");
  }

  /** An outbound call: {@code statusCallback} null sends status callbacks to the inbound webhook's URL. */
  FakeCall(FakeCarrier carrier, String callSid, String from, String to, String direction, String statusCallback,
      String statusCallbackMethod) {
    this.carrier = carrier;
    this.callSid = callSid;
    this.from = from;
    this.to = to;
    this.direction = direction;
    this.statusCallback = statusCallback != null ? statusCallback : carrier.publicBase() + STATUS;
    this.statusCallbackMethod = statusCallbackMethod;
  }

  /**
   * An outbound call was answered: fetches its {@code Url} ({@code method} GET or POST) with the
   * answer's parameters plus {@code extra} (AnsweredBy); the TwiML becomes the call's state.
   */
  Future<FakeCall> fetch(String publicUrl, String method, Map<String, String> extra) {
    Map<String, String> params = base("in-progress");
    params.put("Caller", from);
    params.put("Called", to);
    params.put("Direction", direction);
    params.put("ApiVersion", "2010-04-01");
    params.putAll(extra);
    return carrier.send(method, publicUrl, params, FakeCarrier.REQUEST_TIMEOUT_MS)
        .compose(response -> take(publicUrl, response, List.of(), 0))
        .map(this);
  }

  /** Whether the last answer connects a {@code <ConversationRelay>}. */
  synchronized boolean relaying() {
    return answer.relayUrl() != null;
  }

  synchronized boolean hasConnectAction() {
    return answer.connectAction() != null;
  }

  Future<FakeCall> ring() {
    Map<String, String> params = base("ringing");
    params.put("Caller", from);
    params.put("Called", to);
    params.put("Direction", "inbound");
    params.put("ApiVersion", "2010-04-01");
    return request(carrier.publicBase() + INCOMING, params);
  }

  public String callSid() {
    return callSid;
  }

  /** The HTTP status of the last answer; anything but 200 leaves the TwiML state empty. */
  public synchronized int httpStatus() {
    return httpStatus;
  }

  /** The body of the last answer. */
  public synchronized String twiml() {
    return twiml;
  }

  /**
   * The texts of every {@code <Say>} of the last answer (inside {@code <Gather>} too), preceded by
   * those of the answers that led to it through {@code <Redirect>}: what the caller heard.
   */
  public synchronized List<String> said() {
    return said;
  }

  public synchronized boolean hungUp() {
    return answer.hungUp();
  }

  /** The number of the last answer's {@code <Dial>}, or null. */
  public synchronized String dialled() {
    return answer.dialled();
  }

  public synchronized String dialCallerId() {
    return answer.dialCallerId();
  }

  /** The {@code welcomeGreeting} of the last answer's {@code <ConversationRelay>}, or null. */
  public synchronized String greeting() {
    return answer.greeting();
  }

  public synchronized Map<String, String> relayParameters() {
    return answer.relayParameters();
  }

  /** Whether the last answer waits for speech ({@code <Gather>}): {@link #speak} answers it. */
  public synchronized boolean gathering() {
    return answer.gatherAction() != null;
  }

  /** Opens the relay socket of the last answer, signed, and sends {@code setup}. */
  public Future<Void> connect() {
    String relayUrl = relayUrl();
    if (relayUrl == null) {
      return Future.failedFuture(new IllegalStateException("the last answer has no <ConversationRelay>: " + twiml()));
    }
    return open(relayUrl, TwilioSignature.compute(carrier.authToken(), relayUrl, Map.of()));
  }

  /** {@link #connect()} with this signature header instead (null: none), for negative tests. */
  public Future<Void> connect(String signatureOverride) {
    String relayUrl = relayUrl();
    if (relayUrl == null) {
      return Future.failedFuture(new IllegalStateException("the last answer has no <ConversationRelay>: " + twiml()));
    }
    return open(relayUrl, signatureOverride);
  }

  /**
   * Says {@code text} as one final prompt. Completes with the reply's tokens joined at the first
   * {@code text} frame with {@code last: true}; if the server sends {@code end} first, with what came
   * until then ({@link #ended()}, {@link #handoffData()}). A later prompt or an {@link #interrupt}
   * completes it with what came so far, as a caller who talks over the reply stops hearing it.
   */
  public Future<String> prompt(String text) {
    return send(new JsonObject().put("type", "prompt").put("voicePrompt", text).put("lang", "en-US").put("last", true),
        true);
  }

  /** The caller talked over the reply after hearing {@code heard}. */
  public Future<Void> interrupt(String heard) {
    long durationMs;
    synchronized (this) {
      durationMs = replyStartedNanos == 0 ? 0 : (System.nanoTime() - replyStartedNanos) / 1_000_000;
    }
    return send(new JsonObject().put("type", "interrupt").put("utteranceUntilInterrupt", heard)
        .put("durationUntilInterruptMs", Long.toString(durationMs)), false).mapEmpty();
  }

  public Future<Void> dtmf(String digit) {
    return send(new JsonObject().put("type", "dtmf").put("digit", digit), false).mapEmpty();
  }

  public Future<Void> sendError(String description) {
    return send(new JsonObject().put("type", "error").put("description", description), false).mapEmpty();
  }

  /** Every frame the server sends, as it arrives, before the prompt it answers completes. */
  public void onFrame(Consumer<JsonObject> listener) {
    listeners.add(listener);
  }

  /** Every frame received, in order (a frame that is not JSON is kept as {"type":"unparsable","text":…}). */
  public synchronized List<JsonObject> frames() {
    return List.copyOf(frames);
  }

  /** Whether the server sent {@code end} on the current relay session. */
  public synchronized boolean ended() {
    return ended;
  }

  /** The {@code handoffData} of the server's {@code end}, or null. */
  public synchronized String handoffData() {
    return handoffData;
  }

  /** Completes when the relay socket closes, by either side; fails if it was never opened. */
  public synchronized Future<Void> socketClosed() {
    return socketClosed == null
        ? Future.failedFuture(new IllegalStateException("the relay was never connected"))
        : socketClosed.future();
  }

  /**
   * The relay session is over: closes the socket if open and posts the {@code <Connect action>}, as
   * the carrier does after the server's {@code end} (or the caller's hang-up); its answer (a
   * {@code <Dial>} after a handoff) becomes the call's state.
   */
  public Future<FakeCall> relayEnded() {
    String action;
    Map<String, String> params;
    synchronized (this) {
      action = answer.connectAction();
      if (action == null) {
        return Future.failedFuture(new IllegalStateException("the last answer has no <Connect action>: " + twiml));
      }
      params = base(ended ? "in-progress" : "completed");
      if (sessionId != null) {
        params.put("SessionId", sessionId);
        params.put("SessionDuration", Long.toString((System.nanoTime() - connectedAtNanos) / 1_000_000_000L));
      }
      params.put("SessionStatus", ended ? "ended" : "completed");
      if (handoffData != null) {
        params.put("HandoffData", handoffData);
      }
    }
    return closeSocket().compose(v -> request(action, params));
  }

  /** Answers the last {@code <Gather>} with speech, or with silence when {@code text} is null. */
  public Future<FakeCall> speak(String text) {
    String action;
    synchronized (this) {
      action = answer.gatherAction();
    }
    if (action == null) {
      return Future.failedFuture(new IllegalStateException("the last answer has no <Gather>: " + twiml()));
    }
    Map<String, String> params = base("in-progress");
    if (text != null) {
      params.put("SpeechResult", text);
      params.put("Confidence", CONFIDENCE);
    }
    return request(action, params);
  }

  /**
   * One status callback as given (it may be late, repeated or out of order), to the status webhook —
   * for an outbound call, to the request's StatusCallback; the HTTP status of its answer.
   */
  public Future<Integer> status(String callStatus, int sequenceNumber, Map<String, String> extra) {
    Map<String, String> params = base(callStatus);
    params.put("Direction", direction);
    params.put("SequenceNumber", Integer.toString(sequenceNumber));
    params.put("Timestamp", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
    params.putAll(extra);
    synchronized (this) {
      nextSequence = Math.max(nextSequence, sequenceNumber + 1);
    }
    return carrier.send(statusCallbackMethod, statusCallback, params, FakeCarrier.REQUEST_TIMEOUT_MS)
        .map(HttpResponse::statusCode);
  }

  /** The caller hangs up: the socket closes and {@code completed} is reported; fails unless answered 2xx. */
  public Future<Void> hangUp(int durationSeconds) {
    int sequence;
    synchronized (this) {
      sequence = nextSequence;
    }
    return closeSocket()
        .compose(v -> status("completed", sequence, Map.of("CallDuration", Integer.toString(durationSeconds))))
        .compose(code -> code / 100 == 2 ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("the completed status callback was answered " + code)));
  }

  private synchronized String relayUrl() {
    return answer.relayUrl();
  }

  private Map<String, String> base(String callStatus) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("AccountSid", carrier.accountSid());
    params.put("CallSid", callSid);
    params.put("From", from);
    params.put("To", to);
    params.put("CallStatus", callStatus);
    return params;
  }

  private Future<FakeCall> request(String publicUrl, Map<String, String> params) {
    return carrier.post(publicUrl, params, null, false)
        .compose(response -> take(publicUrl, response, List.of(), 0))
        .map(this);
  }

  /**
   * Takes an answer as the new state, following a {@code <Redirect>} first unless the answer also
   * waits for the caller, connects, dials or hangs up (a carrier never reaches the redirect then).
   */
  private Future<Void> take(String publicUrl, HttpResponse<Buffer> response, List<String> heard, int redirects) {
    String body = response.bodyAsString() == null ? "" : response.bodyAsString();
    if (response.statusCode() != 200) {
      update(response.statusCode(), body, TwimlAnswer.NONE, List.of());
      return Future.succeededFuture();
    }
    TwimlAnswer parsed;
    try {
      parsed = TwimlAnswer.parse(body);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    List<String> allSaid = new ArrayList<>(heard);
    allSaid.addAll(parsed.said());
    boolean follow = parsed.redirectUrl() != null && parsed.gatherAction() == null && parsed.relayUrl() == null
        && parsed.dialled() == null && !parsed.hungUp();
    if (!follow) {
      update(200, body, parsed, List.copyOf(allSaid));
      return Future.succeededFuture();
    }
    if (redirects == MAX_REDIRECTS) {
      return Future.failedFuture(new IllegalStateException(MAX_REDIRECTS + " redirects in a row, the last to "
          + parsed.redirectUrl()));
    }
    String next;
    try {
      next = URI.create(publicUrl).resolve(parsed.redirectUrl()).toString();
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return carrier.post(next, base("in-progress"), null, false)
        .compose(redirected -> take(next, redirected, allSaid, redirects + 1));
  }

  private synchronized void update(int status, String body, TwimlAnswer parsed, List<String> heard) {
    httpStatus = status;
    twiml = body;
    answer = parsed;
    said = heard;
  }

  private Future<Void> open(String relayUrl, String signature) {
    String target;
    try {
      target = carrier.serverWebSocketUrl(relayUrl);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Map<String, String> parameters;
    synchronized (this) {
      if (socket != null) {
        return Future.failedFuture(new IllegalStateException("the relay is already connected"));
      }
      parameters = answer.relayParameters();
    }
    WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(target);
    if (signature != null) {
      options.putHeader(FakeCarrier.SIGNATURE_HEADER, signature);
    }
    // handlers before connecting, so that no frame can arrive unheard
    ClientWebSocket ws = carrier.webSockets().webSocket();
    Promise<Void> closed = Promise.promise();
    ws.textMessageHandler(this::received);
    ws.closeHandler(v -> closed(ws, closed));
    String session = "VX" + FakeCarrier.hex(16);
    return ws.connect(options)
        .recover(err -> Future.failedFuture(err instanceof UpgradeRejectedException rejected
            ? new IllegalStateException("the relay upgrade was refused: HTTP " + rejected.getStatus() + " "
                + bodyOf(rejected.getBody()), rejected)
            : err))
        .compose(connected -> {
          synchronized (this) {
            socket = ws;
            socketClosed = closed;
            sessionId = session;
            connectedAtNanos = System.nanoTime();
            ended = false;
            handoffData = null;
          }
          return ws.writeTextMessage(setup(session, parameters).encode());
        });
  }

  private JsonObject setup(String session, Map<String, String> parameters) {
    JsonObject custom = new JsonObject();
    parameters.forEach(custom::put);
    return new JsonObject()
        .put("type", "setup")
        .put("sessionId", session)
        .put("callSid", callSid)
        .put("parentCallSid", "")
        .put("from", from)
        .put("to", to)
        .put("forwardedFrom", "")
        .put("callerName", "")
        .put("direction", direction)
        .put("callType", "PSTN")
        .put("callStatus", direction.equals("inbound") ? "RINGING" : "IN-PROGRESS")
        .put("accountSid", carrier.accountSid())
        .putNull("applicationSid")
        .put("customParameters", custom);
  }

  /** Writes one message; a prompt waits for its reply, anything else completes once written. */
  private Future<String> send(JsonObject message, boolean awaitReply) {
    ClientWebSocket ws;
    Promise<String> replyPromise = awaitReply ? Promise.promise() : null;
    Promise<String> stopped;
    String heardSoFar;
    synchronized (this) {
      ws = socket;
      if (ws == null) {
        return Future.failedFuture(new IllegalStateException("the relay is not connected"));
      }
      if (awaitReply && ended) {
        return Future.failedFuture(new IllegalStateException("the server ended the relay session"));
      }
      boolean stopsReply = awaitReply || "interrupt".equals(message.getString("type"));
      stopped = stopsReply ? pendingReply : null;
      heardSoFar = reply.toString();
      if (stopsReply) {
        pendingReply = replyPromise;
        reply.setLength(0);
        replyStartedNanos = 0;
      }
    }
    if (stopped != null) {
      stopped.tryComplete(heardSoFar);
    }
    Future<Void> written = ws.writeTextMessage(message.encode());
    if (replyPromise == null) {
      return written.map((String) null);
    }
    written.onFailure(replyPromise::tryFail);
    return replyPromise.future();
  }

  private void received(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException e) {
      frame = new JsonObject().put("type", "unparsable").put("text", text);
    }
    Promise<String> done = null;
    String result = null;
    synchronized (this) {
      frames.add(frame);
      String type = frame.getString("type", "");
      if (type.equals("text")) {
        if (replyStartedNanos == 0) {
          replyStartedNanos = System.nanoTime();
        }
        reply.append(frame.getString("token", ""));
        if (Boolean.TRUE.equals(frame.getValue("last"))) {
          done = pendingReply;
          result = reply.toString();
          pendingReply = null;
          reply.setLength(0);
          replyStartedNanos = 0;
        }
      } else if (type.equals("end")) {
        ended = true;
        handoffData = frame.getString("handoffData");
        done = pendingReply;
        result = reply.toString();
        pendingReply = null;
        reply.setLength(0);
      }
    }
    try {
      for (Consumer<JsonObject> listener : listeners) {
        listener.accept(frame);
      }
    } finally {
      // a listener that throws must not leave the prompt waiting forever
      if (done != null) {
        done.tryComplete(result);
      }
    }
  }

  /** The server closed the socket, or the caller did ({@link #closeSocket}). */
  private void closed(ClientWebSocket ws, Promise<Void> closed) {
    Promise<String> waiting = null;
    synchronized (this) {
      if (socket == ws) {
        socket = null;
        waiting = pendingReply;
        pendingReply = null;
      }
    }
    if (waiting != null) {
      waiting.tryFail(new IllegalStateException("the relay closed before the reply ended (code "
          + ws.closeStatusCode() + ")"));
    }
    closed.tryComplete();
  }

  /** The caller's side closes the socket (if open); a reply still awaited fails, as it will never end. */
  Future<Void> closeSocket() {
    ClientWebSocket open;
    synchronized (this) {
      open = socket;
    }
    if (open == null) {
      return Future.succeededFuture();
    }
    closed(open, Promise.promise());
    return open.close().recover(err -> Future.succeededFuture());
  }

  private static String bodyOf(Buffer body) {
    return body == null ? "" : body.toString();
  }
}
