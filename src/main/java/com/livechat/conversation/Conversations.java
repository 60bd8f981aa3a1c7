package com.livechat.conversation;

import com.livechat.account.UserStore;
import com.livechat.bus.Addresses;
import com.livechat.conversation.ConversationStore.Filter;
import com.livechat.conversation.ConversationStore.Patch;
import com.livechat.error.AppError;
import com.livechat.events.Outbox;
import com.livechat.store.Ids;
import com.livechat.store.Keyset;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What the tenant's agents do with conversations: browse them, read their messages, reply (which
 * takes a conversation over from the AI), and change status, AI and assignee (give back to the AI,
 * close, assign). Every change is one transaction whose events go out after it commits.
 */
public final class Conversations {

  private final ConversationStore store;
  private final UserStore users;
  private final Outbox outbox;
  private final Vertx vertx;

  public Conversations(ConversationStore store, UserStore users, Outbox outbox, Vertx vertx) {
    this.store = store;
    this.users = users;
    this.outbox = outbox;
    this.vertx = vertx;
  }

  public Future<Conversation> find(String tenantId, String conversationId) {
    return store.find(tenantId, conversationId).compose(Conversations::found);
  }

  /** Newest first; up to {@code limit} rows (ask for one more to know if a page follows). */
  public Future<List<Conversation>> list(String tenantId, Filter filter, Keyset after, int limit) {
    return store.list(tenantId, filter, after, limit);
  }

  /**
   * The conversation's messages oldest first, after the message {@code afterMessageId} (null or
   * empty: from the first), up to {@code limit}.
   */
  public Future<List<Message>> messages(String tenantId, String conversationId, String afterMessageId, int limit) {
    return find(tenantId, conversationId).compose(c -> messagesOf(c, afterMessageId, limit));
  }

  /** A visitor's view of one of its conversations: the conversation and a page of its messages. */
  public record SessionThread(Conversation conversation, List<Message> messages) {}

  /**
   * As {@link #messages}, for the visitor of {@code sessionId}: a conversation of another session
   * (or tenant, or none) is not found, whatever its channel.
   */
  public Future<SessionThread> sessionMessages(String tenantId, String sessionId, String conversationId,
      String afterMessageId, int limit) {
    if (!Ids.plausible(conversationId)) {
      return Future.failedFuture(ConversationStore.notFound());
    }
    return store.findOfSession(tenantId, sessionId, conversationId)
        .compose(Conversations::found)
        .compose(c -> messagesOf(c, afterMessageId, limit).map(page -> new SessionThread(c, page)));
  }

  private Future<List<Message>> messagesOf(Conversation c, String afterMessageId, int limit) {
    Future<Long> after = afterMessageId == null || afterMessageId.isEmpty() ? Future.succeededFuture(0L)
        : store.messageSeq(c.tenantId(), c.id(), afterMessageId).compose(seq -> seq != null
            ? Future.succeededFuture(seq)
            : Future.failedFuture(AppError.invalid("invalid_after", "after is not a message of this conversation.")));
    return after.compose(seq -> store.messages(c.tenantId(), c.id(), seq, limit));
  }

  /**
   * An agent's reply: stored (message:new), and the AI stops answering (conversation:updated when
   * it had it). Storing the message takes the conversation's row lock, so no separate lock first.
   */
  public Future<Message> reply(String tenantId, String conversationId, String userId, String content) {
    boolean[] tookOver = {false};
    return outbox.inTransaction(tenantId, (tx, events) -> store.insertMessage(tx, tenantId, conversationId, "agent",
            content, new JsonObject().put("userId", userId), events)
        .compose(stored -> {
          if (!stored.conversation().aiEnabled()) {
            return Future.succeededFuture(stored.message());
          }
          tookOver[0] = true;
          return store.update(tx, stored.conversation(), Patch.TAKE_OVER, events).map(updated -> stored.message());
        }))
        .onSuccess(m -> {
          if (tookOver[0]) {
            stopAiTurn(tenantId, conversationId);
          }
        });
  }

  /** Applies a PATCH; conversation:updated only when something changed. The assignee must be a user of the tenant. */
  public Future<Conversation> patch(String tenantId, String conversationId, Patch patch) {
    Future<Void> assigneeKnown = patch.assigneeId() == null ? Future.succeededFuture()
        : users.exists(tenantId, patch.assigneeId()).compose(exists -> exists ? Future.succeededFuture()
            : Future.failedFuture(AppError.invalid("invalid_assignee_id", "assigneeId is not a user of this tenant.")));
    boolean[] aiStopped = {false};
    return assigneeKnown.compose(v -> outbox.inTransaction(tenantId, (tx, events) ->
        store.lock(tx, tenantId, conversationId)
            .compose(Conversations::found)
            .compose(c -> {
              if (!patch.changes(c)) {
                return Future.succeededFuture(c);
              }
              // the AI loses the conversation: switched off, or the conversation closed
              aiStopped[0] = c.aiEnabled() && !"closed".equals(c.status())
                  && (Boolean.FALSE.equals(patch.aiEnabled()) || "closed".equals(patch.status()));
              return store.update(tx, c, patch, events);
            })))
        .onSuccess(c -> {
          if (aiStopped[0]) {
            stopAiTurn(tenantId, conversationId);
          }
        });
  }

  /**
   * The AI no longer has the conversation: a reply it is still writing, on whichever node, is
   * stopped (its provider request with it) and ends with what it had said.
   */
  private void stopAiTurn(String tenantId, String conversationId) {
    vertx.eventBus().publish(Addresses.CHAT_CANCEL,
        new JsonObject().put("tenantId", tenantId).put("conversationId", conversationId));
  }

  private static <T> Future<T> found(T value) {
    return value != null ? Future.succeededFuture(value)
        : Future.failedFuture(ConversationStore.notFound());
  }
}
