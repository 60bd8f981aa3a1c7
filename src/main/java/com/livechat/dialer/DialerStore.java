package com.livechat.dialer;

import com.livechat.store.Rows;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The dialer's SQL: a contact's attempts (its status from pending to in a call to a final
 * result), the dials of the last minute (pacing), and the counts the limits need. A contact is
 * locked after its campaign (the same order everywhere, so two nodes never wait on each other).
 */
final class DialerStore {

  /** A campaign contact as the dialer sees it. */
  record Contact(String id, String tenantId, String campaignId, String phone, String name, String timezone,
      JsonObject variables, String status, int attempts, String conversationId, String callSid,
      OffsetDateTime updatedAt, OffsetDateTime nextAttemptAt) {

    static final String COLUMNS = "id, tenant_id, campaign_id, phone, name, timezone, variables, status, attempts, "
        + "conversation_id, call_sid, updated_at, next_attempt_at";

    static Contact from(Row r) {
      return new Contact(r.getString("id"), r.getString("tenant_id"), r.getString("campaign_id"),
          r.getString("phone"), r.getString("name"), r.getString("timezone"), r.getJsonObject("variables"),
          r.getString("status"), r.getInteger("attempts"), r.getString("conversation_id"), r.getString("call_sid"),
          r.getOffsetDateTime("updated_at"), r.getOffsetDateTime("next_attempt_at"));
    }

    /** The contact's values for the assistant's placeholders: its columns and its name. */
    JsonObject values() {
      JsonObject values = variables == null ? new JsonObject() : variables.copy();
      if (name != null) {
        values.put("name", name);
      }
      return values;
    }
  }

  /** The dials of a campaign over the last minute, and the oldest of them (null when none). */
  record LastMinute(long count, Instant oldest) {}

  private static final String CONTACT = "SELECT " + Contact.COLUMNS + " FROM campaign_contacts WHERE id = $1";
  private static final String LOCK_CONTACT = CONTACT + " FOR UPDATE";
  private static final String BY_CONVERSATION =
      "SELECT " + Contact.COLUMNS + " FROM campaign_contacts WHERE tenant_id = $1 AND conversation_id = $2";
  private static final String LAST_MINUTE =
      "SELECT count(*) AS n, min(dialled_at) AS oldest FROM campaign_dials "
          + "WHERE campaign_id = $1 AND dialled_at > clock_timestamp() - interval '60 seconds'";
  private static final String RECORD_DIAL =
      "WITH gone AS (DELETE FROM campaign_dials WHERE campaign_id = $1 AND dialled_at < clock_timestamp() - interval "
          + "'120 seconds') INSERT INTO campaign_dials (campaign_id) VALUES ($1)";
  private static final String IN_PROGRESS =
      "SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1 AND status = 'in_progress'";
  // dials of the tenant between their attempt and the carrier's answer: not yet calls, already lines
  private static final String UNPLACED =
      "SELECT count(*) FROM campaign_contacts c JOIN campaigns k ON k.id = c.campaign_id "
          + "WHERE k.tenant_id = $1 AND c.status = 'in_progress' AND c.call_sid IS NULL";
  private static final String START_ATTEMPT =
      "UPDATE campaign_contacts SET status = 'in_progress', attempts = attempts + 1, last_result = NULL, "
          + "next_attempt_at = NULL, conversation_id = $2, call_sid = NULL, updated_at = now() WHERE id = $1";
  private static final String PLACED =
      "UPDATE campaign_contacts SET call_sid = $2, updated_at = now() WHERE id = $1 AND attempts = $3 "
          + "AND status = 'in_progress'";
  // a dial the carrier did not take (rate limit, outage): not an attempt
  private static final String NOT_PLACED =
      "UPDATE campaign_contacts SET status = 'pending', attempts = attempts - 1, next_attempt_at = $2, "
          + "updated_at = now() WHERE id = $1 AND attempts = $3 AND status = 'in_progress'";
  private static final String WAIT =
      "UPDATE campaign_contacts SET next_attempt_at = $2, updated_at = now() WHERE id = $1";
  private static final String SETTLE =
      "UPDATE campaign_contacts SET status = $2, last_result = $3, qualified = $4, next_attempt_at = $5, "
          + "updated_at = now() WHERE id = $1";
  private static final String UNSETTLED =
      "SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1 AND status IN ('pending', 'in_progress')";
  private static final String SET_STATUS =
      "UPDATE campaigns SET status = $2, updated_at = now() WHERE id = $1 AND status = $3";
  private static final String PLACED_CALL =
      "SELECT c.tenant_id, c.conversation_id, c.phone, c.name, c.variables, c.attempts, c.status, k.assistant_id, "
          + "k.from_number, k.voicemail, k.voicemail_message FROM campaign_contacts c "
          + "JOIN campaigns k ON k.id = c.campaign_id WHERE c.id = $1";
  private static final String DIRTY =
      "SELECT id, tenant_id FROM campaigns WHERE progress_dirty "
          + "AND (progress_sent_at IS NULL OR progress_sent_at <= now() - interval '1 second') LIMIT 200";
  // the one node whose UPDATE flips the campaign sends its progress this second
  private static final String TAKE_PROGRESS =
      "UPDATE campaigns SET progress_dirty = false, progress_sent_at = now() WHERE id = $1 AND progress_dirty "
          + "AND (progress_sent_at IS NULL OR progress_sent_at <= now() - interval '1 second') RETURNING id";
  private static final String CONVERSATION_QUALIFIED =
      "SELECT qualified FROM conversations WHERE tenant_id = $1 AND id = $2";

