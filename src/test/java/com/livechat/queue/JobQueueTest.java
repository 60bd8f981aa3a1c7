package com.livechat.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.config.AppConfig;
import com.livechat.queue.JobQueue.Job;
import com.livechat.store.Database;
import com.livechat.store.Ids;
import com.livechat.support.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The queue against a real, migrated PostgreSQL; each test uses a queue name of its own. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobQueueTest {

  private static final Duration LONG_LEASE = Duration.ofMinutes(5);
  private static final Duration SHORT_LEASE = Duration.ofMillis(300);

  private Vertx vertx;
  private Database database;
  private Pool pool;
  private JobQueue jobs;
  private String tenant;

  @BeforeAll
  void openDatabase() {
    database = Database.open(new AppConfig.Db(TestDatabase.createDatabase(), 8, 0), Path.of("unused"));
    database.migrate();
    vertx = Vertx.vertx();
    pool = database.createPool(vertx, 8);
    jobs = new JobQueue(pool);
    tenant = newTenant();
  }

  @AfterAll
  void close() {
    pool.close().await();
    vertx.close().await();
    database.close();
  }

  @Test
  void aJobEnqueuedIsClaimedAndCompletedOnce() {
    String queue = queue();
    JsonObject payload = new JsonObject().put("contactId", "c-1");
    long id = jobs.enqueue(pool, queue, tenant, null, payload, null).await();

    List<Job> claimed = jobs.claim(queue, "node-a", 10, LONG_LEASE).await();
    assertThat(claimed).singleElement().satisfies(job -> {
      assertThat(job.id()).isEqualTo(id);
      assertThat(job.queue()).isEqualTo(queue);
      assertThat(job.tenantId()).isEqualTo(tenant);
      assertThat(job.key()).isNull();
      assertThat(job.payload()).isEqualTo(payload);
      assertThat(job.attempts()).isEqualTo(1);
      assertThat(job.leaseOwner()).isEqualTo("node-a");
    });
    assertThat(jobs.claim(queue, "node-b", 10, LONG_LEASE).await()).isEmpty();

    assertThat(jobs.complete(pool, id, "node-a").await()).isTrue();
    assertThat(jobs.complete(pool, id, "node-a").await()).isFalse();
    assertThat(count(queue)).isZero();
  }

  @Test
  void manyJobsAreEnqueuedInOneStatementAndAKeyAlreadyQueuedIsLeftAsItIs() {
    String queue = queue();
    jobs.enqueue(pool, queue, tenant, "b", new JsonObject().put("n", "first"), null).await();
    Instant later = Instant.now().plus(1, ChronoUnit.HOURS);
    int added = jobs.enqueueAll(pool, queue, tenant, List.of("a", "b", "c"),
        List.of(new JsonObject().put("n", "a"), new JsonObject().put("n", "second"), new JsonObject().put("n", "c")),
        java.util.Arrays.asList(null, null, later)).await();
    assertThat(added).isEqualTo(2);
    assertThat(count(queue)).isEqualTo(3);
    // "c" is not due yet; "b" kept its first payload
    List<Job> claimed = jobs.claim(queue, "node-a", 10, LONG_LEASE).await();
    assertThat(claimed).extracting(Job::key).containsExactlyInAnyOrder("a", "b");
    assertThat(claimed).filteredOn(j -> j.key().equals("b")).singleElement()
        .satisfies(j -> assertThat(j.payload().getString("n")).isEqualTo("first"));
    assertThat(jobs.enqueueAll(pool, queue, tenant, List.of(), List.of(), List.of()).await()).isZero();
  }

  @Test
  void anEnqueueRolledBackLeavesNoJob() {
    String queue = queue();
    pool.withTransaction(tx -> jobs.enqueue(tx, queue, tenant, "k", null, null)
        .compose(id -> Future.failedFuture("the caller's effects failed"))).otherwiseEmpty().await();
    assertThat(count(queue)).isZero();
  }

  @Test
  void aJobNotYetDueIsNotClaimed() {
    String queue = queue();
    jobs.enqueue(pool, queue, tenant, null, null, Instant.now().plus(1, ChronoUnit.HOURS)).await();
    long due = jobs.enqueue(pool, queue, tenant, null, null, Instant.now().minusSeconds(1)).await();

    assertThat(jobs.claim(queue, "node-a", 10, LONG_LEASE).await()).extracting(Job::id).containsExactly(due);
    assertThat(jobs.size(queue).await()).isEqualTo(1);
  }

  @Test
  void jobsAreClaimedOldestDueFirstUpToMax() {
    String queue = queue();
    Instant now = Instant.now();
    long third = jobs.enqueue(pool, queue, tenant, null, null, now.minusSeconds(10)).await();
    long first = jobs.enqueue(pool, queue, tenant, null, null, now.minusSeconds(30)).await();
    long second = jobs.enqueue(pool, queue, tenant, null, null, now.minusSeconds(20)).await();

    assertThat(jobs.claim(queue, "node-a", 2, LONG_LEASE).await()).extracting(Job::id).containsExactly(first, second);
    assertThat(jobs.claim(queue, "node-a", 2, LONG_LEASE).await()).extracting(Job::id).containsExactly(third);
  }

  @Test
  void aKeyedJobIsEnqueuedOnceWhileItIsInTheQueue() {
    String queue = queue();
    Long id = jobs.enqueue(pool, queue, tenant, "contact-1", new JsonObject().put("n", 1), null).await();
    Long again = jobs.enqueue(pool, queue, tenant, "contact-1", new JsonObject().put("n", 2), null).await();
    assertThat(id).isNotNull();
    assertThat(again).isNull();
    assertThat(jobs.size(queue).await()).isEqualTo(1);

    // held, the key is still taken; completed, it is free again
    jobs.claim(queue, "node-a", 10, LONG_LEASE).await();
    assertThat(jobs.enqueue(pool, queue, tenant, "contact-1", null, null).await()).isNull();
    jobs.complete(pool, id, "node-a").await();
    assertThat(jobs.enqueue(pool, queue, tenant, "contact-1", null, null).await()).isNotNull();

    // the same key in another queue, and jobs without a key, do not collide
    assertThat(jobs.enqueue(pool, queue(), tenant, "contact-1", null, null).await()).isNotNull();
    assertThat(jobs.enqueue(pool, queue, tenant, null, null, null).await()).isNotNull();
    assertThat(jobs.enqueue(pool, queue, tenant, null, null, null).await()).isNotNull();
    assertThat(count(queue)).isEqualTo(3);
  }

  @Test
  void aLeasedJobIsClaimedByAnotherOwnerOnlyAfterItsLeaseExpires() throws InterruptedException {
    String queue = queue();
    long id = jobs.enqueue(pool, queue, tenant, null, null, null).await();
    assertThat(jobs.claim(queue, "node-a", 10, SHORT_LEASE).await()).extracting(Job::id).containsExactly(id);
    assertThat(jobs.claim(queue, "node-b", 10, SHORT_LEASE).await()).isEmpty();
    assertThat(jobs.size(queue).await()).isZero();

    Thread.sleep(SHORT_LEASE.toMillis() + 150);
    assertThat(jobs.size(queue).await()).isEqualTo(1);
    assertThat(jobs.claim(queue, "node-b", 10, LONG_LEASE).await()).singleElement().satisfies(job -> {
      assertThat(job.id()).isEqualTo(id);
      assertThat(job.leaseOwner()).isEqualTo("node-b");
      assertThat(job.attempts()).isEqualTo(2);
    });
  }

  @Test
  void anExtendedLeaseKeepsTheJob() throws InterruptedException {
    String queue = queue();
    long id = jobs.enqueue(pool, queue, tenant, null, null, null).await();
    jobs.claim(queue, "node-a", 10, SHORT_LEASE).await();
    assertThat(jobs.extend(id, "node-a", LONG_LEASE).await()).isTrue();
    assertThat(jobs.extend(id, "node-b", LONG_LEASE).await()).isFalse();

    Thread.sleep(SHORT_LEASE.toMillis() + 150);
    assertThat(jobs.claim(queue, "node-b", 10, LONG_LEASE).await()).isEmpty();
    assertThat(jobs.complete(pool, id, "node-a").await()).isTrue();
  }

  @Test
  void theFormerOwnerOfAnExpiredLeaseCanNeitherCompleteNorRescheduleIt() throws InterruptedException {
    String queue = queue();
    JsonObject payload = new JsonObject().put("contactId", "c-1");
    long id = jobs.enqueue(pool, queue, tenant, null, payload, null).await();
    jobs.claim(queue, "node-a", 10, SHORT_LEASE).await();
    Thread.sleep(SHORT_LEASE.toMillis() + 150);
    assertThat(jobs.claim(queue, "node-b", 10, LONG_LEASE).await()).extracting(Job::id).containsExactly(id);
    Row before = row(id);

    assertThat(jobs.complete(pool, id, "node-a").await()).isFalse();
    assertThat(jobs.reschedule(pool, id, "node-a", Instant.now().plusSeconds(60), new JsonObject().put("x", 1))
        .await()).isFalse();
    assertThat(jobs.extend(id, "node-a", LONG_LEASE).await()).isFalse();

    Row after = row(id);
    assertThat(after.toJson()).isEqualTo(before.toJson());
    assertThat(after.getString("lease_owner")).isEqualTo("node-b");
    assertThat(after.getJsonObject("payload")).isEqualTo(payload);
    assertThat(jobs.complete(pool, id, "node-b").await()).isTrue();
  }

  @Test
  void aRescheduledJobIsDueLaterWithItsNewPayload() throws InterruptedException {
    String queue = queue();
    long id = jobs.enqueue(pool, queue, tenant, "contact-1", new JsonObject().put("try", 1), null).await();
    jobs.claim(queue, "node-a", 10, LONG_LEASE).await();

    Instant later = Instant.now().plusMillis(400).truncatedTo(ChronoUnit.MILLIS);
    assertThat(jobs.reschedule(pool, id, "node-a", later, new JsonObject().put("try", 2)).await()).isTrue();
    Row row = row(id);
    assertThat(row.getOffsetDateTime("due_at").toInstant()).isEqualTo(later);
    assertThat(row.getString("lease_owner")).isNull();
    assertThat(row.getValue("lease_expires_at")).isNull();
    assertThat(jobs.size(queue).await()).isEqualTo(1);
    assertThat(jobs.claim(queue, "node-b", 10, LONG_LEASE).await()).isEmpty();

    Thread.sleep(Math.max(0, Duration.between(Instant.now(), later).toMillis()) + 100);
    assertThat(jobs.claim(queue, "node-b", 10, LONG_LEASE).await()).singleElement().satisfies(job -> {
      assertThat(job.id()).isEqualTo(id);
      assertThat(job.key()).isEqualTo("contact-1");
      assertThat(job.payload()).isEqualTo(new JsonObject().put("try", 2));
      assertThat(job.attempts()).isEqualTo(2);
    });

    // without a payload the payload stays; without a time it is due now
    assertThat(jobs.reschedule(pool, id, "node-b", null, null).await()).isTrue();
    assertThat(jobs.claim(queue, "node-c", 10, LONG_LEASE).await()).singleElement()
        .satisfies(job -> assertThat(job.payload()).isEqualTo(new JsonObject().put("try", 2)));
  }

  @Test
  void attemptsCountClaims() throws InterruptedException {
    String queue = queue();
    long id = jobs.enqueue(pool, queue, tenant, null, null, null).await();
    for (int attempt = 1; attempt <= 3; attempt++) {
      assertThat(jobs.claim(queue, "node-" + attempt, 10, SHORT_LEASE).await()).singleElement()
          .extracting(Job::attempts).isEqualTo(attempt);
      if (attempt == 2) {
        jobs.reschedule(pool, id, "node-2", null, null).await();
      } else {
        Thread.sleep(SHORT_LEASE.toMillis() + 100);
      }
    }
    assertThat(row(id).getInteger("attempts")).isEqualTo(3);
  }

  @Test
  void completingInTheCallersTransactionIsUndoneWithIt() {
    String queue = queue();
    long id = jobs.enqueue(pool, queue, tenant, null, null, null).await();
    jobs.claim(queue, "node-a", 10, LONG_LEASE).await();
    pool.withTransaction(tx -> jobs.complete(tx, id, "node-a")
        .compose(done -> Future.failedFuture("the job's effects failed"))).otherwiseEmpty().await();
    assertThat(row(id).getString("lease_owner")).isEqualTo("node-a");
    assertThat(pool.withTransaction(tx -> jobs.complete(tx, id, "node-a")).await()).isTrue();
    assertThat(count(queue)).isZero();
  }

  @Test
  void deleteWaitingRemovesOnlyTheMatchingWaitingJobsOfThatTenantAndQueue() throws InterruptedException {
    String queue = queue();
    String other = newTenant();
    JsonObject campaign = new JsonObject().put("campaignId", "cmp-1");
    List<Long> matching = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      matching.add(jobs.enqueue(pool, queue, tenant, null, campaign.copy().put("contactId", "c-" + i), null).await());
    }
    matching.add(jobs.enqueue(pool, queue, tenant, null, campaign.copy().put("contactId", "c-later"),
        Instant.now().plus(1, ChronoUnit.DAYS)).await());
    long otherCampaign = jobs.enqueue(pool, queue, tenant, null, new JsonObject().put("campaignId", "cmp-2"), null).await();
    long otherTenant = jobs.enqueue(pool, queue, other, null, campaign.copy(), null).await();
    String otherQueue = queue();
    long inOtherQueue = jobs.enqueue(pool, otherQueue, tenant, null, campaign.copy(), null).await();

    // two of the matching jobs are claimed: one lease holds, the other expires
    List<Job> held = jobs.claim(queue, "node-a", 1, LONG_LEASE).await();
    assertThat(held).extracting(Job::id).containsExactly(matching.get(0));
    assertThat(jobs.claim(queue, "node-b", 1, SHORT_LEASE).await()).extracting(Job::id).containsExactly(matching.get(1));
    Thread.sleep(SHORT_LEASE.toMillis() + 150);

    int deleted = pool.withTransaction(tx -> jobs.deleteWaiting(tx, queue, tenant, campaign)).await();
    assertThat(deleted).isEqualTo(3);
    assertThat(ids(queue)).containsExactlyInAnyOrder(matching.get(0), otherCampaign, otherTenant);
    assertThat(ids(otherQueue)).containsExactly(inOtherQueue);
    assertThat(jobs.complete(pool, matching.get(0), "node-a").await()).isTrue();
    assertThat(jobs.complete(pool, matching.get(1), "node-b").await()).isFalse();
  }

  @Test
  void fourClaimersDrainingTwoThousandJobsClaimEachExactlyOnce() {
    String queue = queue();
    int total = 2_000;
    List<Tuple> rows = IntStream.range(0, total)
        .mapToObj(i -> Tuple.of(queue, tenant, new JsonObject().put("n", i)))
        .toList();
    pool.preparedQuery("INSERT INTO jobs (queue, tenant_id, payload) VALUES ($1, $2, $3)").executeBatch(rows).await();
    Set<Long> enqueued = new HashSet<>(ids(queue));
    assertThat(enqueued).hasSize(total);

    ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
    List<Integer> claimsPerOwner = new ArrayList<>();
    List<Future<Integer>> claimers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      claimers.add(drain(queue, "node-" + i, claimed, 0));
    }
    Future.all(claimers).await();
    for (Future<Integer> claimer : claimers) {
      claimsPerOwner.add(claimer.result());
    }

    List<Long> all = new ArrayList<>(claimed);
    assertThat(all).hasSize(total).doesNotHaveDuplicates();
    assertThat(new HashSet<>(all)).isEqualTo(enqueued);
    // every claimer took part (they ran side by side, not one after the other)
    assertThat(claimsPerOwner).allSatisfy(n -> assertThat(n).isPositive());
    assertThat(jobs.size(queue).await()).isZero();
    RowSet<Row> attempts = sql("SELECT DISTINCT attempts FROM jobs WHERE queue = $1", queue);
    assertThat(attempts).extracting(row -> row.getInteger(0)).containsExactly(1);
  }

  /** One claimer's loop: claims small batches until none is left; returns how many jobs it claimed. */
  private Future<Integer> drain(String queue, String owner, ConcurrentLinkedQueue<Long> claimed, int sofar) {
    return jobs.claim(queue, owner, 10, LONG_LEASE).compose(batch -> {
      if (batch.isEmpty()) {
        return Future.succeededFuture(sofar);
      }
      batch.forEach(job -> claimed.add(job.id()));
      return drain(queue, owner, claimed, sofar + batch.size());
    });
  }

  private String newTenant() {
    String id = Ids.next("tnt");
    sql("INSERT INTO tenants (id, name, widget_config) VALUES ($1, 'Queue test', '{}')", id);
    return id;
  }

  private static String queue() {
    return Ids.next("q");
  }

  private long count(String queue) {
    return sql("SELECT count(*) FROM jobs WHERE queue = $1", queue).iterator().next().getLong(0);
  }

  private List<Long> ids(String queue) {
    List<Long> ids = new ArrayList<>();
    sql("SELECT id FROM jobs WHERE queue = $1", queue).forEach(row -> ids.add(row.getLong(0)));
    return ids;
  }

  private Row row(long id) {
    return sql("SELECT * FROM jobs WHERE id = $1", id).iterator().next();
  }

  private RowSet<Row> sql(String sql, Object... params) {
    return pool.preparedQuery(sql).execute(Tuple.from(params)).await();
  }
}
