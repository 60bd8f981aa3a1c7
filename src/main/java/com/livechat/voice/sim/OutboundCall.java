package com.livechat.voice.sim;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One call the server placed through the fake carrier's REST API, played as Twilio plays it and
 * observed as it goes: status callbacks for the requested events (serially, in SequenceNumber
 * order, signed), the {@code Url} fetched when the callee answers, its TwiML followed — a
 * {@code <ConversationRelay>} spoken by this call's {@link FakeCall}, a {@code <Gather>} loop, or
 * {@code <Say>}s and {@code <Hangup/>} heard by a machine — and the call hung up with
 * {@code completed} and its {@code CallDuration}.
 *
 * <p>Nothing here blocks or holds a thread: each step is a timer or a future. The state is guarded
 * by the call's monitor, so any thread may read it while the call goes on.
 */
public final class OutboundCall {

  /** One status callback sent: its answer's HTTP status, or 0 when it got none (the error says why). */
  public record Callback(int sequenceNumber, String event, String callStatus, int httpStatus, String error,
      long timeNanos) {}

  /** How long the callee waits for the reply to what they said before hanging up. */
  static final long REPLY_TIMEOUT_MS = 30_000;
  // an answering machine listens through this many silent <Gather> turns before it hangs up
  private static final int MACHINE_SILENT_TURNS = 2;
  // Twilio's default when StatusCallback is given without StatusCallbackEvent
  private static final Set<String> DEFAULT_EVENTS = Set.of("completed");

  private final FakeCarrier carrier;
  private final CarrierRest rest;
  private final FakeCall call;
  private final Callee callee;
  private final String fromNumber;
  private final String toNumber;
  private final String url;
  private final String method;
  private final String statusCallback;
  private final Set<String> events;
  private final String machineDetection;
  private final long timeoutMs;
  private final long acceptedNanos = System.nanoTime();
  private final Promise<OutboundCall> done = Promise.promise();

  // guarded by this
  private String status = "queued";
  private String terminalStatus;
  private String answeredBy;
  private long answeredAtNanos;
  private long endedAtNanos;
  private int durationSeconds;
  private String dialled;
  private final List<String> said = new ArrayList<>();
  private final List<String> spoken = new ArrayList<>();
  private final List<Callback> callbacks = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private int nextSequence;
  private Future<Void> callbackChain = Future.succeededFuture();

  OutboundCall(FakeCarrier carrier, CarrierRest rest, String callSid, String from, String to, Callee callee,
      String url, String method, String statusCallback, String statusCallbackMethod, List<String> events,
      String machineDetection, int timeoutSeconds) {
    this.carrier = carrier;
    this.rest = rest;
    this.callee = callee;
    this.fromNumber = from;
    this.toNumber = to;
    this.url = url;
    this.method = method;
    this.statusCallback = statusCallback;
    this.events = events.isEmpty() ? DEFAULT_EVENTS : Set.copyOf(events);
    this.machineDetection = machineDetection == null || machineDetection.isBlank() ? null : machineDetection;
    this.timeoutMs = timeoutSeconds * 1000L;
    this.call = new FakeCall(carrier, callSid, from, to, "outbound-api", statusCallback, statusCallbackMethod);
  }

  // --- what the tests read ---------------------------------------------------------------------

  public String callSid() {
    return call.callSid();
  }

  public String to() {
    return toNumber;
  }

  public String from() {
    return fromNumber;
  }

  public Callee callee() {
    return callee;
  }

  /** The call as the relay and the TwiML saw it (frames, the last answer, the relay's state). */
  public FakeCall call() {
    return call;
  }

  /** The CallStatus it is in now: queued, initiated, ringing, in-progress, or its terminal status. */
  public synchronized String status() {
    return status;
  }

  /** busy, no-answer, failed or completed once over; null while the call goes on. */
  public synchronized String terminalStatus() {
    return terminalStatus;
  }

  /** The AnsweredBy sent (human, machine_start, machine_end_beep), or null without machine detection. */
  public synchronized String answeredBy() {
    return answeredBy;
  }

  /** Whether the callee answered (HUMAN or MACHINE within the Timeout). */
  public synchronized boolean answered() {
    return answeredAtNanos != 0;
  }

  /** The CallDuration sent with the terminal status (0 when never answered). */
  public synchronized int durationSeconds() {
    return durationSeconds;
  }

  /**
   * What the callee heard the server say, in order: every {@code <Say>} of every answer (the Url's,
   * each Gather turn's, the Connect action's after the server's {@code end}), the relay's
   * {@code welcomeGreeting}, and each reply on the relay (its tokens joined).
   */
  public synchronized List<String> said() {
    return List.copyOf(said);
  }

