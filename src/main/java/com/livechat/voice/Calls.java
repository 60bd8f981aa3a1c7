package com.livechat.voice;

import com.livechat.assistant.Assistant;
import com.livechat.assistant.Assistants;
import com.livechat.bus.Addresses;
import com.livechat.chat.ContactExtractor;
import com.livechat.chat.Placeholders;
import com.livechat.config.AppConfig;
import com.livechat.conversation.ContactUpdate;
import com.livechat.conversation.Conversation;
import com.livechat.conversation.ConversationStore;
import com.livechat.conversation.Message;
import com.livechat.error.AppError;
import com.livechat.events.EventBatch;
import com.livechat.events.Outbox;
import com.livechat.store.Ids;
import com.livechat.usage.Plans;
import com.livechat.usage.UsageStore;
import com.livechat.voice.VoiceStore.Call;
import com.livechat.voice.twilio.TwiML;
import com.livechat.voice.twilio.TwilioSignature;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What a call does on the carrier's webhooks (shared/API.md Part 4): every request's signature is
 * checked (with the account of the tenant the number or call belongs to) before anything is read
 * into or stored; an incoming call is admitted within the tenant's monthly voice calls and its cap
 * on concurrent calls, joins the conversation its number was leased for or opens one, and is
 * answered with the ConversationRelay (or Gather) loop; status callbacks move the call on in
 * SequenceNumber order and close its conversation at the end; after a handoff the caller is dialled
 * through to the assistant's transfer number.
 */
public final class Calls {

  static final String NOT_IN_SERVICE = "The number you have called is not in service. Goodbye.";
  static final String OVER_MONTHLY_LIMIT = "We're sorry, this line cannot take more calls this month. Goodbye.";
  static final String ALL_LINES_BUSY =
      "We're sorry, all our lines are busy right now. Please call again in a few minutes. Goodbye.";
  static final String NOBODY_TO_TRANSFER = "Sorry, nobody from the team can take your call right now. "
      + "We have your details and will get back to you. Goodbye.";
  static final String DID_NOT_CATCH = "Sorry, I didn't catch that. Are you still there?";
  static final String GOODBYE = "Thank you for calling. Goodbye.";
  static final String TROUBLE = "Sorry, I'm having trouble answering right now. Could you say that again?";
  static final String HANDOFF_REASON = "live-agent-handoff";
  static final String LIMIT_REASON = "usage-limit";
  static final String DO_NOT_CALL_REASON = "do-not-call";

  static final Set<String> STATUSES = Set.of("queued", "initiated", "ringing", "in-progress", "completed", "busy",
      "failed", "no-answer", "canceled");
  static final Set<String> TERMINAL = Set.of("completed", "busy", "failed", "no-answer", "canceled");
  /** Call sids of Twilio ("CA" and 32 hex digits) and of carriers that speak its protocol. */
  static final Pattern CALL_SID = Pattern.compile("[A-Za-z0-9_-]{2,64}");
  static final int MAX_SAY = 500;
  /** Times a Gather turn may say the holding phrase before it gives up on that reply. */
  static final int MAX_HOLDS = 2;
  static final long REPLY_POLL_MS = 200;

  /** A carrier's webhook as the HTTP verticle received it (the voice.webhook body, docs/EVENTBUS.md). */
  record Webhook(String kind, String url, JsonArray params, String signature) {
    static Webhook from(JsonObject body) {
      return new Webhook(body.getString("kind"), body.getString("url"), body.getJsonArray("params", new JsonArray()),
          body.getString("signature"));
    }

    /** The last value of a POST parameter, or null. */
    String param(String name) {
      String value = null;
      for (Object pair : params) {
        JsonArray p = (JsonArray) pair;
        if (name.equals(p.getString(0))) {
          value = p.getString(1);
        }
      }
      return value;
    }

    String required(String name) {
      String value = param(name);
      if (value == null || value.isBlank()) {
        throw AppError.invalid("missing_parameter", "The carrier's request has no " + name + ".");
      }
      return value.strip();
    }

    /** A parameter of the URL's own query (set by us in the TwiML that led here), or null. */
    String query(String name) {
      int q = url.indexOf('?');
      if (q < 0) {
        return null;
      }
      for (String part : url.substring(q + 1).split("&")) {
        int eq = part.indexOf('=');
        String key = eq < 0 ? part : part.substring(0, eq);
        if (key.equals(name)) {
          return eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
        }
      }
      return null;
    }
  }