  private final Pool pool;

  DialerStore(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  Future<Contact> lockContact(SqlClient tx, String contactId) {
    return tx.preparedQuery(LOCK_CONTACT).execute(Tuple.of(contactId)).map(rows -> Rows.first(rows, Contact::from));
  }

  Future<Contact> contact(SqlClient client, String contactId) {
    return client.preparedQuery(CONTACT).execute(Tuple.of(contactId)).map(rows -> Rows.first(rows, Contact::from));
  }

  Future<Contact> byConversation(SqlClient client, String tenantId, String conversationId) {
    return client.preparedQuery(BY_CONVERSATION).execute(Tuple.of(tenantId, conversationId))
        .map(rows -> Rows.first(rows, Contact::from));
  }

  Future<LastMinute> lastMinute(SqlClient tx, String campaignId) {
    return tx.preparedQuery(LAST_MINUTE).execute(Tuple.of(campaignId)).map(rows -> {
      Row r = rows.iterator().next();
      OffsetDateTime oldest = r.getOffsetDateTime("oldest");
      return new LastMinute(r.getLong("n"), oldest == null ? null : oldest.toInstant());
    });
  }

  Future<Void> recordDial(SqlClient tx, String campaignId) {
    return tx.preparedQuery(RECORD_DIAL).execute(Tuple.of(campaignId)).mapEmpty();
  }

  Future<Long> inProgress(SqlClient tx, String campaignId) {
    return count(tx, IN_PROGRESS, campaignId);
  }

  Future<Long> unplaced(SqlClient tx, String tenantId) {
    return count(tx, UNPLACED, tenantId);
  }

  Future<Long> unsettled(SqlClient tx, String campaignId) {
    return count(tx, UNSETTLED, campaignId);
  }

  private static Future<Long> count(SqlClient client, String sql, String id) {
    return client.preparedQuery(sql).execute(Tuple.of(id)).map(rows -> rows.iterator().next().getLong(0));
  }

  Future<Void> startAttempt(SqlClient tx, String contactId, String conversationId) {
    return tx.preparedQuery(START_ATTEMPT).execute(Tuple.of(contactId, conversationId)).mapEmpty();
  }

  Future<Void> placed(SqlClient client, String contactId, int attempt, String callSid) {
    return client.preparedQuery(PLACED).execute(Tuple.of(contactId, callSid, attempt)).mapEmpty();
  }

  /** @return false when the attempt was settled meanwhile */
  Future<Boolean> notPlaced(SqlClient tx, String contactId, int attempt, Instant retryAt) {
    return tx.preparedQuery(NOT_PLACED).execute(Tuple.of(contactId, utc(retryAt), attempt))
        .map(rows -> rows.rowCount() > 0);
  }

  Future<Void> waitUntil(SqlClient tx, String contactId, Instant at) {
    return tx.preparedQuery(WAIT).execute(Tuple.of(contactId, utc(at))).mapEmpty();
  }

  Future<Void> settle(SqlClient tx, String contactId, String status, String lastResult, boolean qualified,
      Instant nextAttemptAt) {
    return tx.preparedQuery(SETTLE).execute(Tuple.of(contactId, status, lastResult, qualified, utc(nextAttemptAt)))
        .mapEmpty();
  }

  /** Moves a campaign from one status to another; false when it was not in {@code from}. */
  Future<Boolean> setStatus(SqlClient tx, String campaignId, String from, String to) {
    return tx.preparedQuery(SET_STATUS).execute(Tuple.of(campaignId, to, from)).map(rows -> rows.rowCount() > 0);
  }

  Future<Boolean> qualified(SqlClient tx, String tenantId, String conversationId) {
    return tx.preparedQuery(CONVERSATION_QUALIFIED).execute(Tuple.of(tenantId, conversationId))
        .map(rows -> Boolean.TRUE.equals(Rows.first(rows, r -> r.getBoolean(0))));
  }

  /** The row of a placed attempt with its campaign's call settings, or null. */
  Future<Row> placedCall(String contactId) {
    return pool.preparedQuery(PLACED_CALL).execute(Tuple.of(contactId)).map(rows -> Rows.first(rows, r -> r));
  }

  /** Campaigns whose counts changed and whose last campaign:progress is a second old: {id, tenantId}. */
  Future<List<String[]>> dirty() {
    return pool.preparedQuery(DIRTY).execute()
        .map(rows -> Rows.all(rows, r -> new String[] {r.getString("id"), r.getString("tenant_id")}));
  }

  Future<Boolean> takeProgress(SqlClient tx, String campaignId) {
    return tx.preparedQuery(TAKE_PROGRESS).execute(Tuple.of(campaignId)).map(rows -> rows.size() > 0);
  }

  private static OffsetDateTime utc(Instant at) {
    return at == null ? null : OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
  }
}
