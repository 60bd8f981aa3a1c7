package com.livechat.voice;

import com.livechat.assistant.Assistant;
import com.livechat.assistant.Assistants;
import com.livechat.conversation.Conversation;
import com.livechat.conversation.ConversationStore;
import com.livechat.error.AppError;
import com.livechat.events.Outbox;
import com.livechat.usage.UsageStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * {@code voice/start} (shared/API.md Part 4): leases one of the assistant's numbers to the
 * visitor's session for {@code voice.leaseSeconds}, with a new voice conversation linked to the
 * session's latest chat, and counts the call against the tenant's monthly voice calls (here, once:
 * the call that claims the lease is not counted again). The same session asking again within its
 * lease gets the same number and conversation; when every number is leased, the oldest lease is
 * taken over.
 */
public final class VoiceSessions {

  private final Assistants assistants;
  private final ConversationStore conversations;
  private final VoiceStore store;
  private final UsageStore usage;
  private final Outbox outbox;
  private final int leaseSeconds;

  public VoiceSessions(Assistants assistants, ConversationStore conversations, VoiceStore store, UsageStore usage,
      Outbox outbox, int leaseSeconds) {
    this.assistants = assistants;
    this.conversations = conversations;
    this.store = store;
    this.usage = usage;
    this.outbox = outbox;
    this.leaseSeconds = leaseSeconds;
  }

  /** The body of voice/start's 200: {conversationId, assistantId, phoneNumber}. */
  public Future<JsonObject> start(String tenantId, String sessionId, String assistantId, String defaultAssistantId) {
    return assistants.resolve(tenantId, assistantId, defaultAssistantId).compose(assistant -> {
      if (assistant.phoneNumbers().isEmpty()) {
        return Future.failedFuture(AppError.invalid("voice_not_configured", "This assistant has no phone number."));
      }
      return lease(tenantId, sessionId, assistant);
    });
  }

  private Future<JsonObject> lease(String tenantId, String sessionId, Assistant assistant) {
    return outbox.inTransaction(tenantId, (tx, events) -> store.lockPool(tx, assistant.id())
        .compose(v -> store.sessionLease(tx, tenantId, sessionId, assistant.id()))
        .compose(held -> {
          if (held != null && assistant.phoneNumbers().contains(held.phoneNumber())) {
            return Future.succeededFuture(answer(held.conversationId(), assistant, held.phoneNumber()));
          }
          Future<String> number = store.nextNumber(tx, tenantId, assistant.phoneNumbers());
          Future<Conversation> chat = conversations.latestOfSession(tx, tenantId, sessionId, "chat");
          return Future.all(number, chat)
              .compose(both -> usage.charge(tx, tenantId, 0, 1, false))
              .compose(v -> conversations.insertConversation(tx, tenantId, assistant.id(), sessionId, "voice",
                  chat.result() == null ? null : chat.result().id(), events))
              .compose(call -> store.lease(tx, number.result(), tenantId, assistant.id(), sessionId, call.id(),
                      leaseSeconds)
                  .compose(x -> chat.result() == null ? Future.succeededFuture()
                      : conversations.link(tx, tenantId, chat.result().id(), call.id(), events))
                  .map(x -> answer(call.id(), assistant, number.result())));
        }));
  }

  private static JsonObject answer(String conversationId, Assistant assistant, String number) {
    return new JsonObject().put("conversationId", conversationId).put("assistantId", assistant.id())
        .put("phoneNumber", number);
  }
}
