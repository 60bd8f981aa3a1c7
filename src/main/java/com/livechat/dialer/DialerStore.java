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


  /** How far before the last progress a contact's change is still looked at (see PROGRESS_CANDIDATES). */
  static final int PROGRESS_MARGIN_SECONDS = 30;

  private static final String CONTACT = "SELECT " + Contact.COLUMNS + " FROM campaign_contacts WHERE id = $1";
  private static final String LOCK_CONTACT = CONTACT + " FOR UPDATE";
  private static final String BY_CONVERSATION =
      "SELECT " + Contact.COLUMNS + " FROM campaign_contacts WHERE tenant_id = $1 AND conversation_id = $2";
  private static final String RECORD_DIAL =
      "WITH gone AS (DELETE FROM campaign_dials WHERE campaign_id = $1 AND dialled_at < clock_timestamp() - interval "
          + "'120 seconds') INSERT INTO campaign_dials (campaign_id) VALUES ($1)";
  // dials of the tenant between their attempt and the carrier's answer: not yet calls, already lines
  private static final String UNPLACED =
      "SELECT count(*) FROM campaign_contacts c JOIN campaigns k ON k.id = c.campaign_id "
          + "WHERE k.tenant_id = $1 AND c.status = 'in_progress' AND c.call_sid IS NULL";
  private static final String START_ATTEMPT =
      // the conversation of an attempt that was undone before its call was placed (no call sid, no
      // result: the start cleared it, the undo left it) is the new attempt's, of the same number; one
      // of a call, or of a settled attempt, is not. SET reads the row as it was.
      "UPDATE campaign_contacts SET status = 'in_progress', attempts = attempts + 1, last_result = NULL, "
          + "next_attempt_at = NULL, "
          + "conversation_id = CASE WHEN call_sid IS NULL AND last_result IS NULL THEN conversation_id END, "
          + "call_sid = NULL, updated_at = clock_timestamp() WHERE id = $1 RETURNING conversation_id";
  private static final String ATTACH =
      "UPDATE campaign_contacts SET conversation_id = $2 WHERE id = $1 AND attempts = $3 AND status = 'in_progress'";
  // the checks of the moment of dialling that read: the do-not-call list, the dials of the last
  // minute (pacing) and the calls in progress (maxConcurrent), in one round trip under the lock
  private static final String GATE =
      "SELECT EXISTS (SELECT 1 FROM dnc WHERE tenant_id = $1 AND phone = $3) AS dnc, d.n, d.oldest, "
          + "(SELECT count(*) FROM campaign_contacts WHERE campaign_id = $2 AND status = 'in_progress') AS live "
          + "FROM (SELECT count(*) AS n, min(dialled_at) AS oldest FROM campaign_dials "
          + "WHERE campaign_id = $2 AND dialled_at > clock_timestamp() - interval '60 seconds') d";
  private static final String PLACED =
      // also when the attempt's callbacks (a quick carrier) settled it first: the attempt is named by its number
      "UPDATE campaign_contacts SET call_sid = $2, updated_at = clock_timestamp() WHERE id = $1 AND attempts = $3";
  // a dial the carrier did not take (rate limit, outage): not an attempt
  private static final String NOT_PLACED =
      "UPDATE campaign_contacts SET status = 'pending', attempts = attempts - 1, next_attempt_at = $2, "
          + "updated_at = clock_timestamp() WHERE id = $1 AND attempts = $3 AND status = 'in_progress'";
  private static final String WAIT =
      "UPDATE campaign_contacts SET next_attempt_at = $2, updated_at = clock_timestamp() WHERE id = $1";
  private static final String SETTLE =
      "UPDATE campaign_contacts SET status = $2, last_result = $3, qualified = $4, next_attempt_at = $5, "
          + "updated_at = clock_timestamp() WHERE id = $1";
  private static final String SET_STATUS =
      "UPDATE campaigns SET status = $2, updated_at = now() WHERE id = $1 AND status = $3";
  private static final String PLACED_CALL =
      "SELECT c.tenant_id, c.conversation_id, c.phone, c.name, c.variables, c.attempts, c.status, k.assistant_id, "
          + "k.from_number, k.voicemail, k.voicemail_message FROM campaign_contacts c "
          + "JOIN campaigns k ON k.id = c.campaign_id WHERE c.id = $1";
  // campaigns whose progress may have changed: dialling ones always (their completion is looked for
  // here too), paused and cancelled ones while their contacts change (calls still ending). The
  // margin covers transactions that set updated_at before the last progress and committed after it.
  private static final String PROGRESS_CANDIDATES =
      "SELECT k.id, k.tenant_id, k.progress_data FROM campaigns k "
          + "WHERE k.status IN ('scheduled', 'running', 'paused', 'cancelled') "
          + "AND (k.progress_sent_at IS NULL OR k.progress_sent_at <= now() - interval '1 second') "
          + "AND (k.status IN ('scheduled', 'running') OR EXISTS (SELECT 1 FROM campaign_contacts c "
          + "WHERE c.campaign_id = k.id AND c.updated_at > COALESCE(k.progress_sent_at, '-infinity'::timestamptz) "
          + "- interval '" + PROGRESS_MARGIN_SECONDS + " seconds')) LIMIT 500";
  // the one node whose UPDATE takes the campaign's second sends its progress (the row stays locked
  // until that transaction ends, so its status cannot change meanwhile)
  private static final String TAKE_PROGRESS =
      "UPDATE campaigns SET progress_sent_at = now() WHERE id = $1 "
          + "AND (progress_sent_at IS NULL OR progress_sent_at <= now() - interval '1 second') RETURNING id";
  // attempts in a call for longer than any call lasts: their end was lost (the terminal callback
  // never came, or its transaction failed); SKIP LOCKED: a settlement under way is left to finish
  private static final String SWEEP =
      "UPDATE campaign_contacts SET status = 'failed', last_result = 'failed', updated_at = clock_timestamp() "
          + "WHERE id IN (SELECT id FROM campaign_contacts WHERE status = 'in_progress' "
          + "AND updated_at < clock_timestamp() - interval '1 minute' * $1::int LIMIT 500 FOR UPDATE SKIP LOCKED) "
          + "RETURNING id, campaign_id";
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

  Future<Void> recordDial(SqlClient tx, String campaignId) {
    return tx.preparedQuery(RECORD_DIAL).execute(Tuple.of(campaignId)).mapEmpty();
  }

  Future<Long> unplaced(SqlClient tx, String tenantId) {
    return count(tx, UNPLACED, tenantId);
  }

  private static Future<Long> count(SqlClient client, String sql, String id) {
    return client.preparedQuery(sql).execute(Tuple.of(id)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Starts the contact's next attempt; returns the conversation it keeps from an undone one, or null. */
  Future<String> startAttempt(SqlClient tx, String contactId) {
    return tx.preparedQuery(START_ATTEMPT).execute(Tuple.of(contactId))
        .map(rows -> Rows.first(rows, r -> r.getString(0)));
  }

  /** Links the attempt to its conversation; false when the attempt is no longer in a call. */
  Future<Boolean> attach(SqlClient tx, String contactId, int attempt, String conversationId) {
    return tx.preparedQuery(ATTACH).execute(Tuple.of(contactId, conversationId, attempt))
        .map(rows -> rows.rowCount() > 0);
  }

  /** What the checks of the moment of dialling read (see GATE). */
  record Gate(boolean onDnc, long lastMinute, Instant oldest, long inProgress) {}

  Future<Gate> gate(SqlClient tx, String tenantId, String campaignId, String phone) {
    return tx.preparedQuery(GATE).execute(Tuple.of(tenantId, campaignId, phone)).map(rows -> {
      Row r = rows.iterator().next();
      OffsetDateTime oldest = r.getOffsetDateTime("oldest");
      return new Gate(r.getBoolean("dnc"), r.getLong("n"), oldest == null ? null : oldest.toInstant(),
          r.getLong("live"));
    });
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

  /** Campaigns whose progress may have changed and whose last campaign:progress is a second old. */
  Future<List<Candidate>> progressCandidates() {
    return pool.preparedQuery(PROGRESS_CANDIDATES).execute()
        .map(rows -> Rows.all(rows, r -> new Candidate(r.getString("id"), r.getString("tenant_id"),
            r.getJsonObject("progress_data"))));
  }

  /** A campaign the progress ticker looks at, with the data of its last campaign:progress (or null). */
  record Candidate(String id, String tenantId, JsonObject lastSent) {}

  /** Takes the campaign's progress second (false: another node has it, or it is not a second since the last). */
  Future<Boolean> takeProgress(SqlClient tx, String campaignId) {
    return tx.preparedQuery(TAKE_PROGRESS).execute(Tuple.of(campaignId)).map(rows -> rows.size() > 0);
  }

  /** Fails the attempts in a call for more than {@code minutes}; returns how many. */
  Future<Integer> sweep(int minutes) {
    return pool.preparedQuery(SWEEP).execute(Tuple.of(minutes)).map(rows -> rows.rowCount());
  }

  private static OffsetDateTime utc(Instant at) {
    return at == null ? null : OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
  }
}
