package com.livechat.queue;

import com.livechat.store.Rows;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;

/**
 * A durable job queue in PostgreSQL (the {@code jobs} table of V9__campaigns.sql), shared by every
 * node: campaign dial attempts, outbound webhook deliveries. See docs/QUEUE.md.
 *
 * <p>Delivery is at least once. A node claims due jobs under a lease that names it; while the lease
 * holds no other node gets the job. A node that dies holding jobs loses them only until their
 * leases expire; then they are claimed again (with {@link Job#attempts()} one higher). A job leaves
 * the queue only through {@link #complete}, which its owner calls, ideally in the transaction that
 * records the job's effects; since a lease may expire while the work is under way, the work must be
 * safe to repeat, and a {@code false} from {@link #complete} or {@link #reschedule} means another
 * node has the job now (or it was deleted).
 *
 * <p>Every time is PostgreSQL's (now(), clock_timestamp()), so nodes with drifting clocks agree; an
 * {@link Instant} a caller passes is stored as is.
 *
 * <p>A lease belongs to an owner name, not to one claim: an owner that claims the same job twice
 * (after its own lease expired) cannot tell its two claims apart. Use an owner name per worker,
 * unique across the cluster (e.g. node id and worker), and do not reuse it after a restart.
 */
public final class JobQueue {

  private static final String COLUMNS = "id, queue, tenant_id, job_key, payload, due_at, attempts, lease_owner";

  // jobs_key_idx (partial, on job_key IS NOT NULL) is the arbiter; a job without a key never conflicts
  private static final String ENQUEUE =
      "INSERT INTO jobs (queue, tenant_id, job_key, payload, due_at) "
          + "VALUES ($1, $2, $3, $4, COALESCE($5, clock_timestamp())) "
          + "ON CONFLICT (queue, job_key) WHERE job_key IS NOT NULL DO NOTHING RETURNING id";
  // many jobs in one statement: the arrays are unnested side by side (one row per key)
  private static final String ENQUEUE_ALL =
      "INSERT INTO jobs (queue, tenant_id, job_key, payload, due_at) "
          + "SELECT $1, $2, k, p, COALESCE(d, clock_timestamp()) FROM unnest($3::text[], $4::jsonb[], $5::timestamptz[]) "
          + "AS j(k, p, d) ON CONFLICT (queue, job_key) WHERE job_key IS NOT NULL DO NOTHING";
  // jobs_due_idx (queue, due_at) gives the due jobs oldest first; now() is stable within the
  // statement, so it can bound the index scan (clock_timestamp() could not). A row another claimer
  // locked is skipped; one it leased after our snapshot is re-checked on its newest version when we
  // lock it (READ COMMITTED), so its live lease excludes it.
  private static final String CLAIM =
      "UPDATE jobs SET lease_owner = $2, lease_expires_at = now() + interval '1 millisecond' * $4::bigint, "
          + "attempts = attempts + 1 "
          + "WHERE id IN (SELECT id FROM jobs WHERE queue = $1 AND due_at <= now() "
          + "AND (lease_expires_at IS NULL OR lease_expires_at <= now()) "
          + "ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) "
          + "RETURNING " + COLUMNS;
  // the owner named in the row is the holder: a lease that expired and was not claimed again is
  // still its owner's (nobody else started the work), one claimed again names the new owner
  private static final String COMPLETE = "DELETE FROM jobs WHERE id = $1 AND lease_owner = $2";
  private static final String COMPLETE_ALL = "DELETE FROM jobs WHERE id = ANY($1) AND lease_owner = $2";
  private static final String RESCHEDULE =
      "UPDATE jobs SET due_at = COALESCE($3, clock_timestamp()), payload = COALESCE($4, payload), "
          + "lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2";
  private static final String EXTEND =
      "UPDATE jobs SET lease_expires_at = clock_timestamp() + interval '1 millisecond' * $3::bigint "
          + "WHERE id = $1 AND lease_owner = $2";
  // clock_timestamp(): the caller's transaction may have started a while ago
  private static final String DELETE_WAITING =
      "DELETE FROM jobs WHERE queue = $1 AND tenant_id = $2 AND payload @> $3 "
          + "AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())";
  // a waiting job moved to now; one held under a live lease is left to its owner
  private static final String DUE_NOW =
      "WITH moved AS (UPDATE jobs SET due_at = clock_timestamp() WHERE queue = $1 AND job_key = $2 "
          + "AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp()) RETURNING id) "
          + "SELECT EXISTS (SELECT 1 FROM jobs WHERE queue = $1 AND job_key = $2)";
  private static final String SIZE =
      "SELECT count(*) FROM jobs WHERE queue = $1 AND (lease_expires_at IS NULL OR lease_expires_at <= now())";

