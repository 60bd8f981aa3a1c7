package com.livechat.voice;

import com.livechat.bus.Addresses;
import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.store.Ids;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ConversationRelay socket (shared/API.md Part 4): the carrier's {@code setup} binds it to the
 * call it was opened for; each final {@code prompt} is a chat turn of the call's conversation
 * (chat.reply with channel "voice", its pieces on chat.stream.&lt;turnId&gt;), spoken back as
 * {@code text} tokens a sentence at a time, the last with {@code last: true}. A turn slow to start
 * says the holding phrase; {@code interrupt} stops the turn and the stored reply becomes what the
 * caller heard; {@code dtmf} digits are a turn of their own; a handoff ends the session with
 * {@code end} and its {@code handoffData}, after which the carrier asks relay-ended for the
 * {@code <Dial>}.
 */
final class RelaySession {

  private static final Logger LOG = LoggerFactory.getLogger(RelaySession.class);
  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);
  static final long DTMF_WAIT_MS = 1500;
  static final String LIMIT_APOLOGY = "I'm sorry, this line has reached its limit for this month. Goodbye.";

  /** One turn: the reply being spoken, and what became of it. */
  private final class Turn {
    final String id = Ids.next("turn");
    final SpokenChunks chunks = new SpokenChunks();
    final StringBuilder spoken = new StringBuilder();
    MessageConsumer<JsonObject> deltas;
    long holdTimer = -1;
    boolean anySent;
    boolean silenced;
    String heard;
    String messageId;
  }

  private final Vertx vertx;
  private final ServerWebSocket socket;
  private final Calls.RelayCall call;
  private final Calls calls;
  private final AppConfig.Voice settings;
  private final long chatTimeoutMs;
  private final Runnable onClose;
  private final String tenantId;
  private boolean bound;
  private boolean ended;
  private long setupTimer;
  private Turn running;
  private Turn lastReply;
  private final StringBuilder digits = new StringBuilder();
  private long digitTimer = -1;

  /**
   * @param bound true for a call from the browser, whose socket was admitted by its auth message:
   *     no carrier setup comes
   */
  RelaySession(Vertx vertx, ServerWebSocket socket, Calls.RelayCall call, Calls calls, AppConfig.Voice settings,
      long setupTimeoutMs, long chatTimeoutMs, boolean bound, Runnable onClose) {
    this.vertx = vertx;
    this.socket = socket;
    this.call = call;
    this.calls = calls;
    this.settings = settings;
    this.chatTimeoutMs = chatTimeoutMs;
    this.onClose = onClose;
    this.tenantId = call.call().tenantId();
    this.bound = bound;
    setupTimer = bound ? -1 : vertx.setTimer(setupTimeoutMs, id -> {
      if (!this.bound) {
        close((short) 1008, "no setup");
      }
    });
    socket.textMessageHandler(this::onText);
    socket.exceptionHandler(err -> LOG.debug("relay socket of call {} failed", call.call().callSid(), err));
    socket.closeHandler(v -> closed());
  }

  String callSid() {
    return call.call().callSid();
  }

  void close(short code, String reason) {
    if (!socket.isClosed()) {
      socket.close(code, reason);
    }
  }

  private void onText(String text) {
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (RuntimeException e) {
      return; // not a relay message: nothing to act on
    }
    String type = String.valueOf(message.getValue("type"));
    if (!bound) {
      if (type.equals("setup")) {
        setup(message);
      } else {
        close((short) 1008, "setup first");
      }
      return;
    }
    switch (type) {
      case "prompt" -> {
        // partial transcripts (last: false) are the carrier's; a turn answers the final one
        if (message.getValue("last") instanceof Boolean last && !last) {
          return;
        }
        String said = message.getValue("voicePrompt") instanceof String s ? s.strip() : "";
        if (!said.isEmpty()) {
          turn(said.length() > settings.maxPromptChars() ? said.substring(0, settings.maxPromptChars()) : said);
        }
      }
      case "interrupt" -> interrupt(message.getValue("utteranceUntilInterrupt") instanceof String s ? s : "");
      case "dtmf" -> dtmf(message.getValue("digit") instanceof String d ? d : "");
      case "error" -> LOG.info("carrier reported an error on call {}: {}", callSid(), message.getValue("description"));
      default -> {
        // a message type this server does not know: ignored, as the carrier ignores ours
      }
    }
  }

  /** The carrier's setup must name the call the socket was opened for and its conversation. */
  private void setup(JsonObject message) {
    JsonObject parameters = message.getValue("customParameters") instanceof JsonObject p ? p : new JsonObject();
    if (!callSid().equals(message.getValue("callSid"))
        || !call.conversation().id().equals(parameters.getValue("conversationId"))) {
      close((short) 1008, "not this call");
      return;
    }
    bound = true;
    vertx.cancelTimer(setupTimer);
  }

  private void turn(String said) {
    if (ended) {
      return;
    }
    if (running != null) {
      // the caller spoke again before the reply was done: it is not wanted any more
      stop(running);
    }
    Turn turn = new Turn();
    running = turn;
    turn.deltas = vertx.eventBus().localConsumer(Addresses.chatStream(turn.id),
        m -> speak(turn, m.body().getString("delta")));
    turn.holdTimer = vertx.setTimer(settings.holdingPhraseAfterMs(), id -> {
      if (running == turn && !turn.anySent && !turn.silenced) {
        send(settings.holdingPhrase(), true);
      }
    });
    JsonObject request = new JsonObject().put("tenantId", tenantId)
        .put("sessionId", call.conversation().sessionId()).put("message", said)
        .put("conversationId", call.conversation().id()).put("channel", "voice")
        .put("turnId", turn.id).put("stream", true);
    turn.deltas.completion()
        .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.CHAT_REPLY, request,
            new DeliveryOptions().setSendTimeout(chatTimeoutMs)))
        .onComplete(ar -> {
          turn.deltas.unregister();
          // a finished turn is kept (lastReply) only for what was said of it
          turn.deltas = null;
          vertx.cancelTimer(turn.holdTimer);
          if (ar.succeeded()) {
            replied(turn, ar.result().body());
          } else {
            failed(turn, AppError.from(ar.cause()));
          }
        });
  }

  private void speak(Turn turn, String delta) {
    if (delta == null || turn.silenced || running != turn) {
      return;
    }
    String ready = turn.chunks.add(delta);
    if (!ready.isEmpty()) {
      turn.spoken.append(ready);
      turn.anySent = true;
      send(ready, false);
    }
  }

  private void replied(Turn turn, JsonObject reply) {
    turn.messageId = reply.getString("messageId");
    if (running == turn) {
      running = null;
    }
    if (turn.heard != null) {
      // interrupted while it was being written: the stored reply is what the caller heard of it
      correct(turn, turn.heard);
      lastReply = null;
      return;
    }
    if (turn.silenced) {
      return;
    }
    String rest = turn.chunks.rest();
    if (turn.anySent || !rest.isEmpty()) {
      turn.spoken.append(rest);
      send(rest, true);
      turn.anySent = true;
    }
    lastReply = turn;
    JsonObject metadata = reply.getJsonObject("metadata", new JsonObject());
    if (metadata.getBoolean("doNotCall", false)) {
      // the callee asked not to be called again: told so by relay-ended, then the call ends
      end(Calls.DO_NOT_CALL_REASON, reply.getString("message"));
      return;
    }
    if (metadata.getBoolean("handoff", false)) {
      String message = reply.getString("message");
      // what the caller has not heard yet is said by relay-ended, before the transfer
      end(Calls.HANDOFF_REASON, turn.anySent ? null : message);
    }
  }

  private void failed(Turn turn, AppError error) {
    if (running == turn) {
      running = null;
    }
    if (turn.silenced || ended) {
      return;
    }
    if (error.code().equals("usage_limit_exceeded")) {
      end(Calls.LIMIT_REASON, LIMIT_APOLOGY);
      return;
    }
    LOG.warn("voice turn of call {} failed: {}", callSid(), error.getMessage());
    send(Calls.TROUBLE, true);
  }

  /** Ends the relay session: the carrier then asks relay-ended what comes next. */
  private void end(String reason, String say) {
    ended = true;
    JsonObject data = new JsonObject().put("reasonCode", reason).put("conversationId", call.conversation().id());
    if (say != null) {
      data.put("say", say);
    }
    if (reason.equals(Calls.HANDOFF_REASON)) {
      calls.handedOff(tenantId, callSid());
    }
    write(new JsonObject().put("type", "end").put("handoffData", data.encode()));
  }

  /**
   * The caller spoke over the reply: stop speaking it, stop writing it, and make the stored message
   * what they heard.
   */
  private void interrupt(String heard) {
    Turn turn = running != null ? running : lastReply;
    if (turn == null) {
      return;
    }
    turn.silenced = true;
    turn.chunks.clear();
    if (turn == running) {
      turn.heard = heard;
      stop(turn);
      return;
    }
    lastReply = null;
    if (!heard.equals(turn.spoken.toString())) {
      correct(turn, heard);
    }
  }

  private void stop(Turn turn) {
    turn.silenced = true;
    vertx.eventBus().publish(Addresses.CHAT_CANCEL, new JsonObject().put("tenantId", tenantId).put("turnId", turn.id),
        LOCAL_ONLY);
    if (running == turn) {
      running = null;
    }
  }

  private void correct(Turn turn, String heard) {
    if (turn.messageId == null) {
      return;
    }
    calls.heard(tenantId, call.conversation().id(), call.conversation().sessionId(), turn.messageId, heard)
        .onFailure(err -> LOG.warn("could not store what the caller heard on call {}", callSid(), err));
  }

  /** Keypad digits: collected until '#' or a short pause, then a turn of their own. */
  private void dtmf(String digit) {
    if (!digit.matches("[0-9*#wW]")) {
      return;
    }
    digits.append(digit);
    vertx.cancelTimer(digitTimer);
    if (digit.equals("#") || digits.length() >= 32) {
      pressed();
    } else {
      digitTimer = vertx.setTimer(DTMF_WAIT_MS, id -> pressed());
    }
  }

  private void pressed() {
    if (digits.isEmpty()) {
      return;
    }
    String keys = digits.toString();
    digits.setLength(0);
    turn("[keypad: " + keys + "]");
  }

  private void send(String token, boolean last) {
    write(new JsonObject().put("type", "text").put("token", token).put("last", last));
  }

  private void write(JsonObject frame) {
    if (!socket.isClosed()) {
      socket.writeTextMessage(frame.encode());
    }
  }

  private void closed() {
    vertx.cancelTimer(setupTimer);
    vertx.cancelTimer(digitTimer);
    if (running != null) {
      stop(running);
    }
    onClose.run();
  }
}
