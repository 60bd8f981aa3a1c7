package com.livechat.conversation;

import com.livechat.error.AppError;
import com.livechat.events.EventBatch;
import com.livechat.events.EventTypes;
import com.livechat.store.Ids;
import com.livechat.store.Keyset;
import com.livechat.store.Rows;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.Collections;
import java.util.List;

/**
 * The SQL of conversations and their messages, always scoped by tenant: reads on the pool, and the
 * writes that a caller composes inside its own transaction (each raising its events in the
 * caller's {@link EventBatch}).
 */
public final class ConversationStore {

  /** Filters of the conversation list; null means "any". */
  public record Filter(String status, String channel, Boolean qualified) {}

  /** A PATCH: null fields stay as they are; {@code assigneeId} applies only when {@code setAssignee}. */
  public record Patch(String status, Boolean aiEnabled, boolean setAssignee, String assigneeId) {

    /** An agent takes the conversation over from the AI. */
    static final Patch TAKE_OVER = new Patch(null, false, false, null);

    boolean changes(Conversation c) {
      return (status != null && !status.equals(c.status()))
          || (aiEnabled != null && aiEnabled != c.aiEnabled())
          || (setAssignee && !java.util.Objects.equals(assigneeId, c.assigneeId()));
    }
  }

  /** A message as it was stored, with its conversation as it stands after it. */
  public record Stored(Conversation conversation, Message message) {}

  private static final String FIND =
      "SELECT " + Conversation.COLUMNS + " FROM conversations WHERE tenant_id = $1 AND id = $2";
  private static final String LOCK = FIND + " FOR UPDATE";
  // a visitor reaches only the conversations of its own session
  private static final String FIND_OF_SESSION =
      "SELECT " + Conversation.COLUMNS + " FROM conversations WHERE tenant_id = $1 AND id = $2 AND session_id = $3";
  // newest first: the keyset idiom of store.Keyset, descending
  private static final String LIST =
      "SELECT " + Conversation.COLUMNS + " FROM conversations WHERE tenant_id = $1 "
          + "AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR channel = $3) "
          + "AND ($4::boolean IS NULL OR qualified = $4) "
          + "AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6)) "
          + "ORDER BY created_at DESC, id DESC LIMIT $7";
  private static final String MESSAGES =
      "SELECT " + Message.COLUMNS + ", seq FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND seq > $3 "
          + "ORDER BY seq LIMIT $4";
  private static final String MESSAGE_SEQ =
      "SELECT seq FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3";
  // the turn's own message (already known to the caller) is left out
  private static final String RECENT_MESSAGES =
      "SELECT " + Message.COLUMNS + " FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND id <> $3 "
          + "ORDER BY seq DESC LIMIT $4";
  private static final String LATEST_REPLY_AFTER =
      "SELECT " + Message.COLUMNS + " FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND role = 'assistant' "
          + "AND created_at > $3 ORDER BY seq DESC LIMIT 1";
  private static final String UPDATE =
      "UPDATE conversations SET status = $3, ai_enabled = $4, assignee_id = $5, updated_at = now() "
          + "WHERE tenant_id = $1 AND id = $2 RETURNING " + Conversation.COLUMNS;
  private static final String INSERT_CONVERSATION =
      "INSERT INTO conversations (id, tenant_id, assistant_id, session_id, channel, linked_conversation_id) "
          + "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " + Conversation.COLUMNS;
  private static final String LATEST_OF_SESSION =
      "SELECT " + Conversation.COLUMNS + " FROM conversations WHERE tenant_id = $1 AND session_id = $2 AND channel = $3 "
          + "ORDER BY created_at DESC, id DESC LIMIT 1";
  // a call's outcome (metadata.call), closing the conversation when the call ended
  private static final String RECORD_CALL =
      "UPDATE conversations SET metadata = jsonb_set(metadata, '{call}', $3::jsonb), "
          + "status = CASE WHEN $4 THEN 'closed' ELSE status END, updated_at = now() "
          + "WHERE tenant_id = $1 AND id = $2 RETURNING " + Conversation.COLUMNS;
  private static final String PUT_METADATA =
      "UPDATE conversations SET metadata = jsonb_set(metadata, ARRAY[$3::text], $4::jsonb), updated_at = now() "
          + "WHERE tenant_id = $1 AND id = $2 RETURNING " + Conversation.COLUMNS;
  private static final String LINK =
      "UPDATE conversations SET linked_conversation_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 "
          + "RETURNING " + Conversation.COLUMNS;
  private static final String CORRECT_MESSAGE =
      "UPDATE messages SET content = $4, metadata = metadata || $5::jsonb WHERE tenant_id = $1 AND conversation_id = $2 "
          + "AND id = $3 AND role = 'assistant' RETURNING " + Message.COLUMNS;
  // the message and its conversation's last_message_at in one round trip; the row has the
  // conversation's columns under their names and the message's as message_*. The UPDATE comes
  // first: it takes the conversation's row lock and scopes it to the tenant, and the message is
  // inserted only from the row it returned (no row: no such conversation of this tenant, nothing
  // written). now() is the transaction's time, so last_message_at equals the message's created_at.
  private static final String INSERT_MESSAGE =
      "WITH c AS (UPDATE conversations SET last_message_at = now(), updated_at = now() "
          + "WHERE tenant_id = $2 AND id = $3 RETURNING " + Conversation.COLUMNS + "), "
          + "m AS (INSERT INTO messages (id, tenant_id, conversation_id, role, content, metadata) "
          + "SELECT $1::text, $2, $3, $4::text, $5::text, $6::jsonb FROM c "
          + "RETURNING id, role, content, metadata, created_at) "
          + "SELECT m.id AS message_id, m.role AS message_role, m.content AS message_content, "
          + "m.metadata AS message_metadata, m.created_at AS message_created_at, c.* FROM m, c";
  // only when a value changes: an update that repeats what is known emits no event
  private static final String MERGE_CONTACT =
      "UPDATE conversations SET contact_data = contact_data || $3, updated_at = now() "
          + "WHERE tenant_id = $1 AND id = $2 AND NOT contact_data @> $3 RETURNING " + Conversation.COLUMNS;
  // the row lock makes this flip once: a concurrent turn re-checks NOT qualified after the first commits
  private static final String QUALIFY =
      "UPDATE conversations SET qualified = true, qualified_at = now(), updated_at = now() "
          + "WHERE tenant_id = $1 AND id = $2 AND NOT qualified AND cardinality($3::text[]) > 0 "
          + "AND contact_data ?& $3::text[] RETURNING " + Conversation.COLUMNS;
  private static final String HAND_OFF =
      "UPDATE conversations SET ai_enabled = false, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND ai_enabled "
          + "RETURNING " + Conversation.COLUMNS;