  /** A call that may open its relay socket: the call, its conversation and its assistant. */
  record RelayCall(Call call, Conversation conversation, Assistant assistant) {}

  private final Vertx vertx;
  private final VoiceStore store;
  private final CarrierAccounts accounts;
  private final Assistants assistants;
  private final ConversationStore conversations;
  private final UsageStore usage;
  private final Outbox outbox;
  private final ContactExtractor contacts;
  private final AppConfig.Voice settings;
  private final String handoffMessage;
  private final Supplier<String> publicBase;
  private OutboundCalls outboundCalls;
  private final long chatTimeoutMs;

  public Calls(Vertx vertx, VoiceStore store, CarrierAccounts accounts, Assistants assistants,
      ConversationStore conversations, UsageStore usage, Outbox outbox, ContactExtractor contacts,
      AppConfig.Voice settings, Supplier<String> publicBase, long chatTimeoutMs) {
    this.vertx = vertx;
    this.store = store;
    this.accounts = accounts;
    this.assistants = assistants;
    this.conversations = conversations;
    this.usage = usage;
    this.outbox = outbox;
    this.contacts = contacts;
    this.settings = settings;
    this.handoffMessage = settings.handoffMessage();
    this.publicBase = publicBase;
    this.chatTimeoutMs = chatTimeoutMs;
  }

  /** The calls this server places (the dialer); set once at wiring, before any webhook arrives. */
  public void placesCallsWith(OutboundCalls outboundCalls) {
    this.outboundCalls = outboundCalls;
  }

  /**
   * The public base URL every carrier URL starts with (signatures are computed over it):
   * voice.publicUrl, or this node's own address when none is set.
   */
  public String baseUrl() {
    return publicBase.get();
  }

  /** Answers one webhook with its TwiML; fails with an AppError (400/403 for a bad signature). */
  public Future<String> webhook(JsonObject body) {
    Webhook w = Webhook.from(body);
    try {
      if (w.signature() == null || w.signature().isEmpty()) {
        return Future.failedFuture(AppError.invalid("missing_signature",
            "The request has no X-Twilio-Signature header."));
      }
      return switch (String.valueOf(w.kind())) {
        case "incoming" -> incoming(w);
        case "status" -> status(w);
        case "relay-ended" -> relayEnded(w);
        case "gather" -> gather(w);
        case "outbound" -> outbound(w);
        default -> Future.failedFuture(AppError.invalid("unknown_webhook", "No such carrier webhook."));
      };
    } catch (AppError e) {
      return Future.failedFuture(e);
    }
  }

  // --- incoming ---------------------------------------------------------------------------------

  private Future<String> incoming(Webhook w) {
    String to = w.param("To");
    Future<VoiceStore.Owner> owner = to == null || to.isBlank() ? Future.succeededFuture(null)
        : store.owner(to.strip());
    return owner.compose(o -> verify(w, o == null ? null : o.tenantId()).map(v -> o)).compose(o -> {
      String callSid = callSid(w);
      String from = w.required("From");
      if (o == null) {
        return Future.succeededFuture(sayAndHangUp(NOT_IN_SERVICE, null));
      }
      return assistants.find(o.tenantId(), o.assistantId())
          .compose(assistant -> store.call(callSid).compose(known -> {
            if (known == null) {
              return open(o.tenantId(), assistant, callSid, from, to.strip(), w.param("CallStatus"));
            }
            // the carrier asked twice: the same answer, nothing created again
            return Future.succeededFuture(known.tenantId().equals(o.tenantId())
                ? answer(known, known.conversationId(), assistant, plainGreeting(assistant))
                : sayAndHangUp(NOT_IN_SERVICE, null));
          }))
          .recover(err -> Future.failedFuture(err instanceof AppError e && e.code().equals("assistant_not_found")
              ? AppError.notFound("assistant_not_found", "No assistant has this number.") : err));
    }).recover(err -> {
      AppError e = err instanceof AppError a ? a : null;
      if (e != null && e.code().equals("usage_limit_exceeded")) {
        return Future.succeededFuture(sayAndHangUp(OVER_MONTHLY_LIMIT, null));
      }
      if (e != null && e.code().equals("concurrent_calls_exceeded")) {
        return Future.succeededFuture(sayAndHangUp(ALL_LINES_BUSY, null));
      }
      if (e != null && e.code().equals("assistant_not_found")) {
        return Future.succeededFuture(sayAndHangUp(NOT_IN_SERVICE, null));
      }
      return Future.failedFuture(err);
    });
  }

