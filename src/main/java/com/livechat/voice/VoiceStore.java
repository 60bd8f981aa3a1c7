package com.livechat.voice;

import com.livechat.store.Rows;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;

/**
 * The SQL of calls: which assistant a number reaches, the numbers leased to widget sessions
 * (voice/start), and the calls themselves with their status as the carrier reports it. Every
 * statement but the number lookup (which finds the tenant) is scoped by tenant.
 */
public final class VoiceStore {

  /** The tenant and assistant a number belongs to. */
  public record Owner(String tenantId, String assistantId) {}

  /** A number leased to a session: a call to it within the lease joins {@code conversationId}. */
  public record Lease(String phoneNumber, String sessionId, String conversationId, OffsetDateTime expiresAt,
      String callSid) {
    static Lease from(Row row) {
      return new Lease(row.getString("phone_number"), row.getString("session_id"), row.getString("conversation_id"),
          row.getOffsetDateTime("expires_at"), row.getString("call_sid"));
    }
  }

  /** One call as stored. */
  public record Call(String callSid, String tenantId, String conversationId, String assistantId, String direction,
      String from, String to, String status, int sequenceNumber, String answeredBy, Integer durationSeconds,
      boolean ended) {

    static final String COLUMNS = "call_sid, tenant_id, conversation_id, assistant_id, direction, from_number, "
        + "to_number, status, sequence_number, answered_by, duration_seconds, ended_at IS NOT NULL AS ended";

    static Call from(Row row) {
      return new Call(row.getString("call_sid"), row.getString("tenant_id"), row.getString("conversation_id"),
          row.getString("assistant_id"), row.getString("direction"), row.getString("from_number"),
          row.getString("to_number"), row.getString("status"), row.getInteger("sequence_number"),
          row.getString("answered_by"), row.getInteger("duration_seconds"), row.getBoolean("ended"));
    }

    /** metadata.call of the conversation (shared/API.md Part 4). */
    public JsonObject toJson() {
      return new JsonObject().put("callSid", callSid).put("status", status).put("durationSeconds", durationSeconds)
          .put("answeredBy", answeredBy).put("direction", direction);
    }
  }

  // served by the GIN index on phone_numbers; a number belongs to at most one assistant (AssistantStore)
  private static final String OWNER =
      "SELECT tenant_id, id FROM assistants WHERE phone_numbers @> ARRAY[$1::text] LIMIT 1";
  private static final String SESSION_LEASE =
      "SELECT phone_number, session_id, conversation_id, expires_at, call_sid FROM voice_leases "
          + "WHERE tenant_id = $1 AND session_id = $2 AND assistant_id = $3 AND expires_at > now() AND call_sid IS NULL "
          + "ORDER BY leased_at DESC LIMIT 1";
  // the numbers of the pool with their current lease, if any, free ones first, then the oldest lease
  private static final String POOL =
      "SELECT p.n AS phone_number, l.expires_at > now() AND l.call_sid IS NULL AS held, l.leased_at "
          + "FROM unnest($2::text[]) WITH ORDINALITY AS p(n, ord) "
          + "LEFT JOIN voice_leases l ON l.phone_number = p.n AND l.tenant_id = $1 "
          + "ORDER BY held NULLS FIRST, l.leased_at NULLS FIRST, p.ord LIMIT 1";
  private static final String UPSERT_LEASE =
      "INSERT INTO voice_leases AS l (phone_number, tenant_id, assistant_id, session_id, conversation_id, leased_at, "
          + "expires_at, call_sid) VALUES ($1, $2, $3, $4, $5, now(), now() + make_interval(secs => $6), NULL) "
          + "ON CONFLICT (phone_number) DO UPDATE SET tenant_id = excluded.tenant_id, assistant_id = excluded.assistant_id, "
          + "session_id = excluded.session_id, conversation_id = excluded.conversation_id, leased_at = now(), "
          + "expires_at = excluded.expires_at, call_sid = NULL";
  // the first call within the lease claims it; FOR UPDATE in the claim's own UPDATE orders two calls
  private static final String CLAIM_LEASE =
      "UPDATE voice_leases SET call_sid = $3 WHERE phone_number = $1 AND tenant_id = $2 AND expires_at > now() "
          + "AND call_sid IS NULL RETURNING phone_number, session_id, conversation_id, expires_at, call_sid";
  private static final String FIND_CALL = "SELECT " + Call.COLUMNS + " FROM voice_calls WHERE call_sid = $1";
  private static final String INSERT_CALL =
      "INSERT INTO voice_calls (call_sid, tenant_id, conversation_id, assistant_id, direction, from_number, to_number, "
          + "status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING " + Call.COLUMNS;
  // a placed call is recorded by the dialer once the carrier answered its request and by the call's
  // answer webhook, whichever comes first; the answer knows who answered
  private static final String UPSERT_PLACED_CALL =
      "INSERT INTO voice_calls AS c (call_sid, tenant_id, conversation_id, assistant_id, direction, from_number, "
          + "to_number, status, answered_by) VALUES ($1, $2, $3, $4, 'outbound-api', $5, $6, $7, $8) "
          + "ON CONFLICT (call_sid) DO UPDATE SET answered_by = coalesce(excluded.answered_by, c.answered_by) "
          + "WHERE c.tenant_id = excluded.tenant_id RETURNING " + Call.COLUMNS;
  // a callback applies once, in order: only above the last SequenceNumber applied, never after the end
  private static final String APPLY_STATUS =
      "UPDATE voice_calls SET status = $3, sequence_number = coalesce($4, sequence_number + 1), "
          + "duration_seconds = coalesce($5, duration_seconds), answered_by = coalesce($6, answered_by), "
          + "ended_at = CASE WHEN $7 THEN now() ELSE ended_at END "
          + "WHERE call_sid = $1 AND tenant_id = $2 AND ended_at IS NULL AND ($4::int IS NULL OR sequence_number < $4) "
          + "RETURNING " + Call.COLUMNS;
  private static final String LOCK_POOL = "SELECT pg_advisory_xact_lock(hashtext('voice-leases:' || $1))";
  private static final String LOCK_TENANT_CALLS = "SELECT pg_advisory_xact_lock(hashtext('voice-calls:' || $1))";
  private static final String LIVE_CALLS =
      "SELECT count(*) FROM voice_calls WHERE tenant_id = $1 AND ended_at IS NULL "
          + "AND started_at > now() - make_interval(mins => $2)";
  private static final String MARK_HANDOFF = "UPDATE voice_calls SET handoff = true WHERE call_sid = $1 AND tenant_id = $2";

