package com.livechat.chat;

import com.livechat.bus.EventPublisher;
import com.livechat.chat.provider.AiMessage;
import com.livechat.chat.provider.AiProvider;
import com.livechat.chat.provider.AiReply;
import com.livechat.chat.provider.AiRequest;
import com.livechat.chat.provider.KnowledgePassage;
import com.livechat.config.AppConfig;
import com.livechat.http.ApiError;
import com.livechat.store.Assistant;
import com.livechat.store.Changes;
import com.livechat.store.ChatStore;
import com.livechat.store.ChatStore.ContactUpdate;
import com.livechat.store.ChatStore.TurnEnd;
import com.livechat.store.Conversation;
import com.livechat.store.KnowledgeHit;
import com.livechat.store.KnowledgeStore;
import com.livechat.store.Message;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One widget chat turn: find or open the conversation, store the visitor's message (counted
 * against the tenant's limits, with the contact details it gives), then — unless a human has the
 * conversation — either hand it to a human (the visitor asked for one) or ask the provider chain,
 * grounded in the assistant's knowledge and the recent conversation, and store its reply with what
 * it learnt. A reply with no usable answer hands the conversation over too.
 */
public final class ChatService {

  private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);

  static final String NOTE_ASKED = "The visitor asked for a person. The AI assistant is off for this conversation "
      + "until an agent gives it back.";
  static final String NOTE_NO_ANSWER = "The AI assistant had no answer for the visitor and handed the conversation "
      + "over. It stays off until an agent gives it back.";

  private final ChatStore store;
  private final KnowledgeStore knowledge;
  private final AiProvider provider;
  private final EventPublisher events;
  private final AppConfig.Chat settings;
  private final HandoffPhrases handoffPhrases;
  private final ContactExtractor contacts;

  public ChatService(ChatStore store, KnowledgeStore knowledge, AiProvider provider, EventPublisher events,
      AppConfig.Chat settings) {
    this.store = store;
    this.knowledge = knowledge;
    this.provider = provider;
    this.events = events;
    this.settings = settings;
    this.handoffPhrases = new HandoffPhrases(settings.handoffPhrases());
    this.contacts = new ContactExtractor(settings.phoneRegion());
  }

  /** @param request the chat.reply body: tenantId, sessionId, message, assistantId?, conversationId?, defaultAssistantId? */
  public Future<JsonObject> reply(JsonObject request) {
    String tenantId = request.getString("tenantId");
    String sessionId = request.getString("sessionId");
    String text = request.getString("message");
    return findConversation(tenantId, request.getString("conversationId"), sessionId)
        .compose(existing -> {
          String defaultId = existing != null && existing.assistantId() != null
              ? existing.assistantId() : request.getString("defaultAssistantId");
          return AssistantResolver.resolve(store, tenantId, request.getString("assistantId"), defaultId)
              .compose(assistant -> {
                ContactUpdate given = new ContactUpdate(contacts.fromMessage(text), requiredFields(assistant));
                boolean forAi = existing == null || existing.aiEnabled();
                return store.acceptVisitorMessage(tenantId, existing, assistant.id(), sessionId, text, given, forAi)
                    .map(this::published)
                    .compose(visitor -> {
                      if (!visitor.conversation().aiEnabled()) {
                        return Future.succeededFuture(withHuman(visitor.conversation()));
                      }
                      if (handoffPhrases.asksForHuman(text)) {
                        return handOffOnRequest(tenantId, visitor.conversation());
                      }
                      return answer(tenantId, assistant, visitor, existing == null);
                    });
              });
        });
  }

  private Future<Conversation> findConversation(String tenantId, String conversationId, String sessionId) {
    if (conversationId == null) {
      return Future.succeededFuture(null);
    }
    ApiError notFound = ApiError.notFound("conversation_not_found", "This session has no conversation with this id.");
    if (conversationId.isEmpty() || conversationId.length() > 128) {
      return Future.failedFuture(notFound);
    }
    // a conversation is only reachable from the session that opened it
    return store.findConversation(tenantId, conversationId)
        .compose(c -> c != null && c.sessionId().equals(sessionId) && c.channel().equals("chat")
            ? Future.succeededFuture(c) : Future.failedFuture(notFound));
  }

  /** The visitor asked for a person: no AI call; they are told so, staff see why. */
  private Future<JsonObject> handOffOnRequest(String tenantId, Conversation conversation) {
    JsonObject metadata = new JsonObject().put("handoff", true).put("tokens", 0);
    return store.endTurn(tenantId, conversation.id(),
            new TurnEnd(settings.handoffMessage(), metadata, 0, ContactUpdate.NONE, NOTE_ASKED))
        .map(this::published)
        .map(stored -> response(conversation.id(), settings.handoffMessage(), metadata));
  }

  /** @param opened whether this turn opened the conversation: then it has no history to read */
  private Future<JsonObject> answer(String tenantId, Assistant assistant, ChatStore.Stored visitor, boolean opened) {
    String conversationId = visitor.conversation().id();
    // a conversation opened by this very message holds only that message, which is not history
    Future<List<Message>> recent = opened
        ? Future.succeededFuture(List.of())
        : store.recentMessages(tenantId, conversationId, settings.historyMessages() + 1);
    Future<List<KnowledgeHit>> hits = settings.knowledgePassages() == 0
        ? Future.succeededFuture(List.of())
        : knowledge.search(tenantId, assistant.id(), visitor.message().content(), settings.knowledgePassages());
    return Future.all(recent, hits)
        .compose(both -> provider.complete(prompt(assistant, recent.result(), visitor.message(), hits.result()))
            .recover(err -> {
              // the chain ends with the local assistant, which does not fail: this is a bug, not an outage
              LOG.error("AI provider chain failed for conversation {}", conversationId, err);
              return Future.failedFuture(ApiError.unavailable("ai_unavailable",
                  "The assistant is unavailable right now; your message was saved. Please retry shortly."));
            }))
        .compose(reply -> {
          boolean handoff = reply.handoff();
          String text = reply.content() != null && !reply.content().isBlank() ? reply.content()
              : settings.handoffMessage();
          JsonObject metadata = metadata(reply);
          ContactUpdate learnt = new ContactUpdate(contacts.clean(reply.contact()), requiredFields(assistant));
          String note = handoff ? NOTE_NO_ANSWER : null;
          return store.endTurn(tenantId, conversationId, new TurnEnd(text, metadata, reply.tokens(), learnt, note))
              .map(this::published)
              .map(stored -> response(conversationId, text, metadata));
        });
  }

  private <T> T published(Changes<T> changes) {
    events.publish(changes.events());
    return changes.value();
  }

  /**
   * The prompt: the assistant's profile, the knowledge entries that match the message, and the
   * recent conversation, newest first until the history's token budget is spent.
   */
  AiRequest prompt(Assistant assistant, List<Message> recent, Message current, List<KnowledgeHit> hits) {
    List<AiMessage> history = new ArrayList<>();
    int budget = settings.historyTokenBudget();
    for (int i = recent.size() - 1; i >= 0; i--) {
      Message m = recent.get(i);
      if (m.id().equals(current.id())) {
        continue;
      }
      AiMessage turn = switch (m.role()) {
        case "visitor" -> AiMessage.user(m.content());
        case "assistant", "agent" -> AiMessage.assistant(m.content());
        default -> null; // system notes are for staff, not for the model
      };
      if (turn == null) {
        continue;
      }
      budget -= LocalAssistant.estimateTokens(m.content());
      if (budget < 0) {
        break;
      }
      history.add(turn);
    }
    Collections.reverse(history);
    List<KnowledgePassage> passages = hits.stream()
        .map(h -> new KnowledgePassage(h.id(), h.title(), h.content())).toList();
    return new AiRequest(assistant.name(), assistant.instructions(), assistant.greeting(), assistant.model(),
        assistant.temperature(), assistant.maxTokens(), history, current.content(), passages);
  }

  private static JsonObject metadata(AiReply reply) {
    JsonArray sources = new JsonArray();
    for (KnowledgePassage p : reply.sources()) {
      sources.add(new JsonObject().put("id", p.id()).put("title", p.title()));
    }
    JsonObject metadata = new JsonObject().put("model", reply.model()).put("tokens", reply.tokens())
        .put("sources", sources);
    return reply.handoff() ? metadata.put("handoff", true) : metadata;
  }

  private static List<String> requiredFields(Assistant assistant) {
    JsonArray fields = assistant.qualification() == null ? null : assistant.qualification().getJsonArray("requiredFields");
    return fields == null ? List.of() : fields.stream().map(String::valueOf).toList();
  }

  private static JsonObject response(String conversationId, String message, JsonObject metadata) {
    return new JsonObject().put("conversationId", conversationId).put("message", message).put("metadata", metadata);
  }

  /** A person has the conversation: the message is stored and delivered to them, no AI reply. */
  private static JsonObject withHuman(Conversation conversation) {
    return new JsonObject()
        .put("conversationId", conversation.id())
        .putNull("message")
        .put("metadata", new JsonObject().put("handoff", true));
  }
}