  /** What a new call starts from: its conversation, the greeting said, and the call. */
  private record Opened(Call call, Conversation conversation, String greeting) {}

  /**
   * One transaction: the tenant's call lock and cap, the lease (or the monthly count and a new
   * conversation), then {@link #begin}. Over a limit it rolls back: nothing half-created.
   */
  private Future<String> open(String tenantId, Assistant assistant, String callSid, String from, String to,
      String callStatus) {
    String status = callStatus != null && STATUSES.contains(callStatus) ? callStatus : "ringing";
    return outbox.inTransaction(tenantId, (tx, events) -> withinCap(tx, tenantId)
            .compose(v -> store.claimLease(tx, to, tenantId, callSid))
            .compose(lease -> lease != null ? conversations.lock(tx, tenantId, lease.conversationId())
                : usage.charge(tx, tenantId, 0, 1, false).compose(x -> conversations.insertConversation(tx, tenantId,
                    assistant.id(), "call_" + callSid, "voice", events)))
            .compose(conversation -> conversation == null
                ? Future.failedFuture(AppError.notFound("conversation_not_found", "The leased call is gone."))
                : begin(tx, events, assistant, conversation, new Call(callSid, tenantId, conversation.id(),
                    assistant.id(), "inbound", from, to, status, -1, null, null, false), from)))
        .map(opened -> answer(opened.call(), opened.conversation().id(), assistant, opened.greeting()));
  }

  /** The tenant's call lock until the transaction ends, and 429 concurrent_calls_exceeded at its cap. */
  private Future<Void> withinCap(SqlClient tx, String tenantId) {
    return store.lockLiveCalls(tx, tenantId, settings.maxCallMinutes())
        .compose(live -> usage.limit(tx, tenantId, Plans.CONCURRENT_CALLS).compose(cap -> cap != null && live >= cap
            ? Future.failedFuture(AppError.tooMany("concurrent_calls_exceeded",
                "This workspace has " + live + " calls in progress, its limit.", 60))
            : Future.succeededFuture()));
  }

  /**
   * The start of a call in its conversation: the call row, the caller's number and the linked
   * chat's contact details (qualification fires as in chat), and the greeting as the assistant's
   * first message — a greeting that shows the assistant knows the chat the call comes from.
   */
  private Future<Opened> begin(SqlClient tx, EventBatch events,
      Assistant assistant, Conversation conversation, Call call, String callerNumber) {
    String tenantId = conversation.tenantId();
    String linked = conversation.linkedConversationId();
    Future<Conversation> chat = linked == null ? Future.succeededFuture(null) : conversations.find(tx, tenantId, linked);
    Future<List<Message>> said = linked == null ? Future.succeededFuture(List.of())
        : conversations.recentMessages(tx, tenantId, linked, "", 10);
    return Future.all(chat, said).compose(x -> store.insertCall(tx, call)).compose(stored -> {
      JsonObject known = new JsonObject();
      if (chat.result() != null && chat.result().contactData() != null) {
        known.mergeIn(chat.result().contactData());
      }
      if (callerNumber != null) {
        known.mergeIn(contacts.clean(new JsonObject().put("phone", callerNumber)));
      }
      return conversations.applyContact(tx, conversation,
              new ContactUpdate(contacts.clean(known), assistant.requiredFields()), events)
          .compose(c -> {
            String greeting = greeting(assistant, c.contactData(), said.result());
            return conversations.insertMessage(tx, tenantId, c.id(), "assistant", greeting,
                    new JsonObject().put("greeting", true), events)
                .compose(m -> conversations.recordCall(tx, tenantId, c.id(), stored.toJson(), false, events))
                .map(recorded -> new Opened(stored, recorded, greeting));
          });
    });
  }

