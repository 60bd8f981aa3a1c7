package com.livechat.chat;

import com.livechat.conversation.ContactUpdate;
import com.livechat.conversation.Conversation;
import com.livechat.conversation.ConversationStore.Stored;
import com.livechat.conversation.ConversationStore;
import com.livechat.events.Outbox;
import com.livechat.usage.UsagePeriod;
import com.livechat.usage.UsageStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The two writes of a chat turn, each one transaction whose events go out after it commits: the
 * visitor's message when it arrives, and the assistant's reply when it is written.
 */
public final class TurnRecorder {

  /**
   * How a turn ends: the assistant's reply, what it cost, the contact details it learnt, when the
   * conversation goes to a human the note staff see (null when it stays with the AI), and when
   * someone should get back to the visitor later, the conversation's {@code metadata.followUp}
   * (null for none).
   */
  record TurnEnd(String replyText, JsonObject replyMetadata, long tokens, ContactUpdate contact,
      String handoffNote, JsonObject followUp) {}

  private final Outbox outbox;
  private final ConversationStore conversations;
  private final UsageStore usage;

  public TurnRecorder(Outbox outbox, ConversationStore conversations, UsageStore usage) {
    this.outbox = outbox;
    this.conversations = conversations;
    this.usage = usage;
  }

  /**
   * Stores a visitor's message, opening the conversation first when {@code existing} is null,
   * counts it against the tenant's monthly limits (with {@code needsTokens}, also requires AI tokens
   * left), and merges the contact details found in it (conversation:new when opened, message:new,
   * conversation:updated / conversation:qualified when the contact changed). Over a limit it fails
   * with 429 usage_limit_exceeded, and nothing is stored.
   */
  Future<Stored> acceptVisitorMessage(String tenantId, Conversation existing, String assistantId, String sessionId,
      String content, ContactUpdate contact, boolean needsTokens) {
    return outbox.inTransaction(tenantId, (tx, events) -> {
      Future<Conversation> conversation = existing != null ? Future.succeededFuture(existing)
          : conversations.insertConversation(tx, tenantId, assistantId, sessionId, "chat", events);
      return conversation
          .compose(c -> conversations.insertMessage(tx, tenantId, c.id(), "visitor", content, new JsonObject(), events))
          .compose(stored -> usage.charge(tx, tenantId, 1, 0, needsTokens)
              .compose(v -> conversations.applyContact(tx, stored.conversation(), contact, events))
              .map(c -> new Stored(c, stored.message())));
    });
  }

  /**
   * Stores the assistant's reply (message:new), counts its tokens, merges the contact details it
   * learnt, hands the conversation to a human when {@code end.handoffNote()} is set (the AI
   * off, the note as a system message; conversation:updated), and marks it for a follow-up when
   * {@code end.followUp()} is set (conversation:updated).
   */
  Future<Stored> endTurn(String tenantId, String conversationId, TurnEnd end) {
    String period = UsagePeriod.current();
    return outbox.inTransaction(tenantId, (tx, events) -> conversations
        .insertMessage(tx, tenantId, conversationId, "assistant", end.replyText(), end.replyMetadata(), events)
        .compose(stored -> usage.addTokens(tx, tenantId, period, end.tokens())
            .compose(v -> conversations.applyContact(tx, stored.conversation(), end.contact(), events))
            .compose(c -> end.handoffNote() == null ? Future.succeededFuture(c)
                : conversations.handOff(tx, c, end.handoffNote(), events))
            .compose(c -> end.followUp() == null ? Future.succeededFuture(c)
                : conversations.putMetadata(tx, tenantId, c.id(), "followUp", end.followUp(), events))
            .map(c -> new Stored(c, stored.message()))));
  }
}