  /**
   * One job as claimed.
   *
   * @param key the job's key, or null
   * @param dueAt when the job became due (not changed by claiming)
   * @param attempts how many times the job has been claimed, this claim included
   * @param leaseOwner the owner holding it
   */
  public record Job(long id, String queue, String tenantId, String key, JsonObject payload, OffsetDateTime dueAt,
      int attempts, String leaseOwner) {}

  private final Pool pool;

  /** A queue over the {@code jobs} table reached through {@code pool}; it holds no state of its own. */
  public JobQueue(Pool pool) {
    this.pool = pool;
  }

  /**
   * Adds a job due at {@code dueAt} (null: now, by the database's clock) in the caller's transaction
   * ({@code client} may be the pool): it exists, and can be claimed, only once that transaction commits.
   * With a key, at most one job of that key is in the queue at a time, waiting or held: a second
   * enqueue of the same key does nothing and returns null (the key is free again once the job is
   * completed). A job without a key (null) is always added.
   *
   * @param tenantId an existing tenant (the job is deleted with it)
   * @param payload what the worker needs; null is stored as {@code {}}
   * @return the new job's id, or null when a job of that key is already in the queue
   */
  public Future<Long> enqueue(SqlClient client, String queue, String tenantId, String key, JsonObject payload,
      Instant dueAt) {
    return client.preparedQuery(ENQUEUE)
        .execute(Tuple.of(queue, tenantId, key, payload == null ? new JsonObject() : payload, toTime(dueAt)))
        .map(rows -> Rows.first(rows, row -> row.getLong(0)));
  }

  /**
   * {@link #enqueue} of many keyed jobs in one statement (the same lengths; a null due time is now):
   * a key already waiting or held is left as it is. Returns how many were added.
   */
  public Future<Integer> enqueueAll(SqlClient client, String queue, String tenantId, List<String> keys,
      List<JsonObject> payloads, List<Instant> dueAts) {
    if (keys.size() != payloads.size() || keys.size() != dueAts.size()) {
      throw new IllegalArgumentException("keys, payloads and due times must have the same length");
    }
    if (keys.isEmpty()) {
      return Future.succeededFuture(0);
    }
    OffsetDateTime[] due = dueAts.stream().map(JobQueue::toTime).toArray(OffsetDateTime[]::new);
    return client.preparedQuery(ENQUEUE_ALL)
        .execute(Tuple.of(queue, tenantId).addArrayOfString(keys.toArray(String[]::new))
            .addArrayOfJsonObject(payloads.toArray(JsonObject[]::new)).addArrayOfOffsetDateTime(due))
        .map(rows -> rows.rowCount());
  }