  private static final String FOREIGN_KEY_VIOLATION = "23503";
  private static final String ASSISTANT_FOREIGN_KEY = "conversations_assistant_id_fkey";

  private final Pool pool;

  public ConversationStore(Pool pool) {
    this.pool = pool;
  }

  /** Null when the tenant has no such conversation. */
  public Future<Conversation> find(String tenantId, String conversationId) {
    return find(pool, tenantId, conversationId);
  }

  public Future<Conversation> find(SqlClient client, String tenantId, String conversationId) {
    return client.preparedQuery(FIND).execute(Tuple.of(tenantId, conversationId))
        .map(rows -> Rows.first(rows, Conversation::from));
  }

  /** Null when the tenant has no such conversation, or it is another session's. */
  public Future<Conversation> findOfSession(String tenantId, String sessionId, String conversationId) {
    return pool.preparedQuery(FIND_OF_SESSION).execute(Tuple.of(tenantId, conversationId, sessionId))
        .map(rows -> Rows.first(rows, Conversation::from));
  }

  /** Newest first, after {@code after} (null: from the newest); up to {@code limit} rows. */
  public Future<List<Conversation>> list(String tenantId, Filter filter, Keyset after, int limit) {
    Tuple params = Tuple.of(tenantId, filter.status(), filter.channel(), filter.qualified(),
        Keyset.createdAt(after), Keyset.id(after)).addInteger(limit);
    return pool.preparedQuery(LIST).execute(params).map(rows -> Rows.all(rows, Conversation::from));
  }

  /** Messages with seq above {@code afterSeq}, oldest first. */
  public Future<List<Message>> messages(String tenantId, String conversationId, long afterSeq, int limit) {
    return pool.preparedQuery(MESSAGES).execute(Tuple.of(tenantId, conversationId, afterSeq, limit))
        .map(rows -> Rows.all(rows, Message::from));
  }

  /** @return the ordering position of a message of this conversation, or null if it has no such message */
  public Future<Long> messageSeq(String tenantId, String conversationId, String messageId) {
    return pool.preparedQuery(MESSAGE_SEQ).execute(Tuple.of(tenantId, conversationId, messageId))
        .map(rows -> Rows.first(rows, row -> row.getLong(0)));
  }

