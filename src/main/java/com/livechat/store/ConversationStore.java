package com.livechat.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Conversations as the dashboard browses and changes them; always scoped by tenant. */
public final class ConversationStore {

  /** Filters of the conversation list; null means "any". */
  public record Filter(String status, String channel, Boolean qualified) {}

  /** Position after which a page starts: the last item of the previous page. */
  public record After(OffsetDateTime createdAt, String id) {}

  /** A PATCH: null fields stay as they are; {@code assigneeId} applies only when {@code setAssignee}. */
  public record Patch(String status, Boolean aiEnabled, boolean setAssignee, String assigneeId) {}

  private static final String LIST =
      "SELECT " + Conversation.COLUMNS + " FROM conversations WHERE tenant_id = $1 "
          + "AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR channel = $3) "
          + "AND ($4::boolean IS NULL OR qualified = $4) "
          + "AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6)) "
          + "ORDER BY created_at DESC, id DESC LIMIT $7";
  private static final String FOR_UPDATE =
      "SELECT " + Conversation.COLUMNS + " FROM conversations WHERE tenant_id = $1 AND id = $2 FOR UPDATE";
  private static final String MESSAGES =
      "SELECT " + Message.COLUMNS + ", seq FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND seq > $3 "
          + "ORDER BY seq LIMIT $4";
  private static final String MESSAGE_SEQ =
      "SELECT seq FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3";
  private static final String UPDATE =
      "UPDATE conversations SET status = $3, ai_enabled = $4, assignee_id = $5, updated_at = now() "
          + "WHERE tenant_id = $1 AND id = $2 RETURNING " + Conversation.COLUMNS;
  private static final String USER_EXISTS = "SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2";

  private final Pool pool;

  public ConversationStore(Pool pool) {
    this.pool = pool;
  }

  /** Newest first; returns up to {@code limit} rows (ask for one more to know if a page follows). */
  public Future<List<Conversation>> list(String tenantId, Filter filter, After after, int limit) {
    Tuple params = Tuple.of(tenantId, filter.status(), filter.channel(), filter.qualified(),
        after == null ? null : after.createdAt(), after == null ? null : after.id()).addInteger(limit);
    return pool.preparedQuery(LIST).execute(params).map(rows -> {
      List<Conversation> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        out.add(Conversation.from(r));
      }
      return out;
    });
  }

  /** Messages with seq above {@code afterSeq}, oldest first. */
  public Future<List<Message>> messages(String tenantId, String conversationId, long afterSeq, int limit) {
    return pool.preparedQuery(MESSAGES).execute(Tuple.of(tenantId, conversationId, afterSeq, limit)).map(rows -> {
      List<Message> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        out.add(Message.from(r));
      }
      return out;
    });
  }

  /** @return the ordering position of a message of this conversation, or null if it has no such message */
  public Future<Long> messageSeq(String tenantId, String conversationId, String messageId) {
    return pool.preparedQuery(MESSAGE_SEQ).execute(Tuple.of(tenantId, conversationId, messageId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  public Future<Boolean> userExists(String tenantId, String userId) {
    return pool.preparedQuery(USER_EXISTS).execute(Tuple.of(tenantId, userId)).map(rows -> rows.size() > 0);
  }

  /**
   * An agent's reply: stores it and takes the conversation over from the AI (message:new, and
   * conversation:updated when the AI had it). Null when the tenant has no such conversation.
   */
  public Future<Changes<Message>> agentReply(String tenantId, String conversationId, String userId, String content) {
    return pool.withTransaction(tx -> lock(tx, tenantId, conversationId).compose(c -> {
      if (c == null) {
        return Future.succeededFuture(null);
      }
      List<String> types = new ArrayList<>();
      List<JsonObject> data = new ArrayList<>();
      return ChatStore.insertMessage(tx, tenantId, conversationId, "agent", content,
              new JsonObject().put("userId", userId))
          .compose(stored -> {
            types.add(TenantEvent.MESSAGE_NEW);
            data.add(stored.message().toJson());
            if (!stored.conversation().aiEnabled()) {
              return Future.succeededFuture(stored.message());
            }
            return update(tx, stored.conversation(), new Patch(null, false, false, null)).map(updated -> {
              types.add(TenantEvent.CONVERSATION_UPDATED);
              data.add(updated.toJson());
              return stored.message();
            });
          })
          .compose(message -> EventLog.appendAll(tx, tenantId, types, data).map(events -> new Changes<>(message, events)));
    }));
  }

  /** Applies a PATCH; conversation:updated only when something changed. Null when there is no such conversation. */
  public Future<Changes<Conversation>> patch(String tenantId, String conversationId, Patch patch) {
    return pool.withTransaction(tx -> lock(tx, tenantId, conversationId).compose(c -> {
      if (c == null) {
        return Future.succeededFuture(null);
      }
      boolean changes = (patch.status() != null && !patch.status().equals(c.status()))
          || (patch.aiEnabled() != null && patch.aiEnabled() != c.aiEnabled())
          || (patch.setAssignee() && !java.util.Objects.equals(patch.assigneeId(), c.assigneeId()));
      if (!changes) {
        return Future.succeededFuture(new Changes<>(c, List.<TenantEvent>of()));
      }
      return update(tx, c, patch).compose(updated ->
          EventLog.append(tx, tenantId, TenantEvent.CONVERSATION_UPDATED, updated.toJson())
              .map(e -> new Changes<>(updated, List.of(e))));
    }));
  }

  private static Future<Conversation> lock(SqlConnection tx, String tenantId, String conversationId) {
    return tx.preparedQuery(FOR_UPDATE).execute(Tuple.of(tenantId, conversationId))
        .map(rows -> rows.size() == 0 ? null : Conversation.from(rows.iterator().next()));
  }

  private static Future<Conversation> update(SqlConnection tx, Conversation c, Patch patch) {
    return tx.preparedQuery(UPDATE).execute(Tuple.of(c.tenantId(), c.id(),
            patch.status() != null ? patch.status() : c.status(),
            patch.aiEnabled() != null ? patch.aiEnabled() : c.aiEnabled(),
            patch.setAssignee() ? patch.assigneeId() : c.assigneeId()))
        .map(rows -> Conversation.from(rows.iterator().next()));
  }
}
