package com.livechat.chat;

import com.livechat.bus.EventPublisher;
import com.livechat.chat.provider.AiMessage;
import com.livechat.chat.provider.AiProvider;
import com.livechat.chat.provider.AiReply;
import com.livechat.chat.provider.AiRequest;
import com.livechat.http.ApiError;
import com.livechat.store.Assistant;
import com.livechat.store.Changes;
import com.livechat.store.ChatStore;
import com.livechat.store.Conversation;
import com.livechat.store.Message;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One widget chat turn: find or open the conversation, store the visitor's message, and unless
 * a human has taken over, ask the provider and store its reply.
 */
public final class ChatService {

  private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);

  private final ChatStore store;
  private final AiProvider provider;
  private final EventPublisher events;
  private final int historyMessages;

  public ChatService(ChatStore store, AiProvider provider, EventPublisher events, int historyMessages) {
    this.store = store;
    this.provider = provider;
    this.events = events;
    this.historyMessages = historyMessages;
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
              .compose(assistant -> store.acceptVisitorMessage(tenantId, existing, assistant.id(), sessionId, text)
                  .map(this::published)
                  .compose(stored -> stored.conversation().aiEnabled()
                      ? answer(tenantId, assistant, stored)
                      : Future.succeededFuture(handoff(stored.conversation()))));
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

  private Future<JsonObject> answer(String tenantId, Assistant assistant, ChatStore.Stored visitor) {
    String conversationId = visitor.conversation().id();
    return store.recentMessages(tenantId, conversationId, historyMessages + 1)
        .compose(recent -> provider.complete(prompt(assistant, recent, visitor.message()))
            .recover(err -> {
              LOG.warn("AI provider failed for conversation {}: {}", conversationId, err.getMessage());
              return Future.failedFuture(ApiError.unavailable("ai_unavailable",
                  "The assistant is unavailable right now; your message was saved. Please retry shortly."));
            }))
        .compose(reply -> store.storeAssistantReply(tenantId, conversationId, reply.content(),
                metadata(reply), reply.tokens())
            .map(this::published)
            .map(stored -> new JsonObject()
                .put("conversationId", conversationId)
                .put("message", reply.content())
                .put("metadata", metadata(reply))));
  }

  private <T> T published(Changes<T> changes) {
    events.publish(changes.events());
    return changes.value();
  }

  private static AiRequest prompt(Assistant assistant, List<Message> recent, Message current) {
    List<AiMessage> history = new ArrayList<>();
    for (Message m : recent) {
      if (m.id().equals(current.id())) {
        continue;
      }
      switch (m.role()) {
        case "visitor" -> history.add(AiMessage.user(m.content()));
        case "assistant", "agent" -> history.add(AiMessage.assistant(m.content()));
        default -> { } // system notes are for staff, not for the model
      }
    }
    return new AiRequest(assistant.name(), assistant.instructions(), assistant.greeting(), assistant.model(),
        assistant.temperature(), assistant.maxTokens(), history, current.content());
  }

  private static JsonObject metadata(AiReply reply) {
    return new JsonObject().put("model", reply.model()).put("tokens", reply.tokens());
  }

  private static JsonObject handoff(Conversation conversation) {
    return new JsonObject()
        .put("conversationId", conversation.id())
        .putNull("message")
        .put("metadata", new JsonObject().put("handoff", true));
  }
}
