package com.livechat.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/** Assistants, conversations, messages and their usage counters, always scoped by tenant. */
public final class ChatStore {

  private static final String ASSISTANT =
      "SELECT " + Assistant.COLUMNS + " FROM assistants WHERE tenant_id = $1 AND id = $2";
  private static final String CONVERSATION =
      "SELECT " + Conversation.COLUMNS + " FROM conversations WHERE tenant_id = $1 AND id = $2";
  private static final String INSERT_CONVERSATION =
      "INSERT INTO conversations (id, tenant_id, assistant_id, session_id, channel) VALUES ($1, $2, $3, $4, $5) "
          + "RETURNING " + Conversation.COLUMNS;
  private static final String INSERT_MESSAGE =
      "INSERT INTO messages (id, tenant_id, conversation_id, role, content, metadata) "
          + "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " + Message.COLUMNS;
  private static final String TOUCH_CONVERSATION =
      "UPDATE conversations SET last_message_at = $3, updated_at = $3 WHERE tenant_id = $1 AND id = $2 "
          + "RETURNING " + Conversation.COLUMNS;
  private static final String RECENT_MESSAGES =
      "SELECT " + Message.COLUMNS + " FROM messages WHERE tenant_id = $1 AND conversation_id = $2 "
          + "ORDER BY seq DESC LIMIT $3";
  private static final String COUNT_USAGE =
      "INSERT INTO usage AS u (tenant_id, period, messages, tokens, voice_calls) "
          + "VALUES ($1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM'), $2, $3, $4) "
          + "ON CONFLICT (tenant_id, period) DO UPDATE SET messages = u.messages + $2, "
          + "tokens = u.tokens + $3, voice_calls = u.voice_calls + $4";

  /** A message as it was stored, with its conversation as it stands after it. */
  public record Stored(Conversation conversation, Message message) {}

  private final Pool pool;

  public ChatStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Assistant> findAssistant(String tenantId, String assistantId) {
    return pool.preparedQuery(ASSISTANT).execute(Tuple.of(tenantId, assistantId))
        .map(rows -> first(rows, Assistant::from));
  }

  public Future<Conversation> findConversation(String tenantId, String conversationId) {
    return pool.preparedQuery(CONVERSATION).execute(Tuple.of(tenantId, conversationId))
        .map(rows -> first(rows, Conversation::from));
  }

  /** Opens a conversation (conversation:new). */
  public Future<Changes<Conversation>> createConversation(String tenantId, String assistantId, String sessionId,
      String channel) {
    return pool.withTransaction(tx -> insertConversation(tx, tenantId, assistantId, sessionId, channel)
        .compose(c -> EventLog.append(tx, tenantId, TenantEvent.CONVERSATION_NEW, c.toJson())
            .map(e -> new Changes<>(c, List.of(e)))));
  }

  /**
   * Stores a visitor's message, creating the conversation first when {@code existing} is null,
   * and counts one message of usage — all in one transaction with its events
   * (conversation:new when created, message:new).
   */
  public Future<Changes<Stored>> acceptVisitorMessage(String tenantId, Conversation existing, String assistantId,
      String sessionId, String content) {
    return pool.withTransaction(tx -> {
      List<String> types = new ArrayList<>();
      List<JsonObject> data = new ArrayList<>();
      Future<Conversation> conversation = existing != null
          ? Future.succeededFuture(existing)
          : insertConversation(tx, tenantId, assistantId, sessionId, "chat").onSuccess(c -> {
            types.add(TenantEvent.CONVERSATION_NEW);
            data.add(c.toJson());
          });
      return conversation
          .compose(c -> insertMessage(tx, tenantId, c.id(), "visitor", content, new JsonObject()))
          .compose(stored -> countUsage(tx, tenantId, 1, 0, 0)
              .compose(v -> {
                types.add(TenantEvent.MESSAGE_NEW);
                data.add(stored.message().toJson());
                return EventLog.appendAll(tx, tenantId, types, data);
              })
              .map(events -> new Changes<>(stored, events)));
    });
  }

  /** Stores the assistant's reply and counts the tokens it cost, in one transaction (message:new). */
  public Future<Changes<Stored>> storeAssistantReply(String tenantId, String conversationId, String content,
      JsonObject metadata, int tokens) {
    return pool.withTransaction(tx -> insertMessage(tx, tenantId, conversationId, "assistant", content, metadata)
        .compose(stored -> countUsage(tx, tenantId, 0, tokens, 0)
            .compose(v -> EventLog.append(tx, tenantId, TenantEvent.MESSAGE_NEW, stored.message().toJson()))
            .map(e -> new Changes<>(stored, List.of(e)))));
  }

  /** The last {@code limit} messages of a conversation, oldest first. */
  public Future<List<Message>> recentMessages(String tenantId, String conversationId, int limit) {
    return pool.preparedQuery(RECENT_MESSAGES).execute(Tuple.of(tenantId, conversationId, limit)).map(rows -> {
      List<Message> messages = new ArrayList<>(rows.size());
      for (Row row : rows) {
        messages.add(Message.from(row));
      }
      Collections.reverse(messages);
      return messages;
    });
  }

  static Future<Conversation> insertConversation(io.vertx.sqlclient.SqlClient client, String tenantId,
      String assistantId, String sessionId, String channel) {
    return client.preparedQuery(INSERT_CONVERSATION)
        .execute(Tuple.of(Ids.next("conv"), tenantId, assistantId, sessionId, channel))
        .map(rows -> Conversation.from(rows.iterator().next()));
  }

  static Future<Stored> insertMessage(SqlConnection tx, String tenantId, String conversationId,
      String role, String content, JsonObject metadata) {
    return tx.preparedQuery(INSERT_MESSAGE)
        .execute(Tuple.from(new Object[] {Ids.next("msg"), tenantId, conversationId, role, content, metadata}))
        .map(rows -> Message.from(rows.iterator().next()))
        .compose(message -> tx.preparedQuery(TOUCH_CONVERSATION)
            .execute(Tuple.of(tenantId, conversationId, message.createdAt()))
            .map(rows -> new Stored(Conversation.from(rows.iterator().next()), message)));
  }

  private static Future<Void> countUsage(SqlConnection tx, String tenantId, long messages, long tokens,
      long voiceCalls) {
    return tx.preparedQuery(COUNT_USAGE).execute(Tuple.of(tenantId, messages, tokens, voiceCalls)).mapEmpty();
  }

  private static <T> T first(RowSet<Row> rows, Function<Row, T> mapper) {
    var it = rows.iterator();
    return it.hasNext() ? mapper.apply(it.next()) : null;
  }
}