  /**
   * Claims up to {@code max} jobs of the queue that are due and whose lease is free or expired, oldest
   * due first, leasing them to {@code owner} for {@code lease} from now (the database's clock); each
   * claim adds one to the job's attempts. One statement, committed on its own: two claimers never get
   * the same job while its lease holds (a job locked by a concurrent claim is skipped, not waited
   * for), and a job whose lease expired (its owner died or was too slow) is claimed again.
   *
   * @return the claimed jobs, oldest due first; empty when none is due and free
   */
  public Future<List<Job>> claim(String queue, String owner, int max, Duration lease) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1: " + max);
    }
    return pool.preparedQuery(CLAIM).execute(Tuple.of(queue, owner, max, millis(lease)))
        .map(rows -> {
          List<Job> jobs = Rows.all(rows, JobQueue::job);
          // RETURNING follows no order
          jobs.sort(Comparator.comparing(Job::dueAt).thenComparingLong(Job::id));
          return jobs;
        });
  }

  /**
   * Deletes the job, in the caller's transaction, if {@code owner} still holds it: true. False when
   * another owner claimed it since (this owner's lease expired), or it was deleted: the caller's
   * effects then must not count as the job's outcome (roll the transaction back). A lease that
   * expired but was not claimed again is still this owner's, so completing it succeeds. Until the
   * transaction ends the job stays locked, and no claimer takes it.
   */
  public Future<Boolean> complete(SqlClient client, long id, String owner) {
    return client.preparedQuery(COMPLETE).execute(Tuple.of(id, owner)).map(rows -> rows.rowCount() == 1);
  }

  /** {@link #complete} of many jobs of one owner in one statement; returns how many were still its. */
  public Future<Integer> completeAll(SqlClient client, List<Long> ids, String owner) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return client.preparedQuery(COMPLETE_ALL).execute(Tuple.tuple().addArrayOfLong(ids.toArray(Long[]::new))
            .addString(owner))
        .map(rows -> rows.rowCount());
  }

  /**
   * Gives the job back, in the caller's transaction, to be due again at {@code dueAt} (null: now), with
   * its payload replaced by {@code payload} when that is not null, if {@code owner} still holds it
   * (as in {@link #complete}): true; false, changing nothing, otherwise. Its attempts are kept.
   */
  public Future<Boolean> reschedule(SqlClient client, long id, String owner, Instant dueAt, JsonObject payload) {
    return client.preparedQuery(RESCHEDULE).execute(Tuple.of(id, owner, toTime(dueAt), payload))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Extends the lease of a job {@code owner} holds (as in {@link #complete}) to {@code lease} from now:
   * true; false when another owner has it, or it is gone. For work that may outlast its lease.
   */
  public Future<Boolean> extend(long id, String owner, Duration lease) {
    return pool.preparedQuery(EXTEND).execute(Tuple.of(id, owner, millis(lease))).map(rows -> rows.rowCount() == 1);
  }

  /**
   * Deletes, in the caller's transaction, the waiting jobs (not leased, or with an expired lease) of
   * one queue and tenant whose payload contains {@code contains} (jsonb {@code @>}): cancelling
   * everything of one campaign, say. Jobs held under a live lease are left to their owners, who find
   * out through their own state (e.g. the campaign's status) that the work is no longer wanted.
   *
   * @return how many jobs were deleted
   */
  public Future<Integer> deleteWaiting(SqlClient client, String queue, String tenantId, JsonObject contains) {
    return client.preparedQuery(DELETE_WAITING).execute(Tuple.of(queue, tenantId, contains))
        .map(rows -> rows.rowCount());
  }

  /**
   * Makes the waiting job of {@code key} due now, in the caller's transaction: true when a job of that
   * key is in the queue (moved to now, or held under a live lease and so being worked), false when
   * there is none (enqueue one).
   */
  public Future<Boolean> dueNow(SqlClient client, String queue, String key) {
    return client.preparedQuery(DUE_NOW).execute(Tuple.of(queue, key)).map(rows -> rows.iterator().next().getBoolean(0));
  }

  /** How many jobs wait in the queue, due or not yet due, and not held under a live lease (for metrics and tests). */
  public Future<Long> size(String queue) {
    return pool.preparedQuery(SIZE).execute(Tuple.of(queue)).map(rows -> rows.iterator().next().getLong(0));
  }

  private static Job job(Row row) {
    return new Job(row.getLong("id"), row.getString("queue"), row.getString("tenant_id"), row.getString("job_key"),
        row.getJsonObject("payload"), row.getOffsetDateTime("due_at"), row.getInteger("attempts"),
        row.getString("lease_owner"));
  }

  private static OffsetDateTime toTime(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static long millis(Duration lease) {
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("a lease must be positive: " + lease);
    }
    return lease.toMillis();
  }
}