  /** What the callee said, in order (the lines of its script it got to). */
  public synchronized List<String> spoken() {
    return List.copyOf(spoken);
  }

  /** Every frame the server sent on the relay. */
  public List<JsonObject> frames() {
    return call.frames();
  }

  /** The number a {@code <Dial>} transferred the call to, or null. */
  public synchronized String dialled() {
    return dialled;
  }

  /** The status callbacks sent so far, in SequenceNumber order. */
  public synchronized List<Callback> callbacks() {
    return List.copyOf(callbacks);
  }

  /** What went wrong on the carrier's side (an Url that failed, a reply that never came …), in order. */
  public synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  /** {@link System#nanoTime()} when the REST API accepted it. */
  public long acceptedNanos() {
    return acceptedNanos;
  }

  /** {@link System#nanoTime()} when it became terminal, 0 until then. */
  public synchronized long endedAtNanos() {
    return endedAtNanos;
  }

  /** Completes once the call is terminal and its last status callback has been answered. */
  public Future<OutboundCall> done() {
    return done.future();
  }

  @Override
  public synchronized String toString() {
    return "OutboundCall[" + callSid() + " " + fromNumber + " -> " + toNumber + ", " + callee.kind() + ", status="
        + status + ", said=" + said + ", spoken=" + spoken + ", errors=" + errors + "]";
  }

  // --- playing it --------------------------------------------------------------------------------

  /** The REST API answered 201: the call goes on from here, as Twilio's does. */
  void start() {
    event("initiated", "initiated", Map.of());
    event("ringing", "ringing", Map.of());
    long ring = callee.ringMs();
    switch (callee.kind()) {
      case FAILED -> later(1, () -> end("failed"));
      case BUSY -> later(ring, () -> end("busy"));
      case NO_ANSWER -> later(Math.min(ring, timeoutMs), () -> end("no-answer"));
      default -> {
        if (ring > timeoutMs) {
          later(timeoutMs, () -> end("no-answer"));
        } else {
          later(ring, this::answer);
        }
      }
    }
  }

  private void answer() {
    Map<String, String> extra = new LinkedHashMap<>();
    synchronized (this) {
      answeredAtNanos = System.nanoTime();
      if (machineDetection != null) {
        answeredBy = callee.kind() == Callee.Kind.HUMAN ? "human"
            : machineDetection.equalsIgnoreCase("DetectMessageEnd") ? "machine_end_beep" : "machine_start";
        extra.put("AnsweredBy", answeredBy);
      }
    }
    event("answered", "in-progress", extra);
    call.fetch(url, method, extra)
        .compose(fetched -> follow())
        .onComplete(ar -> {
          if (ar.failed()) {
            error("the call stopped: " + describe(ar.cause()));
          }
          hangUp();
        });
  }

  /** Acts on the Url's answer. */
  private Future<Void> follow() {
    if (!answeredOk("the Url")) {
      return Future.succeededFuture();
    }
    heard(call.said());
    if (call.relaying()) {
      return relay();
    }
    if (call.gathering()) {
      return gather(0);
    }
    // <Say>…<Hangup/>, a <Dial>, or nothing left to do: the call is over
    return Future.succeededFuture();
  }

  private Future<Void> relay() {
    String greeting = call.greeting();
    return call.connect()
        .compose(connected -> {
          if (greeting != null && !greeting.isEmpty()) {
            heard(List.of(greeting));
          }
          return talk(0);
        })
        .transform(ar -> {
          if (ar.failed()) {
            error("the relay: " + describe(ar.cause()));
          }
          return endRelay();
        });
  }

