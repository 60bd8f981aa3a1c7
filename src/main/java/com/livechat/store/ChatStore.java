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
import com.livechat.usage.UsageLimitExceeded;
import com.livechat.usage.UsagePeriod;

/** Assistants, conversations, messages and the usage they count, always scoped by tenant. */
public final class ChatStore {

  private static final String ASSISTANT =
      "SELECT " + Assistant.COLUMNS + " FROM assistants WHERE tenant_id = $1 AND id = $2";
  private static final String CONVERSATION =
      "SELECT " + Conversation.COLUMNS + " FROM conversations WHERE tenant_id = $1 AND id = $2";
  private static final String INSERT_CONVERSATION =
      "INSERT INTO conversations (id, tenant_id, assistant_id, session_id, channel) VALUES ($1, $2, $3, $4, $5) "
          + "RETURNING " + Conversation.COLUMNS;
  // the message and its conversation's last_message_at in one round trip; the row has the
  // conversation's columns under their names and the message's as message_*
  private static final String INSERT_MESSAGE =
      "WITH m AS (INSERT INTO messages (id, tenant_id, conversation_id, role, content, metadata) "
          + "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, role, content, metadata, created_at) "
          + "UPDATE conversations c SET last_message_at = m.created_at, updated_at = m.created_at FROM m "
          + "WHERE c.tenant_id = $2 AND c.id = $3 RETURNING m.id AS message_id, m.role AS message_role, "
          + "m.content AS message_content, m.metadata AS message_metadata, m.created_at AS message_created_at, "
          + "c." + Conversation.COLUMNS.replace(", ", ", c.");
  private static final String RECENT_MESSAGES =
      "SELECT " + Message.COLUMNS + " FROM messages WHERE tenant_id = $1 AND conversation_id = $2 "
          + "ORDER BY seq DESC LIMIT $3";
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

  /** A message as it was stored, with its conversation as it stands after it. */
  public record Stored(Conversation conversation, Message message) {}

  /**
   * Contact details learnt in a turn, to merge into the conversation's contact_data, and the
   * assistant's required fields: the first time all of them are known the conversation is qualified.
   */
  public record ContactUpdate(JsonObject fields, List<String> requiredFields) {
    public static final ContactUpdate NONE = new ContactUpdate(new JsonObject(), List.of());

    boolean isEmpty() {
      return fields == null || fields.isEmpty();
    }
  }

  /**
   * How a turn ends: the assistant's reply (null when it has none), what it cost, the contact
   * details it learnt, and, when the conversation goes to a human, the note staff see.
   */
  public record TurnEnd(String replyText, JsonObject replyMetadata, long tokens, ContactUpdate contact,
      String handoffNote) {}

  private final Pool pool;
  private final UsageStore usage;

  public ChatStore(Pool pool, UsageStore usage) {
    this.pool = pool;
    this.usage = usage;
  }

  public Future<Assistant> findAssistant(String tenantId, String assistantId) {
    return pool.preparedQuery(ASSISTANT).execute(Tuple.of(tenantId, assistantId))
        .map(rows -> first(rows, Assistant::from));
  }

  public Future<Conversation> findConversation(String tenantId, String conversationId) {
    return pool.preparedQuery(CONVERSATION).execute(Tuple.of(tenantId, conversationId))
        .map(rows -> first(rows, Conversation::from));
  }

  /**
   * Stores a visitor's message, creating the conversation first when {@code existing} is null, counts
   * it against the tenant's monthly limits (with {@code needsTokens}, also requires AI tokens left),
   * and merges the contact details found in it — all in one transaction with its events
   * (conversation:new when created, message:new, conversation:updated / conversation:qualified
   * when the contact changed). Fails with {@link UsageLimitExceeded}, storing nothing, when the
   * tenant's limits are spent.
   */
  public Future<Changes<Stored>> acceptVisitorMessage(String tenantId, Conversation existing, String assistantId,
      String sessionId, String content, ContactUpdate contact, boolean needsTokens) {
    String period = UsagePeriod.current();
    return pool.withTransaction(tx -> {
      Events events = new Events();
      Future<Conversation> conversation = existing != null
          ? Future.succeededFuture(existing)
          : insertConversation(tx, tenantId, assistantId, sessionId, "chat")
              .onSuccess(c -> events.add(TenantEvent.CONVERSATION_NEW, c.toJson()));
      return conversation
          .compose(c -> insertMessage(tx, tenantId, c.id(), "visitor", content, new JsonObject()))
          .compose(stored -> usage.consume(tx, tenantId, period, 1, 0, needsTokens).compose(allowed -> {
            if (!allowed) {
              return Future.failedFuture(new UsageLimitExceeded("This workspace has used its monthly "
                  + (needsTokens ? "messages or AI tokens" : "messages") + " for " + period
                  + "; the allowance renews at the start of next month."));
            }
            events.add(TenantEvent.MESSAGE_NEW, stored.message().toJson());
            return applyContact(tx, tenantId, stored.conversation(), contact, events)
                .map(c -> new Stored(c, stored.message()));
          }))
          .compose(stored -> events.append(tx, tenantId).map(appended -> new Changes<>(stored, appended)));
    });
  }

