package com.livechat.voice;

import com.livechat.assistant.Assistant;
import com.livechat.assistant.Assistants;
import com.livechat.conversation.ConversationStore;
import com.livechat.error.AppError;
import com.livechat.events.Outbox;
import com.livechat.usage.UsageStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A visitor's voice call with an assistant: {@code voice/start} opens the voice conversation
 * (conversation:new), counts one voice call against the tenant's limits, and gives the number to
 * dial.
 */
public final class VoiceSessions {

  private final Assistants assistants;
  private final ConversationStore conversations;
  private final UsageStore usage;
  private final Outbox outbox;

  public VoiceSessions(Assistants assistants, ConversationStore conversations, UsageStore usage, Outbox outbox) {
    this.assistants = assistants;
    this.conversations = conversations;
    this.usage = usage;
    this.outbox = outbox;
  }

  /** The body of voice/start's 200: {conversationId, assistantId, phoneNumber}. */
  public Future<JsonObject> start(String tenantId, String sessionId, String assistantId, String defaultAssistantId) {
    return assistants.resolve(tenantId, assistantId, defaultAssistantId).compose(assistant -> {
      if (assistant.phoneNumbers().isEmpty()) {
        return Future.failedFuture(AppError.invalid("voice_not_configured", "This assistant has no phone number."));
      }
      return open(tenantId, sessionId, assistant);
    });
  }

  private Future<JsonObject> open(String tenantId, String sessionId, Assistant assistant) {
    return outbox.inTransaction(tenantId, (tx, events) -> usage.charge(tx, tenantId, 0, 1, false)
            .compose(v -> conversations.insertConversation(tx, tenantId, assistant.id(), sessionId, "voice", events)))
        .map(conversation -> new JsonObject()
            .put("conversationId", conversation.id())
            .put("assistantId", assistant.id())
            .put("phoneNumber", assistant.phoneNumbers().get(0)));
  }
}