  /**
   * A call from the widget in the browser (/ws/voice): it joins the voice conversation the session
   * leased with voice/start (counted there), or opens one of the session, linked to its latest
   * chat, counted against the monthly voice calls; within the concurrent cap like a phone call.
   * Completes with the call and the greeting to say.
   */
  Future<BrowserCall> openBrowserCall(String tenantId, String sessionId, String assistantId, String defaultAssistantId) {
    String callSid = browserCallSid();
    return assistants.resolve(tenantId, assistantId, defaultAssistantId).compose(assistant -> outbox.inTransaction(
            tenantId, (tx, events) -> withinCap(tx, tenantId)
                .compose(v -> store.sessionLease(tx, tenantId, sessionId, assistant.id()))
                .compose(lease -> lease != null
                    ? store.claimLease(tx, lease.phoneNumber(), tenantId, callSid)
                        .compose(claimed -> conversations.lock(tx, tenantId, lease.conversationId()))
                    : usage.charge(tx, tenantId, 0, 1, false)
                        .compose(v -> conversations.latestOfSession(tx, tenantId, sessionId, "chat"))
                        .compose(chat -> conversations.insertConversation(tx, tenantId, assistant.id(), sessionId,
                                "voice", chat == null ? null : chat.id(), events)
                            .compose(conversation -> (chat == null ? Future.succeededFuture()
                                    : conversations.link(tx, tenantId, chat.id(), conversation.id(), events))
                                .map(x -> conversation))))
                .compose(conversation -> begin(tx, events, assistant, conversation, new Call(callSid, tenantId,
                    conversation.id(), assistant.id(), "browser", "browser", "browser", "in-progress", -1, null, null,
                    false), null)))
        .map(opened -> new BrowserCall(new RelayCall(opened.call(), opened.conversation(), assistant), opened.greeting(),
            language(assistant), System.currentTimeMillis())));
  }

  /** A call from the browser, just opened. */
  record BrowserCall(RelayCall call, String greeting, String language, long startedAtMillis) {}

  /** The browser hung up: the call is completed with its duration and its conversation closed. */
  Future<Void> endBrowserCall(BrowserCall browser) {
    Call call = browser.call().call();
    int duration = (int) Math.max(0, (System.currentTimeMillis() - browser.startedAtMillis()) / 1000);
    return outbox.inTransaction(call.tenantId(), (tx, events) -> store.applyStatus(tx, call.tenantId(),
            call.callSid(), "completed", null, duration, null, true)
        .compose(applied -> applied == null ? Future.succeededFuture()
            : conversations.recordCall(tx, call.tenantId(), applied.conversationId(), applied.toJson(), true, events)))
        .mapEmpty();
  }

  private static String browserCallSid() {
    return "BR" + HexFormat.of().formatHex(Ids.randomBytes(16));
  }

  /** The TwiML that starts the conversation loop of a call. */
  private String answer(Call call, String conversationId, Assistant assistant, String greeting) {
    String language = language(assistant);
    String voice = ttsVoice(assistant);
    String sid = encode(call.callSid());
    if (settings.mode().equals("gather")) {
      return TwiML.response().gather(gatherUrl(sid, 0, null), language, greeting, language, voice).toXml();
    }
    String base = baseUrl();
    return TwiML.response().connectRelay(base + "/api/voice/twilio/relay-ended?callSid=" + sid,
        base.replaceFirst("^http", "ws") + "/api/voice/twilio/relay?callSid=" + sid, greeting, language, voice,
        Map.of("conversationId", conversationId)).toXml();
  }

  private String gatherUrl(String encodedSid, int silences, String waitingSince) {
    StringBuilder url = new StringBuilder(baseUrl()).append("/api/voice/twilio/gather?callSid=").append(encodedSid);
    if (silences > 0) {
      url.append("&silence=").append(silences);
    }
    if (waitingSince != null) {
      url.append("&since=").append(waitingSince);
    }
    return url.toString();
  }

  /**
   * The first thing the caller hears: the assistant's greeting, or — when the call comes from a chat
   * — a greeting that shows the assistant knows it.
   */
  static String greeting(Assistant assistant, JsonObject contact, List<Message> chat) {
    String lastAsked = null;
    for (Message m : chat) {
      if (m.role().equals("visitor")) {
        lastAsked = m.content();
      }
    }
    if (lastAsked == null) {
      return plainGreeting(assistant);
    }
    String name = contact == null ? null : contact.getString("name");
    String asked = ContactExtractor.withoutContactDetails(lastAsked).replaceAll("\\s+", " ").strip();
    if (asked.length() > 120) {
      asked = asked.substring(0, asked.lastIndexOf(' ', 120) > 40 ? asked.lastIndexOf(' ', 120) : 120) + "…";
    }
    return (name != null && !name.isBlank() ? "Hi " + name.split(" ")[0] + ", thanks" : "Thanks") + " for calling "
        + assistant.name() + ". I have our chat here" + (asked.isEmpty() ? "" : ", where you wrote: \"" + asked + "\"")
        + ". How can I help?";
  }