  /** The last {@code limit} messages of a conversation but {@code exceptMessageId}, oldest first. */
  public Future<List<Message>> recentMessages(String tenantId, String conversationId, String exceptMessageId,
      int limit) {
    return recentMessages(pool, tenantId, conversationId, exceptMessageId, limit);
  }

  public Future<List<Message>> recentMessages(SqlClient client, String tenantId, String conversationId,
      String exceptMessageId, int limit) {
    return client.preparedQuery(RECENT_MESSAGES).execute(Tuple.of(tenantId, conversationId, exceptMessageId, limit))
        .map(rows -> {
          List<Message> messages = Rows.all(rows, Message::from);
          Collections.reverse(messages);
          return messages;
        });
  }

  /** The newest assistant message written after {@code after}, or null. */
  public Future<Message> latestReplyAfter(String tenantId, String conversationId, java.time.Instant after) {
    return pool.preparedQuery(LATEST_REPLY_AFTER)
        .execute(Tuple.of(tenantId, conversationId, java.time.OffsetDateTime.ofInstant(after, java.time.ZoneOffset.UTC)))
        .map(rows -> Rows.first(rows, Message::from));
  }

  /** The conversation, row-locked until the transaction ends; null when the tenant has none with this id. */
  public Future<Conversation> lock(SqlClient tx, String tenantId, String conversationId) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(tenantId, conversationId))
        .map(rows -> Rows.first(rows, Conversation::from));
  }

  /** Applies a patch (conversation:updated, with the final state once per transaction). */
  public Future<Conversation> update(SqlClient tx, Conversation c, Patch patch, EventBatch events) {
    return tx.preparedQuery(UPDATE).execute(Tuple.of(c.tenantId(), c.id(),
            patch.status() != null ? patch.status() : c.status(),
            patch.aiEnabled() != null ? patch.aiEnabled() : c.aiEnabled(),
            patch.setAssignee() ? patch.assigneeId() : c.assigneeId()))
        .map(rows -> changed(Conversation.from(rows.iterator().next()), events));
  }

  /**
   * Opens a conversation (conversation:new). An assistant deleted since the caller read it (a node's
   * cached copy lives until the deletion's announcement arrives) fails with 404 assistant_not_found.
   */
  public Future<Conversation> insertConversation(SqlClient tx, String tenantId, String assistantId, String sessionId,
      String channel, EventBatch events) {
    return insertConversation(tx, tenantId, assistantId, sessionId, channel, null, events);
  }

  /** {@link #insertConversation} linked to another conversation of the tenant (a call started from a chat). */
  public Future<Conversation> insertConversation(SqlClient tx, String tenantId, String assistantId, String sessionId,
      String channel, String linkedConversationId, EventBatch events) {
    return tx.preparedQuery(INSERT_CONVERSATION)
        .execute(Tuple.of(Ids.next("conv"), tenantId, assistantId, sessionId, channel, linkedConversationId))
        .recover(err -> Future.failedFuture(err instanceof PgException pg && FOREIGN_KEY_VIOLATION.equals(pg.getSqlState())
            && ASSISTANT_FOREIGN_KEY.equals(pg.getConstraint())
            ? AppError.notFound("assistant_not_found", "No assistant of this widget has this id.") : err))
        .map(rows -> {
          Conversation c = Conversation.from(rows.iterator().next());
          events.add(EventTypes.CONVERSATION_NEW, c.toJson(), c.sessionId());
          return c;
        });
  }

  /** The session's newest conversation in a channel, or null. */
  public Future<Conversation> latestOfSession(SqlClient client, String tenantId, String sessionId, String channel) {
    return client.preparedQuery(LATEST_OF_SESSION).execute(Tuple.of(tenantId, sessionId, channel))
        .map(rows -> Rows.first(rows, Conversation::from));
  }

  /** Sets one key of the conversation's metadata (conversation:updated); null when the tenant has no such conversation. */
  public Future<Conversation> putMetadata(SqlClient tx, String tenantId, String conversationId, String key,
      JsonObject value, EventBatch events) {
    return tx.preparedQuery(PUT_METADATA).execute(Tuple.of(tenantId, conversationId, key, value))
        .map(rows -> rows.size() == 0 ? null : changed(Conversation.from(rows.iterator().next()), events));
  }

  /** Links a conversation to another of the tenant (a chat to the call started from it; conversation:updated). */
  public Future<Conversation> link(SqlClient tx, String tenantId, String conversationId, String linkedId,
      EventBatch events) {
    return tx.preparedQuery(LINK).execute(Tuple.of(tenantId, conversationId, linkedId))
        .map(rows -> rows.size() == 0 ? null : changed(Conversation.from(rows.iterator().next()), events));
  }

  /**
   * Records a call's state in the conversation's {@code metadata.call} (conversation:updated), and
   * closes the conversation when {@code ended}.
   */
  public Future<Conversation> recordCall(SqlClient tx, String tenantId, String conversationId, JsonObject call,
      boolean ended, EventBatch events) {
    return tx.preparedQuery(RECORD_CALL).execute(Tuple.of(tenantId, conversationId, call, ended))
        .map(rows -> rows.size() == 0 ? null : changed(Conversation.from(rows.iterator().next()), events));
  }

  /**
   * Replaces the text of an assistant message with what was actually said (a caller interrupted the
   * spoken reply: the message becomes what they heard), merging {@code metadata} into its metadata
   * (message:updated). Null when the conversation has no such assistant message.
   */
  public Future<Message> correctMessage(SqlClient tx, String tenantId, String conversationId, String messageId,
      String content, JsonObject metadata, String sessionId, EventBatch events) {
    return tx.preparedQuery(CORRECT_MESSAGE)
        .execute(Tuple.of(tenantId, conversationId, messageId, content, metadata))
        .map(rows -> {
          Message m = Rows.first(rows, Message::from);
          if (m != null) {
            events.add(EventTypes.MESSAGE_UPDATED, m.toJson(), sessionId);
          }
          return m;
        });
  }

  /** The error for a conversation id the tenant does not have (or that does not exist). */
  static AppError notFound() {
    return AppError.notFound("conversation_not_found", "No conversation has this id.");
  }

  /**
   * Stores a message of the conversation (message:new), holding the conversation's row lock until the
   * transaction ends; 404 conversation_not_found when the tenant has no conversation with this id.
   */
  public Future<Stored> insertMessage(SqlClient tx, String tenantId, String conversationId, String role,
      String content, JsonObject metadata, EventBatch events) {
    return tx.preparedQuery(INSERT_MESSAGE)
        .execute(Tuple.from(new Object[] {Ids.next("msg"), tenantId, conversationId, role, content, metadata}))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(notFound());
          }
          Row row = rows.iterator().next();
          Message message = new Message(row.getString("message_id"), conversationId, row.getString("message_role"),
              row.getString("message_content"), row.getJsonObject("message_metadata"),
              row.getOffsetDateTime("message_created_at"));
          Conversation conversation = Conversation.from(row);
          events.add(EventTypes.MESSAGE_NEW, message.toJson(), conversation.sessionId());
          return Future.succeededFuture(new Stored(conversation, message));
        });
  }

  /**
   * Merges learnt contact details (conversation:updated when a value changed), then qualifies the
   * conversation the first time all required fields are known (conversation:qualified, once).
   */
  public Future<Conversation> applyContact(SqlClient tx, Conversation c, ContactUpdate contact, EventBatch events) {
    if (contact == null || contact.isEmpty()) {
      return Future.succeededFuture(c);
    }
    return tx.preparedQuery(MERGE_CONTACT).execute(Tuple.of(c.tenantId(), c.id(), contact.fields()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(c);
          }
          Conversation merged = changed(Conversation.from(rows.iterator().next()), events);
          if (contact.requiredFields().isEmpty()) {
            return Future.succeededFuture(merged);
          }
          return tx.preparedQuery(QUALIFY)
              .execute(Tuple.of(c.tenantId(), c.id(), contact.requiredFields().toArray(new String[0])))
              .map(q -> {
                if (q.size() == 0) {
                  return merged;
                }
                Conversation qualified = changed(Conversation.from(q.iterator().next()), events);
                events.latest(EventTypes.CONVERSATION_QUALIFIED, qualified.toJson(), qualified.sessionId());
                return qualified;
              });
        });
  }

  /**
   * Hands the conversation to a person: the AI is switched off and {@code note} is stored as a
   * system message staff see. Nothing changes when an agent took it over meanwhile.
   */
  public Future<Conversation> handOff(SqlClient tx, Conversation c, String note, EventBatch events) {
    return tx.preparedQuery(HAND_OFF).execute(Tuple.of(c.tenantId(), c.id())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(c);
      }
      return insertMessage(tx, c.tenantId(), c.id(), "system", note, new JsonObject().put("handoff", true), events)
          .map(stored -> changed(stored.conversation(), events));
    });
  }

  /** A conversation changed several times in one transaction is announced once, in its final state. */
  private static Conversation changed(Conversation c, EventBatch events) {
    events.latest(EventTypes.CONVERSATION_UPDATED, c.toJson(), c.sessionId());
    return c;
  }
}
