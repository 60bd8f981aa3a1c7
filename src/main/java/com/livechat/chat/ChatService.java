package com.livechat.chat;

import com.livechat.assistant.Assistant;
import com.livechat.assistant.Assistants;
import com.livechat.assistant.KnowledgeHit;
import com.livechat.assistant.KnowledgeStore;
import com.livechat.bus.Addresses;
import com.livechat.chat.TurnRecorder.TurnEnd;
import com.livechat.chat.provider.AiProvider;
import com.livechat.chat.provider.AiProviderException;
import com.livechat.chat.provider.AiReply;
import com.livechat.chat.provider.AiRequest;
import com.livechat.chat.provider.KnowledgePassage;
import com.livechat.chat.provider.ReplyStream;
import com.livechat.config.AppConfig;
import com.livechat.conversation.ContactUpdate;
import com.livechat.conversation.Conversation;
import com.livechat.conversation.ConversationStore.Stored;
import com.livechat.conversation.ConversationStore;
import com.livechat.conversation.Message;
import com.livechat.error.AppError;
import com.livechat.realtime.LiveSignals;
import com.livechat.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One widget chat turn: find the visitor's conversation, choose the assistant, store the visitor's
 * message (counted against the tenant's limits, with the contact details it gives), then — unless
 * a human has the conversation — either hand it to a human (the visitor asked for one, or accepted
 * the assistant's offer of one) or ask the provider chain, grounded in the assistant's knowledge
 * and the recent conversation, and store its reply with what it learnt.
 *
 * <p>A visitor is never left talking to nobody: a chat goes to a person only when one of the
 * tenant's agents has the dashboard open ({@link Staffing}). When the assistant cannot help, the
 * tenant's {@link HandoffMode} decides: offer a person, hand over at once, or neither; with nobody
 * online the assistant stays on, asks for an email or phone number, and the conversation is marked
 * for a follow-up ({@code metadata.followUp}). A call (channel voice) hands over as it always did:
 * its handoff dials the assistant's transfer number.
 */
public final class ChatService {

  private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);

  static final String NOTE_ASKED = "The visitor asked for a person. The AI assistant is off for this conversation "
      + "until an agent gives it back.";
  static final String NOTE_NO_ANSWER = "The AI assistant had no answer for the visitor and handed the conversation "
      + "over. It stays off until an agent gives it back.";
  static final String NOTE_ACCEPTED = "The visitor accepted the assistant's offer of a person. The AI assistant is off "
      + "for this conversation until an agent gives it back.";
  /** What a provider that asked for a person without a word says. */
  static final String CANNOT_HELP = "I'm not able to help with that here.";

  private final ConversationStore conversations;
  private final Assistants assistants;
  private final KnowledgeStore knowledge;
  private final AiProvider provider;
  private final TurnRecorder recorder;
  private final PromptBuilder prompts;
  private final AppConfig.Chat settings;
  private final String callHandoffMessage;
  private final CallTurns calls;
  private final Phrases handoffPhrases;
  private final ContactExtractor contacts;
  private final Vertx vertx;
  private final LiveSignals live;
  private final Staffing staffing;
  private final RunningTurns running = new RunningTurns();

  /** What a turn knows so far, filled in step by step. */
  private static final class Turn {
    final String tenantId;
    final String sessionId;
    final String text;
    final String turnId;
    final boolean streamed;
    final JsonObject user;
    final String channel;
    Conversation existing;
    Assistant assistant;
    Stored visitor;
    HandoffMode mode = HandoffMode.DEFAULT;

    Turn(JsonObject request) {
      tenantId = request.getString("tenantId");
      sessionId = request.getString("sessionId");
      text = request.getString("message");
      String given = request.getString("turnId");
      turnId = given != null ? given : Ids.next("turn");
      streamed = given != null && request.getBoolean("stream", false);
      user = request.getValue("user") instanceof JsonObject u ? u : null;
      channel = request.getString("channel", "chat");
    }

    boolean onCall() {
      return channel.equals("voice");
    }

    boolean opened() {
      return existing == null;
    }

    String conversationId() {
      return visitor.conversation().id();
    }
  }

  public ChatService(Vertx vertx, ConversationStore conversations, Assistants assistants, KnowledgeStore knowledge,
      AiProvider provider, TurnRecorder recorder, LiveSignals live, AppConfig.Chat settings, CallTurns calls,
      Staffing staffing) {
    this.vertx = vertx;
    this.staffing = staffing;
    this.calls = calls;
    this.callHandoffMessage = calls.handoffMessage();
    this.live = live;
    this.conversations = conversations;
    this.assistants = assistants;
    this.knowledge = knowledge;
    this.provider = provider;
    this.recorder = recorder;
    this.prompts = new PromptBuilder(settings);
    this.settings = settings;
    this.handoffPhrases = new Phrases(settings.handoffPhrases());
    this.contacts = new ContactExtractor(settings.phoneRegion());
  }

  /**
   * Calls off AI turns this node is writing (a chat.cancel body, docs/EVENTBUS.md): one turn by its
   * id, or the turn of a conversation an agent took over.
   */
  public void cancel(JsonObject body) {
    running.cancel(body);
  }

  /** For tests and metrics: the AI turns this node is writing. */
  public int runningTurns() {
    return running.size();
  }

  /**
   * @param request the chat.reply body: tenantId, sessionId, message, assistantId?, conversationId?,
   *     defaultAssistantId?, turnId? (the id of this turn's deltas), stream? (true: each piece of the
   *     reply also goes to the node-local chat.stream.&lt;turnId&gt; as {"delta"}), user? (the
   *     visitor's name, email and phone from a visitor token, merged into the contact data),
   *     channel? ("chat" by default; "voice": a caller's utterance on a call, whose conversation
   *     must be given: the call opened it)
   * @return {conversationId, message, metadata, messageId} (messageId: the stored reply's, absent
   *     when there is none; the widget's HTTP answer leaves it out)
   */
  public Future<JsonObject> reply(JsonObject request) {
    Turn turn = new Turn(request);
    return findConversation(turn, request.getString("conversationId"))
        .compose(existing -> {
          turn.existing = existing;
          String defaultId = existing != null && existing.assistantId() != null
              ? existing.assistantId() : request.getString("defaultAssistantId");
          return assistants.resolve(turn.tenantId, request.getString("assistantId"), defaultId);
        })
        .compose(assistant -> {
          turn.assistant = assistant;
          ContactUpdate given = new ContactUpdate(givenContact(turn), assistant.requiredFields());
          boolean forAi = turn.existing == null || turn.existing.aiEnabled();
          return recorder.acceptVisitorMessage(turn.tenantId, turn.existing, assistant.id(), turn.sessionId,
              turn.text, given, forAi);
        })
        .compose(visitor -> {
          turn.visitor = visitor;
          if (!visitor.conversation().aiEnabled()) {
            return Future.succeededFuture(withHuman(visitor.conversation()));
          }
          if (turn.onCall() && campaignValues(visitor.conversation()) != null
              && calls.doNotCallPhrases().saidIn(turn.text)) {
            return doNotCallAgain(turn);
          }
          if (turn.onCall()) {
            return handoffPhrases.saidIn(turn.text) ? handOffOnRequest(turn, NOTE_ASKED) : answer(turn);
          }
          return staffing.handoffMode(turn.tenantId).compose(mode -> {
            turn.mode = mode;
            if (handoffPhrases.saidIn(turn.text)) {
              return personAsked(turn, settings.offers().nobodyAvailable(), NOTE_ASKED);
            }
            return offerAnswered(turn).compose(offer -> offer == null ? answer(turn)
                : personAsked(turn, offer.equals(OFFERED_AGENT) ? settings.offers().nobodyAvailable()
                    : settings.offers().leaveDetails(), NOTE_ACCEPTED));
          });
        });
  }

  static final String OFFERED_AGENT = "agent";
  static final String OFFERED_FOLLOW_UP = "followUp";

  /**
   * The visitor wants a person: they get one when an agent is online (and the tenant hands over at
   * all); otherwise the assistant stays on and asks for their details, or notes that it has them.
   */
  private Future<JsonObject> personAsked(Turn turn, String nobodyThere, String note) {
    if (turn.mode != HandoffMode.NEVER && staffing.agentOnline(turn.tenantId)) {
      return handOffOnRequest(turn, note);
    }
    JsonObject contact = turn.visitor.conversation().contactData();
    String told = nobodyThere.equals(settings.offers().nobodyAvailable())
        && (contact.containsKey("email") || contact.containsKey("phone")) ? settings.offers().nobodyAvailableNoted()
        : nobodyThere;
    JsonObject metadata = new JsonObject().put("tokens", 0).put("offer", OFFERED_FOLLOW_UP);
    return recorder.endTurn(turn.tenantId, turn.conversationId(),
            new TurnEnd(told, metadata, 0, ContactUpdate.NONE, null, followUp("asked")))
        .map(stored -> response(stored, told, metadata));
  }

  /**
   * The offer ("agent" or "followUp") of the assistant's last reply when the visitor's message says
   * yes to it, else null.
   */
  private Future<String> offerAnswered(Turn turn) {
    if (turn.opened() || !Affirmation.saidIn(turn.text)) {
      return Future.succeededFuture(null);
    }
    return conversations.recentMessages(turn.tenantId, turn.conversationId(), turn.visitor.message().id(), 1)
        .map(last -> last.isEmpty() || !last.get(0).role().equals("assistant") ? null
            : last.get(0).metadata().getString("offer"));
  }

  /** conversation.metadata.followUp: someone should get back to this visitor. */
  private static JsonObject followUp(String reason) {
    return new JsonObject().put("reason", reason).put("at", Instant.now().toString());
  }

  /**
   * What the visitor's message says about them, with what the tenant's server vouched for in a
   * visitor token over it (cleaned again: a worker in another language may send this request).
   */
  private JsonObject givenContact(Turn turn) {
    JsonObject fromMessage = contacts.fromMessage(turn.text);
    return turn.user == null ? fromMessage : fromMessage.mergeIn(contacts.clean(turn.user));
  }

  /** A conversation is only reachable from the session that opened it, in the turn's channel. */
  private Future<Conversation> findConversation(Turn turn, String conversationId) {
    if (conversationId == null) {
      return turn.onCall()
          ? Future.failedFuture(AppError.invalid("invalid_conversation_id", "A call's turn names its conversation."))
          : Future.succeededFuture(null);
    }
    AppError notFound = AppError.notFound("conversation_not_found", "This session has no conversation with this id.");
    if (!Ids.plausible(conversationId)) {
      return Future.failedFuture(notFound);
    }
    return conversations.find(turn.tenantId, conversationId)
        .compose(c -> c != null && c.sessionId().equals(turn.sessionId) && c.channel().equals(turn.channel)
            ? Future.succeededFuture(c) : Future.failedFuture(notFound));
  }

  /** The visitor asked for a person: no AI call; they are told so, staff see why. */
  private Future<JsonObject> handOffOnRequest(Turn turn, String note) {
    JsonObject metadata = new JsonObject().put("handoff", true).put("tokens", 0);
    String told = turn.onCall() ? callHandoffMessage : settings.handoffMessage();
    return recorder.endTurn(turn.tenantId, turn.conversationId(),
            new TurnEnd(told, metadata, 0, ContactUpdate.NONE, note, null))
        .map(stored -> response(stored, told, metadata));
  }

  /**
   * A campaign's callee asked not to be called again: their number goes on the tenant's
   * do-not-call list, they are told so, and the call ends (metadata.doNotCall).
   */
  private Future<JsonObject> doNotCallAgain(Turn turn) {
    String phone = turn.visitor.conversation().contactData().getString("phone");
    JsonObject metadata = new JsonObject().put("doNotCall", true).put("tokens", 0);
    Future<Void> listed = phone == null ? Future.succeededFuture() : calls.doNotCallList().add(turn.tenantId, phone);
    return listed.compose(v -> recorder.endTurn(turn.tenantId, turn.conversationId(),
            new TurnEnd(calls.doNotCallMessage(), metadata, 0, ContactUpdate.NONE, null, null)))
        .map(stored -> response(stored, calls.doNotCallMessage(), metadata));
  }

  private Future<JsonObject> answer(Turn turn) {
    // a conversation opened by this very message has no history to read
    Future<List<Message>> recent = turn.opened() ? Future.succeededFuture(List.of())
        : conversations.recentMessages(turn.tenantId, turn.conversationId(), turn.visitor.message().id(),
            settings.historyMessages());
    Future<List<KnowledgeHit>> hits = settings.knowledgePassages() == 0 ? Future.succeededFuture(List.of())
        : knowledge.search(turn.tenantId, turn.assistant.id(), RelatedWords.expand(turn.text),
            settings.knowledgePassages());
    // a call started from a chat knows that chat
    String linked = turn.onCall() ? turn.visitor.conversation().linkedConversationId() : null;
    Future<List<Message>> chat = linked == null ? Future.succeededFuture(List.of())
        : conversations.recentMessages(turn.tenantId, linked, "", settings.historyMessages());
    return Future.all(recent, hits, chat)
        .compose(all -> complete(turn, turn.onCall()
            ? prompts.callPrompt(turn.assistant, chat.result(), recent.result(), turn.visitor.message(), hits.result(),
                turn.visitor.conversation().contactData(), campaignValues(turn.visitor.conversation()))
            : prompts.prompt(turn.assistant, recent.result(), turn.visitor.message(), hits.result())))
        .compose(reply -> {
          if (reply == null) {
            // called off before the assistant said anything: an agent has it, or nobody is listening
            return Future.succeededFuture(withHuman(turn.visitor.conversation()));
          }
          String said = reply.content() != null && !reply.content().isBlank() ? reply.content() : null;
          JsonObject metadata = metadata(reply);
          ContactUpdate learnt = new ContactUpdate(contacts.clean(reply.contact()), turn.assistant.requiredFields());
          if (turn.onCall()) {
            String text = said != null ? said : callHandoffMessage;
            return recorder.endTurn(turn.tenantId, turn.conversationId(),
                    new TurnEnd(text, metadata, reply.tokens(), learnt, reply.handoff() ? NOTE_NO_ANSWER : null, null))
                .map(stored -> response(stored, text, metadata));
          }
          if (said != null && (!reply.handoff() || reply.interrupted())) {
            // a reply cut short is exactly what was streamed: nothing is added to it, nobody takes over
            metadata.remove("handoff");
            return recorder.endTurn(turn.tenantId, turn.conversationId(),
                    new TurnEnd(said, metadata, reply.tokens(), learnt, null, null))
                .map(stored -> response(stored, said, metadata));
          }
          // no usable answer (a request for a person, or nothing said at all)
          return cannotHelp(turn, said, metadata, reply.tokens(), learnt);
        });
  }

  /**
   * The assistant could not help (the local assistant knew nothing relevant; a model asked for a
   * person, with {@code saidSoFar}, or without a word: null): what the visitor is told after what it said depends on the tenant's mode and on
   * whether an agent is online. With none, the conversation is marked for a follow-up.
   */
  private Future<JsonObject> cannotHelp(Turn turn, String saidSoFar, JsonObject metadata, long tokens,
      ContactUpdate learnt) {
    String said = saidSoFar != null ? saidSoFar : CANNOT_HELP;
    boolean agentThere = turn.mode != HandoffMode.NEVER && staffing.agentOnline(turn.tenantId);
    metadata.remove("handoff");
    String text;
    String note = null;
    JsonObject followUp = null;
    if (agentThere && turn.mode == HandoffMode.AUTO) {
      text = said + " " + settings.handoffMessage();
      note = NOTE_NO_ANSWER;
      metadata.put("handoff", true);
    } else if (agentThere) {
      text = said + " " + settings.offers().person();
      metadata.put("offer", OFFERED_AGENT);
    } else {
      text = said + " " + settings.offers().followUp();
      metadata.put("offer", OFFERED_FOLLOW_UP);
      followUp = followUp("unanswered");
    }
    // what the assistant said went out as it was written: what follows goes out the same way
    passOn(turn, saidSoFar != null ? text.substring(saidSoFar.length()) : text);
    return recorder.endTurn(turn.tenantId, turn.conversationId(),
            new TurnEnd(text, metadata, tokens, learnt, note, followUp))
        .map(stored -> response(stored, text, metadata));
  }

  private void passOn(Turn turn, String delta) {
    live.delta(turn.tenantId, turn.sessionId, turn.conversationId(), turn.turnId, delta);
    if (turn.streamed) {
      vertx.eventBus().send(Addresses.chatStream(turn.turnId), new JsonObject().put("delta", delta));
    }
  }

  /**
   * Asks the provider chain, passing each piece of the reply on as it is written: to the tenant's
   * dashboards and the session's visitor sockets ({@link LiveSignals}, on every node that holds
   * them) and to the streamed HTTP request when there is one. Completes with null when the turn was
   * called off before anything was said.
   */
  private Future<AiReply> complete(Turn turn, AiRequest prompt) {
    String conversationId = turn.conversationId();
    ReplyStream stream = new ReplyStream(delta -> passOn(turn, delta));
    running.started(turn.turnId, turn.tenantId, conversationId, vertx.getOrCreateContext(), stream);
    live.assistantTyping(turn.tenantId, turn.sessionId, conversationId);
    Future<AiReply> reply;
    try {
      reply = provider.complete(prompt, stream);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply
        .onComplete(ar -> running.ended(turn.turnId))
        .recover(err -> {
          if (err instanceof AiProviderException known && known.reason() == AiProviderException.Reason.CANCELLED) {
            return Future.succeededFuture(null);
          }
          // the chain ends with the local assistant, which does not fail: this is a bug, not an outage
          LOG.error("AI provider chain failed for conversation {}", conversationId, err);
          return Future.failedFuture(AppError.unavailable("ai_unavailable",
              "The assistant is unavailable right now; your message was saved. Please retry shortly."));
        });
  }

  /**
   * The values of a campaign call's contact (metadata.campaign: its name and columns) for the
   * assistant's {{placeholders}}, or null for any other conversation.
   */
  static JsonObject campaignValues(Conversation conversation) {
    JsonObject campaign = conversation.metadata() == null ? null : conversation.metadata().getJsonObject("campaign");
    if (campaign == null) {
      return null;
    }
    JsonObject values = campaign.getJsonObject("variables", new JsonObject()).copy();
    if (campaign.getString("name") != null) {
      values.put("name", campaign.getString("name"));
    }
    return values;
  }

  private static JsonObject metadata(AiReply reply) {
    JsonArray sources = new JsonArray();
    for (KnowledgePassage p : reply.sources()) {
      sources.add(new JsonObject().put("id", p.id()).put("title", p.title()));
    }
    JsonObject metadata = new JsonObject().put("model", reply.model()).put("tokens", reply.tokens())
        .put("sources", sources);
    if (reply.interrupted()) {
      // the stream broke or the turn was called off: the message is what had been said until then
      metadata.put("interrupted", true);
    }
    return reply.handoff() ? metadata.put("handoff", true) : metadata;
  }


  private static JsonObject response(Stored reply, String message, JsonObject metadata) {
    return new JsonObject().put("conversationId", reply.conversation().id()).put("message", message)
        .put("metadata", metadata).put("messageId", reply.message().id());
  }

  /** A person has the conversation: the message is stored and delivered to them, no AI reply. */
  private static JsonObject withHuman(Conversation conversation) {
    return new JsonObject()
        .put("conversationId", conversation.id())
        .putNull("message")
        .put("metadata", new JsonObject().put("handoff", true));
  }
}