  static String plainGreeting(Assistant assistant) {
    return assistant.greeting() != null && !assistant.greeting().isBlank() ? assistant.greeting()
        : "Hello, this is " + assistant.name() + ". How can I help you?";
  }

  // --- relay socket -------------------------------------------------------------------------------

  /**
   * Whether a relay socket may open for this call: the upgrade's signature (over the socket URL),
   * a call we answered that has not ended, its conversation and assistant.
   */
  Future<RelayCall> admitRelay(String url, String signature, String callSid) {
    if (signature == null || signature.isEmpty()) {
      return Future.failedFuture(AppError.invalid("missing_signature", "The upgrade has no X-Twilio-Signature header."));
    }
    if (callSid == null || !CALL_SID.matcher(callSid).matches()) {
      return verify(new Webhook("relay", url, new JsonArray(), signature), null)
          .compose(v -> Future.failedFuture(AppError.invalid("missing_parameter", "The relay URL names no call.")));
    }
    Webhook w = new Webhook("relay", url, new JsonArray(), signature);
    return store.call(callSid).compose(call -> verify(w, call == null ? null : call.tenantId()).map(v -> call))
        .compose(call -> {
          if (call == null || call.ended()) {
            return Future.failedFuture(AppError.notFound("call_not_found", "No call in progress has this sid."));
          }
          Future<Conversation> conversation = conversations.find(call.tenantId(), call.conversationId());
          Future<Assistant> assistant = assistants.find(call.tenantId(), call.assistantId());
          return Future.all(conversation, assistant)
              .map(x -> new RelayCall(call, conversation.result(), assistant.result()));
        });
  }

  /**
   * The caller interrupted a spoken reply: the stored message becomes what they heard
   * (message:updated).
   */
  Future<Void> heard(String tenantId, String conversationId, String sessionId, String messageId, String heard) {
    return outbox.inTransaction(tenantId, (tx, events) -> conversations.correctMessage(tx, tenantId, conversationId,
        messageId, heard, new JsonObject().put("interrupted", true), sessionId, events)).mapEmpty();
  }

  /** Marks the call as handed to a person (the relay sent {@code end}). */
  Future<Void> handedOff(String tenantId, String callSid) {
    return store.markHandoff(tenantId, callSid);
  }

  // --- relay-ended ----------------------------------------------------------------------------------

  private Future<String> relayEnded(Webhook w) {
    return knownCall(w).compose(call -> {
      if (call == null) {
        return Future.succeededFuture(TwiML.response().hangup().toXml());
      }
      JsonObject handoff = parseHandoff(w.param("HandoffData"));
      String say = clip(handoff.getValue("say") instanceof String s ? s : null);
      String reason = handoff.getString("reasonCode");
      if (HANDOFF_REASON.equals(reason)) {
        return assistants.find(call.tenantId(), call.assistantId()).otherwiseEmpty()
            .map(assistant -> transfer(call, assistant, say));
      }
      return Future.succeededFuture(say == null ? TwiML.response().hangup().toXml() : sayAndHangUp(say, null));
    });
  }

  /** Dials the assistant's transfer number with the number called as the caller id, or apologises. */
  private String transfer(Call call, Assistant assistant, String say) {
    String language = assistant == null ? settings.language() : language(assistant);
    String voice = assistant == null ? null : ttsVoice(assistant);
    TwiML twiml = TwiML.response();
    if (say != null) {
      twiml.say(say, language, voice);
    }
    String number = assistant == null ? null : assistant.transferNumber();
    if (number == null || number.isBlank()) {
      return twiml.say(NOBODY_TO_TRANSFER, language, voice).hangup().toXml();
    }
    String callerId = call.direction().equals("inbound") ? call.to() : call.from();
    return twiml.dial(number, callerId, null).toXml();
  }

  private static JsonObject parseHandoff(String data) {
    if (data == null || data.isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(data);
    } catch (RuntimeException e) {
      // a carrier that sends its own words: a handoff all the same
      return new JsonObject().put("reasonCode", HANDOFF_REASON);
    }
  }

  // --- gather ---------------------------------------------------------------------------------------

  private Future<String> gather(Webhook w) {
    return knownCall(w).compose(call -> {
      if (call == null || call.ended()) {
        return Future.succeededFuture(TwiML.response().hangup().toXml());
      }
      return Future.all(conversations.find(call.tenantId(), call.conversationId()),
              assistants.find(call.tenantId(), call.assistantId()))
          .compose(both -> {
            Conversation conversation = both.resultAt(0);
            Assistant assistant = both.resultAt(1);
            String since = w.query("since");
            if (since != null) {
              return awaitReply(call, conversation, assistant, since, holds(w));
            }
            String speech = w.param("SpeechResult");
            if (speech == null || speech.isBlank()) {
              return Future.succeededFuture(silence(call, assistant, silences(w)));
            }
            return gatherTurn(call, conversation, assistant, clipPrompt(speech));
          });
    });
  }