  /** The callee says line {@code i} and waits for the reply, until the script or the session ends. */
  private Future<Void> talk(int i) {
    if (callee.kind() != Callee.Kind.HUMAN || i >= callee.lines().size() || call.ended()) {
      return Future.succeededFuture();
    }
    String line = callee.lines().get(i);
    synchronized (this) {
      spoken.add(line);
    }
    return call.prompt(line).timeout(REPLY_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .compose(reply -> {
          if (!reply.isEmpty()) {
            heard(List.of(reply));
          }
          return talk(i + 1);
        });
  }

  /**
   * The relay session is over: after the server's {@code end} the carrier posts the Connect action
   * and follows its answer (a transfer, a goodbye); after the callee hung up it posts it too, and
   * nobody hears the answer. Without an action the socket just closes.
   */
  private Future<Void> endRelay() {
    if (!call.hasConnectAction()) {
      return call.closeSocket();
    }
    boolean serverEnded = call.ended();
    return call.relayEnded()
        .map(answered -> {
          if (serverEnded && answeredOk("the Connect action")) {
            heard(call.said());
          }
          return (Void) null;
        })
        .recover(err -> {
          error("the Connect action: " + describe(err));
          return Future.succeededFuture();
        });
  }

  /** The {@code <Gather>} loop: a person says its lines, a machine stays silent a few turns; then it hangs up. */
  private Future<Void> gather(int turn) {
    if (!call.gathering()) {
      return Future.succeededFuture();
    }
    boolean human = callee.kind() == Callee.Kind.HUMAN;
    List<String> lines = human ? callee.lines() : List.of();
    if (turn >= lines.size() + (human ? 0 : MACHINE_SILENT_TURNS)) {
      return Future.succeededFuture();
    }
    String line = turn < lines.size() ? lines.get(turn) : null;
    if (line != null) {
      synchronized (this) {
        spoken.add(line);
      }
    }
    return call.speak(line).compose(answered -> {
      if (!answeredOk("a Gather action")) {
        return Future.succeededFuture();
      }
      heard(call.said());
      return gather(turn + 1);
    });
  }

  /** The callee (or the server's {@code <Hangup/>}) ends the call: {@code completed}. */
  private void hangUp() {
    call.closeSocket().onComplete(closed -> end("completed"));
  }

  /** The call is terminal: no longer live, and the terminal status goes out after the others. */
  private void end(String terminal) {
    Map<String, String> extra = new LinkedHashMap<>();
    Future<Void> lastCallback;
    synchronized (this) {
      if (terminalStatus != null) {
        return;
      }
      terminalStatus = terminal;
      endedAtNanos = System.nanoTime();
      durationSeconds = answeredAtNanos == 0 ? 0
          : (int) Math.ceil((endedAtNanos - answeredAtNanos) / 1_000_000_000.0);
      extra.put("CallDuration", Integer.toString(durationSeconds));
      if (answeredBy != null) {
        extra.put("AnsweredBy", answeredBy);
      }
    }
    rest.ended();
    event("completed", terminal, extra);
    synchronized (this) {
      lastCallback = callbackChain;
    }
    lastCallback.onComplete(sent -> {
      rest.finished(this);
      done.tryComplete(this);
    });
  }

  /**
   * The call is in {@code callStatus} now; if {@code event} was asked for, its status callback goes
   * out after the ones before it have been answered, so they arrive in SequenceNumber order.
   */
  private void event(String event, String callStatus, Map<String, String> extra) {
    int sequence;
    Future<Void> previous;
    Promise<Void> sent = Promise.promise();
    synchronized (this) {
      status = callStatus;
      if (statusCallback == null || !events.contains(event)) {
        return;
      }
      sequence = nextSequence++;
      previous = callbackChain;
      callbackChain = sent.future();
    }
    Map<String, String> params = new LinkedHashMap<>();
    params.put("ApiVersion", CarrierRest.API_VERSION);
    params.put("CallbackSource", "call-progress-events");
    params.put("Caller", fromNumber);
    params.put("Called", toNumber);
    params.putAll(extra);
    // an unanswered callback (Twilio does not retry it either) does not hold up the next one
    previous.onComplete(before -> {
      Future<Integer> answered;
      try {
        answered = call.status(callStatus, sequence, params);
      } catch (RuntimeException e) {
        answered = Future.failedFuture(e);
      }
      answered.onComplete(ar -> {
        record(new Callback(sequence, event, callStatus, ar.succeeded() ? ar.result() : 0,
            ar.succeeded() ? null : describe(ar.cause()), System.nanoTime()));
        sent.complete();
      });
    });
  }

  private synchronized void record(Callback callback) {
    callbacks.add(callback);
  }

  private boolean answeredOk(String what) {
    int code = call.httpStatus();
    if (code == 200) {
      return true;
    }
    error(what + " was answered HTTP " + code + ": " + call.twiml());
    return false;
  }

  private synchronized void heard(List<String> texts) {
    said.addAll(texts);
  }

  private synchronized void error(String error) {
    errors.add(error);
  }

  /** Runs {@code step} after {@code ms} on a timer; a step that throws ends the call as failed. */
  private void later(long ms, Runnable step) {
    if (rest.closed()) {
      return;
    }
    carrier.vertx().setTimer(Math.max(1, ms), id -> {
      if (rest.closed()) {
        return;
      }
      try {
        step.run();
      } catch (RuntimeException e) {
        error("the carrier failed: " + describe(e));
        end(answered() ? "completed" : "failed");
      }
    });
  }

  private static String describe(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