  private final Pool pool;

  public VoiceStore(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  /** Who a number belongs to, or null: the one lookup across tenants, since a call names only the number. */
  public Future<Owner> owner(String phoneNumber) {
    return pool.preparedQuery(OWNER).execute(Tuple.of(phoneNumber))
        .map(rows -> Rows.first(rows, r -> new Owner(r.getString("tenant_id"), r.getString("id"))));
  }

  /** Orders the leases of one assistant's numbers until the transaction ends (two sessions never get one number). */
  Future<Void> lockPool(SqlClient tx, String assistantId) {
    return tx.preparedQuery(LOCK_POOL).execute(Tuple.of(assistantId)).mapEmpty();
  }

  /** The session's unclaimed lease of one of the assistant's numbers, or null. */
  Future<Lease> sessionLease(SqlClient tx, String tenantId, String sessionId, String assistantId) {
    return tx.preparedQuery(SESSION_LEASE).execute(Tuple.of(tenantId, sessionId, assistantId))
        .map(rows -> Rows.first(rows, Lease::from));
  }

  /** The number of the pool to lease next: a free one, else the one leased longest ago (taken over). */
  Future<String> nextNumber(SqlClient tx, String tenantId, java.util.List<String> pool) {
    return tx.preparedQuery(POOL).execute(Tuple.of(tenantId).addArrayOfString(pool.toArray(String[]::new)))
        .map(rows -> Rows.first(rows, r -> r.getString("phone_number")));
  }

  Future<Void> lease(SqlClient tx, String number, String tenantId, String assistantId, String sessionId,
      String conversationId, int seconds) {
    return tx.preparedQuery(UPSERT_LEASE)
        .execute(Tuple.of(number, tenantId, assistantId, sessionId, conversationId, seconds)).mapEmpty();
  }

  /** Claims the number's lease for a call, or null when it has no unclaimed lease in force. */
  Future<Lease> claimLease(SqlClient tx, String number, String tenantId, String callSid) {
    return tx.preparedQuery(CLAIM_LEASE).execute(Tuple.of(number, tenantId, callSid))
        .map(rows -> Rows.first(rows, Lease::from));
  }

  /** A call by its sid, or null; the caller checks the tenant. */
  public Future<Call> call(String callSid) {
    return pool.preparedQuery(FIND_CALL).execute(Tuple.of(callSid)).map(rows -> Rows.first(rows, Call::from));
  }

  Future<Call> insertCall(SqlClient tx, Call call) {
    return tx.preparedQuery(INSERT_CALL).execute(Tuple.from(new Object[] {call.callSid(), call.tenantId(),
            call.conversationId(), call.assistantId(), call.direction(), call.from(), call.to(), call.status()}))
        .map(rows -> Call.from(rows.iterator().next()));
  }

  /** Records a call the server placed (idempotent); null when the sid is another tenant's. */
  public Future<Call> placedCall(SqlClient tx, String callSid, String tenantId, String conversationId,
      String assistantId, String from, String to, String status, String answeredBy) {
    return tx.preparedQuery(UPSERT_PLACED_CALL).execute(Tuple.from(new Object[] {callSid, tenantId, conversationId,
            assistantId, from, to, status, answeredBy}))
        .map(rows -> Rows.first(rows, Call::from));
  }

  /**
   * Takes the tenant's call lock until the transaction ends and counts its calls in progress (a
   * call with no end for longer than {@code maxCallMinutes} is not counted: its end was lost).
   */
  public Future<Long> lockLiveCalls(SqlClient tx, String tenantId, int maxCallMinutes) {
    return tx.preparedQuery(LOCK_TENANT_CALLS).execute(Tuple.of(tenantId))
        .compose(v -> tx.preparedQuery(LIVE_CALLS).execute(Tuple.of(tenantId, maxCallMinutes)))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /**
   * Applies a status callback; null when it changes nothing (a duplicate, one older than the last
   * applied, or one after the call ended).
   */
  Future<Call> applyStatus(SqlClient tx, String tenantId, String callSid, String status, Integer sequenceNumber,
      Integer durationSeconds, String answeredBy, boolean terminal) {
    return tx.preparedQuery(APPLY_STATUS).execute(Tuple.from(new Object[] {callSid, tenantId, status, sequenceNumber,
            durationSeconds, answeredBy, terminal}))
        .map(rows -> Rows.first(rows, Call::from));
  }

  Future<Void> markHandoff(String tenantId, String callSid) {
    return pool.preparedQuery(MARK_HANDOFF).execute(Tuple.of(callSid, tenantId)).mapEmpty();
  }
}