  private String silence(Call call, Assistant assistant, int silences) {
    if (silences >= 1) {
      return sayAndHangUp(GOODBYE, assistant);
    }
    String language = language(assistant);
    return TwiML.response().gather(gatherUrl(encode(call.callSid()), silences + 1, null), language, DID_NOT_CATCH,
        language, ttsVoice(assistant)).toXml();
  }

  /**
   * One Gather turn: the reply within {@code voice.turnTimeoutMs}, else the holding phrase and a
   * Redirect that waits for the reply (on whichever node the carrier reaches: it is read back from
   * the conversation).
   */
  private Future<String> gatherTurn(Call call, Conversation conversation, Assistant assistant, String speech) {
    long started = System.currentTimeMillis();
    JsonObject request = new JsonObject().put("tenantId", call.tenantId()).put("sessionId", conversation.sessionId())
        .put("message", speech).put("conversationId", conversation.id()).put("channel", "voice");
    Promise<String> answer = Promise.promise();
    long timer = vertx.setTimer(settings.turnTimeoutMs(), id -> answer.tryComplete(holding(call, assistant,
        String.valueOf(started), 1)));
    vertx.eventBus().<JsonObject>request(Addresses.CHAT_REPLY, request,
            new DeliveryOptions().setSendTimeout(chatTimeoutMs))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            answer.tryComplete(spokenReply(call, assistant, ar.result().body()));
          } else {
            AppError e = AppError.from(ar.cause());
            answer.tryComplete(e.code().equals("usage_limit_exceeded") ? sayAndHangUp(OVER_MONTHLY_LIMIT, assistant)
                : TwiML.response().gather(gatherUrl(encode(call.callSid()), 0, null), language(assistant), TROUBLE,
                    language(assistant), ttsVoice(assistant)).toXml());
          }
        });
    return answer.future();
  }

  private String spokenReply(Call call, Assistant assistant, JsonObject reply) {
    String message = reply.getString("message");
    JsonObject metadata = reply.getJsonObject("metadata", new JsonObject());
    if (metadata.getBoolean("doNotCall", false)) {
      return sayAndHangUp(message, assistant);
    }
    if (metadata.getBoolean("handoff", false)) {
      store.markHandoff(call.tenantId(), call.callSid());
      return transfer(call, assistant, clip(message));
    }
    String language = language(assistant);
    return TwiML.response().gather(gatherUrl(encode(call.callSid()), 0, null), language,
        message == null || message.isBlank() ? TROUBLE : message, language, ttsVoice(assistant)).toXml();
  }

  private String holding(Call call, Assistant assistant, String since, int holds) {
    return TwiML.response().say(settings.holdingPhrase(), language(assistant), ttsVoice(assistant))
        .redirect(gatherUrl(encode(call.callSid()), 0, since) + "&holds=" + holds).toXml();
  }

  /** After a holding phrase: the reply written since {@code since} (epoch ms), waiting up to the turn's time. */
  private Future<String> awaitReply(Call call, Conversation conversation, Assistant assistant, String since,
      int holds) {
    long after;
    try {
      after = Long.parseLong(since);
    } catch (NumberFormatException e) {
      return Future.failedFuture(AppError.invalid("invalid_parameter", "since must be a time in milliseconds."));
    }
    long deadline = System.currentTimeMillis() + settings.turnTimeoutMs();
    Promise<String> answer = Promise.promise();
    poll(call, conversation, assistant, Instant.ofEpochMilli(after), deadline, holds, since, answer);
    return answer.future();
  }

  private void poll(Call call, Conversation conversation, Assistant assistant, Instant after, long deadline, int holds,
      String since, Promise<String> answer) {
    conversations.latestReplyAfter(call.tenantId(), conversation.id(), after).onComplete(ar -> {
      if (ar.failed()) {
        answer.fail(ar.cause());
        return;
      }
      Message reply = ar.result();
      if (reply != null) {
        answer.complete(spokenReply(call, assistant, new JsonObject().put("message", reply.content())
            .put("metadata", reply.metadata())));
      } else if (System.currentTimeMillis() < deadline) {
        vertx.setTimer(REPLY_POLL_MS, id -> poll(call, conversation, assistant, after, deadline, holds, since, answer));
      } else if (holds < MAX_HOLDS) {
        answer.complete(holding(call, assistant, since, holds + 1));
      } else {
        String language = language(assistant);
        answer.complete(TwiML.response().gather(gatherUrl(encode(call.callSid()), 0, null), language, TROUBLE,
            language, ttsVoice(assistant)).toXml());
      }
    });
  }

  // --- status callbacks -----------------------------------------------------------------------------

  /**
   * A status callback moves the call on only when it is newer (SequenceNumber) than the last one
   * applied and the call has not ended: a duplicate or a late, older callback changes nothing. The
   * state goes into the conversation's metadata.call; a terminal one closes the conversation.
   */
  private Future<String> status(Webhook w) {
    String empty = TwiML.response().toXml();
    return callOrPlaced(w).compose(call -> {
      String status = w.required("CallStatus");
      if (!STATUSES.contains(status)) {
        return Future.failedFuture(AppError.invalid("invalid_call_status", "CallStatus " + status + " is unknown."));
      }
      Integer sequence = number(w, "SequenceNumber");
      Integer duration = number(w, "CallDuration");
      String answeredBy = w.param("AnsweredBy");
      if (call == null) {
        return Future.succeededFuture(empty);
      }
      boolean terminal = TERMINAL.contains(status);
      return outbox.inTransaction(call.tenantId(), (tx, events) -> store.applyStatus(tx, call.tenantId(),
              call.callSid(), status, sequence, duration, answeredBy == null || answeredBy.isBlank() ? null : answeredBy,
              terminal)
          .compose(applied -> applied == null ? Future.succeededFuture()
              : conversations.recordCall(tx, call.tenantId(), applied.conversationId(), applied.toJson(), terminal,
                      events)
                  .compose(c -> terminal && applied.direction().equals("outbound-api") && outboundCalls != null
                      ? outboundCalls.ended(tx, events, applied) : Future.succeededFuture())))
          .map(x -> empty);
    });
  }

  private static Integer number(Webhook w, String name) {
    String value = w.param(name);
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      int n = Integer.parseInt(value.strip());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // refused below
    }
    throw AppError.invalid("invalid_parameter", name + " must be a whole number.");
  }

  // --- outbound: the answer of a call the server placed ------------------------------------------------

  /**
   * A placed call was answered ({@code ?attempt=} names the dial attempt): a machine hears the
   * campaign's voicemail message once (or nothing), and the call ends; a person hears the
   * assistant's greeting, filled in with the contact's values, and the relay (or Gather) loop
   * starts, as for a call that came in.
   */
  private Future<String> outbound(Webhook w) {
    String attempt = w.query("attempt");
    Future<OutboundCalls.Placed> placed = attempt == null || outboundCalls == null ? Future.succeededFuture(null)
        : outboundCalls.find(attempt);
    return placed.compose(p -> verify(w, p == null ? null : p.tenantId()).map(v -> p)).compose(p -> {
      String callSid = callSid(w);
      if (p == null) {
        return Future.succeededFuture(TwiML.response().hangup().toXml());
      }
      String answeredBy = w.param("AnsweredBy");
      boolean machine = answeredBy != null && (answeredBy.startsWith("machine") || answeredBy.equals("fax"));
      return assistants.find(p.tenantId(), p.assistantId()).compose(assistant -> outbox.inTransaction(p.tenantId(),
              (tx, events) -> store.placedCall(tx, callSid, p.tenantId(), p.conversationId(), p.assistantId(), p.from(),
                      p.to(), "in-progress", answeredBy == null || answeredBy.isBlank() ? null : answeredBy)
                  .compose(call -> call == null ? Future.failedFuture(AppError.forbidden("invalid_signature",
                      "This call belongs to another account.")) : Future.succeededFuture(call))
                  .compose(call -> {
                    String said = machine ? clip(Placeholders.fill(p.voicemailMessage(), p.variables()))
                        : outboundGreeting(assistant, p.variables());
                    if (machine && said == null) {
                      return Future.succeededFuture(TwiML.response().hangup().toXml());
                    }
                    JsonObject metadata = new JsonObject().put(machine ? "voicemail" : "greeting", true);
                    return conversations.insertMessage(tx, p.tenantId(), p.conversationId(), "assistant", said,
                            metadata, events)
                        .compose(m -> conversations.recordCall(tx, p.tenantId(), p.conversationId(), call.toJson(),
                            false, events))
                        .map(c -> machine ? sayAndHangUp(said, assistant)
                            : answer(call, p.conversationId(), assistant, said));
                  })));
    });
  }

  static String outboundGreeting(Assistant assistant, JsonObject values) {
    String greeting = Placeholders.fill(assistant.greeting(), values);
    if (greeting != null && !greeting.isBlank()) {
      return greeting;
    }
    String name = values == null ? null : values.getString("name");
    return "Hello" + (name == null || name.isBlank() ? "" : " " + name) + ", this is " + assistant.name() + ".";
  }

  // --- shared -----------------------------------------------------------------------------------------

  /**
   * The call a status callback names; for a call the server placed whose callback comes before the
   * dialer recorded it (the carrier is quick), the call of the attempt its URL names
   * ({@code ?attempt=}), recorded now. Verified with the account of the call's tenant.
   */
  private Future<Call> callOrPlaced(Webhook w) {
    String callSid = callSid(w);
    String attempt = w.query("attempt");
    return store.call(callSid).compose(call -> {
      if (call != null || attempt == null || outboundCalls == null) {
        return verify(w, call == null ? null : call.tenantId()).map(v -> call);
      }
      return outboundCalls.find(attempt).compose(p -> verify(w, p == null ? null : p.tenantId())
          .compose(v -> p == null ? Future.succeededFuture(null)
              : store.placedCall(store.pool(), callSid, p.tenantId(), p.conversationId(), p.assistantId(), p.from(),
                  p.to(), "queued", null)));
    });
  }

  /**
   * The call a webhook names (CallSid), its signature checked with the account of the call's
   * tenant; null, once verified with the server's account, for a call we do not know.
   */
  private Future<Call> knownCall(Webhook w) {
    String callSid = callSid(w);
    return store.call(callSid).compose(call -> verify(w, call == null ? null : call.tenantId()).map(v -> call));
  }

  private static String callSid(Webhook w) {
    String callSid = w.required("CallSid");
    if (!CALL_SID.matcher(callSid).matches()) {
      throw AppError.invalid("invalid_parameter", "CallSid is not a call sid.");
    }
    return callSid;
  }

  /** 403 invalid_signature unless the request was signed with the account's auth token (and names it). */
  private Future<Void> verify(Webhook w, String tenantId) {
    return accounts.forTenant(tenantId).compose(account -> {
      if (!TwilioSignature.verify(account.authToken(), w.url(), pairs(w.params()),
          w.signature())) {
        return Future.failedFuture(AppError.forbidden("invalid_signature",
            "X-Twilio-Signature does not match this request."));
      }
      String accountSid = w.param("AccountSid");
      if (accountSid != null && account.accountSid() != null && !account.accountSid().isBlank()
          && !accountSid.equals(account.accountSid())) {
        return Future.failedFuture(AppError.forbidden("account_mismatch",
            "The request comes from another carrier account."));
      }
      return Future.succeededFuture();
    });
  }

  private static List<Map.Entry<String, String>> pairs(JsonArray params) {
    return params.stream().map(p -> (JsonArray) p).map(p -> Map.entry(p.getString(0), p.getString(1))).toList();
  }

  private String sayAndHangUp(String text, Assistant assistant) {
    return TwiML.response().say(text, assistant == null ? settings.language() : language(assistant),
        assistant == null ? null : ttsVoice(assistant)).hangup().toXml();
  }

  private String language(Assistant assistant) {
    String language = assistant.voice() == null ? null : assistant.voice().getString("language");
    return language == null || language.isBlank() ? settings.language() : language;
  }

  private static String ttsVoice(Assistant assistant) {
    String voice = assistant.voice() == null ? null : assistant.voice().getString("ttsVoice");
    return voice == null || voice.isBlank() ? null : voice;
  }

  private static int silences(Webhook w) {
    return "1".equals(w.query("silence")) ? 1 : 0;
  }

  private static int holds(Webhook w) {
    String holds = w.query("holds");
    return holds != null && holds.matches("[0-9]") ? Integer.parseInt(holds) : 1;
  }

  private String clipPrompt(String text) {
    String t = text.strip();
    return t.length() > settings.maxPromptChars() ? t.substring(0, settings.maxPromptChars()) : t;
  }

  private static String clip(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    return text.length() > MAX_SAY ? text.substring(0, MAX_SAY) : text;
  }


  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