  /**
   * Ends a turn in one transaction: stores the assistant's reply (message:new), counts its tokens,
   * merges the contact details it learnt, and hands the conversation to a human when {@code
   * handoffNote} is set (ai_enabled off, the note as a system message; conversation:updated). The
   * returned message is the reply, null when there was none.
   */
  public Future<Changes<Stored>> endTurn(String tenantId, String conversationId, TurnEnd end) {
    String period = UsagePeriod.current();
    return pool.withTransaction(tx -> {
      Events events = new Events();
      Future<Stored> reply = end.replyText() == null
          ? findConversation(tx, tenantId, conversationId).map(c -> new Stored(c, null))
          : insertMessage(tx, tenantId, conversationId, "assistant", end.replyText(), end.replyMetadata())
              .onSuccess(stored -> events.add(TenantEvent.MESSAGE_NEW, stored.message().toJson()));
      return reply
          .compose(stored -> usage.addTokens(tx, tenantId, period, end.tokens())
              .compose(v -> applyContact(tx, tenantId, stored.conversation(), end.contact(), events))
              .compose(c -> end.handoffNote() == null ? Future.succeededFuture(c)
                  : handOff(tx, tenantId, c, end.handoffNote(), events))
              .map(c -> new Stored(c, stored.message())))
          .compose(stored -> events.append(tx, tenantId).map(appended -> new Changes<>(stored, appended)));
    });
  }

  /** Opens a voice conversation, counting one voice call against the tenant's limits (conversation:new). */
  public Future<Changes<Conversation>> startVoiceConversation(String tenantId, String assistantId, String sessionId) {
    String period = UsagePeriod.current();
    return pool.withTransaction(tx -> usage.consume(tx, tenantId, period, 0, 1, false)
        .compose(allowed -> allowed ? insertConversation(tx, tenantId, assistantId, sessionId, "voice")
            : Future.failedFuture(new UsageLimitExceeded("This workspace has used its monthly voice calls for "
                + period + "; the allowance renews at the start of next month.")))
        .compose(c -> EventLog.append(tx, tenantId, TenantEvent.CONVERSATION_NEW, c.toJson())
            .map(e -> new Changes<>(c, List.of(e)))));
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
        .map(rows -> {
          Row row = rows.iterator().next();
          Message message = new Message(row.getString("message_id"), conversationId, row.getString("message_role"),
              row.getString("message_content"), row.getJsonObject("message_metadata"),
              row.getOffsetDateTime("message_created_at"));
          return new Stored(Conversation.from(row), message);
        });
  }

  /**
   * Merges learnt contact details (conversation:updated when a value changed), then qualifies the
   * conversation the first time all required fields are known (conversation:qualified, once).
   */
  private static Future<Conversation> applyContact(SqlConnection tx, String tenantId, Conversation c,
      ContactUpdate contact, Events events) {
    if (contact == null || contact.isEmpty()) {
      return Future.succeededFuture(c);
    }
    return tx.preparedQuery(MERGE_CONTACT).execute(Tuple.of(tenantId, c.id(), contact.fields()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(c);
          }
          Conversation merged = Conversation.from(rows.iterator().next());
          events.conversationChanged(merged);
          if (contact.requiredFields().isEmpty()) {
            return Future.succeededFuture(merged);
          }
          return tx.preparedQuery(QUALIFY)
              .execute(Tuple.of(tenantId, c.id(), contact.requiredFields().toArray(new String[0])))
              .map(q -> {
                if (q.size() == 0) {
                  return merged;
                }
                Conversation qualified = Conversation.from(q.iterator().next());
                events.conversationChanged(qualified);
                events.qualified(qualified);
                return qualified;
              });
        });
  }

  private static Future<Conversation> handOff(SqlConnection tx, String tenantId, Conversation c, String note,
      Events events) {
    return tx.preparedQuery(HAND_OFF).execute(Tuple.of(tenantId, c.id())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(c); // an agent took it over meanwhile
      }
      return insertMessage(tx, tenantId, c.id(), "system", note, new JsonObject().put("handoff", true))
          .map(stored -> {
            events.add(TenantEvent.MESSAGE_NEW, stored.message().toJson());
            events.conversationChanged(stored.conversation());
            return stored.conversation();
          });
    });
  }

  private static Future<Conversation> findConversation(SqlConnection tx, String tenantId, String conversationId) {
    return tx.preparedQuery(CONVERSATION).execute(Tuple.of(tenantId, conversationId))
        .map(rows -> first(rows, Conversation::from));
  }

  /**
   * The events of one transaction, in order; a conversation changed several times in it is announced
   * once (conversation:updated, with its final state), after the messages.
   */
  private static final class Events {
    private final List<String> types = new ArrayList<>();
    private final List<JsonObject> data = new ArrayList<>();
    private Conversation changed;
    private Conversation qualified;

    void add(String type, JsonObject json) {
      types.add(type);
      data.add(json);
    }

    void conversationChanged(Conversation c) {
      changed = c;
    }

    void qualified(Conversation c) {
      qualified = c;
    }

    Future<List<TenantEvent>> append(SqlConnection tx, String tenantId) {
      if (changed != null) {
        add(TenantEvent.CONVERSATION_UPDATED, changed.toJson());
      }
      if (qualified != null) {
        add(TenantEvent.CONVERSATION_QUALIFIED, qualified.toJson());
      }
      return EventLog.appendAll(tx, tenantId, types, data);
    }
  }

  private static <T> T first(RowSet<Row> rows, Function<Row, T> mapper) {
    var it = rows.iterator();
    return it.hasNext() ? mapper.apply(it.next()) : null;
  }
}
