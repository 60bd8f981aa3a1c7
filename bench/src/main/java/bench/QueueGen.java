package bench;

import com.livechat.queue.JobQueue;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The job queue alone (com.livechat.queue.JobQueue, the server's own class), for
 * bench/campaign-queue.sh: how many jobs a second it hands out and takes back when the work costs
 * nothing, so the dial attempts' own rate can be read against it.
 *
 * <ul>
 *   <li>{@code QueueGen enqueue <pgPort> <queue> <n>}: resets pg_stat_statements and enqueues n keyed
 *       jobs due now for the first tenant (batches of 1,000, as a campaign's start does);
 *   <li>{@code QueueGen work <pgPort> <queue> <owner> <batch> <workers>}: {@code workers} loops, each
 *       claiming up to {@code batch} jobs (one statement) and completing each in a transaction of its
 *       own (BEGIN, DELETE, COMMIT: as the dialer settles a job), until two claims in a row find
 *       nothing; prints {@code QUEUE owner=… jobs=… first_ms=… last_ms=…} (epoch ms of the first
 *       claim and the last completion);
 *   <li>{@code QueueGen stats <pgPort>}: prints {@code STATS statements=N} (pg_stat_statements calls
 *       since the reset, BEGIN and COMMIT included) and {@code LEFT jobs=N}.
 * </ul>
 */
public final class QueueGen {

  private QueueGen() {}

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    int workers = args[0].equals("work") ? Integer.parseInt(args[5]) : 1;
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(workers + 1))
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(Integer.parseInt(args[1]))
            .setDatabase("postgres").setUser("postgres").setPassword("postgres").setCachePreparedStatements(true))
        .using(vertx).build();
    try {
      switch (args[0]) {
        case "enqueue" -> enqueue(pool, args[2], Integer.parseInt(args[3]));
        case "work" -> work(vertx, pool, args[2], args[3], Integer.parseInt(args[4]), workers);
        case "stats" -> stats(pool);
        default -> throw new IllegalArgumentException("enqueue | work | stats: " + args[0]);
      }
    } finally {
      pool.close().await();
      vertx.close().await();
    }
  }

  private static void enqueue(Pool pool, String queue, int n) {
    JobQueue jobs = new JobQueue(pool);
    String tenant = pool.query("SELECT id FROM tenants ORDER BY created_at LIMIT 1").execute()
        .map(rows -> rows.iterator().next().getString(0)).await();
    pool.query("SELECT pg_stat_statements_reset()").execute().await();
    for (int from = 0; from < n; from += 1000) {
      int to = Math.min(n, from + 1000);
      List<String> keys = new ArrayList<>();
      List<JsonObject> payloads = new ArrayList<>();
      for (int i = from; i < to; i++) {
        keys.add(queue + "-" + i);
        payloads.add(new JsonObject().put("n", i));
      }
      int added = jobs.enqueueAll(pool, queue, tenant, keys, payloads, Collections.nCopies(keys.size(), null)).await();
      if (added != keys.size()) {
        throw new IllegalStateException("enqueued " + added + " of " + keys.size());
      }
    }
    pool.query("SELECT pg_stat_statements_reset()").execute().await();
    System.out.println("ENQUEUED jobs=" + n + " tenant=" + tenant);
  }

  private static void work(Vertx vertx, Pool pool, String queue, String owner, int batch, int workers) {
    JobQueue jobs = new JobQueue(pool);
    AtomicLong done = new AtomicLong();
    AtomicLong first = new AtomicLong(Long.MAX_VALUE);
    AtomicLong last = new AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      Promise<Void> finished = Promise.promise();
      String name = owner + "-" + w;
      vertx.runOnContext(v -> loop(jobs, pool, queue, name, batch, 0, done, first, last, finished));
      loops.add(finished.future());
    }
    Future.all(loops).await();
    System.out.println("QUEUE owner=" + owner + " jobs=" + done.get() + " first_ms=" + first.get() + " last_ms="
        + last.get());
  }

  private static void loop(JobQueue jobs, Pool pool, String queue, String owner, int batch, int empty,
      AtomicLong done, AtomicLong first, AtomicLong last, Promise<Void> finished) {
    long claimedAt = System.currentTimeMillis();
    jobs.claim(queue, owner, batch, Duration.ofSeconds(60)).compose(claimed -> {
      if (claimed.isEmpty()) {
        return Future.succeededFuture(0);
      }
      first.accumulateAndGet(claimedAt, Math::min);
      return Future.all(claimed.stream().map(job -> pool.withTransaction(tx -> jobs.complete(tx, job.id(), owner))
              .map(completed -> {
                if (!completed) {
                  throw new IllegalStateException("job " + job.id() + " was not " + owner + "'s any more");
                }
                done.incrementAndGet();
                last.accumulateAndGet(System.currentTimeMillis(), Math::max);
                return null;
              })).toList())
          .map(claimed.size());
    }).onComplete(ar -> {
      if (ar.failed()) {
        finished.fail(ar.cause());
        return;
      }
      int nowEmpty = ar.result() == 0 ? empty + 1 : 0;
      if (nowEmpty >= 2) {
        finished.complete();
      } else {
        loop(jobs, pool, queue, owner, batch, nowEmpty, done, first, last, finished);
      }
    });
  }

  private static void stats(Pool pool) {
    long statements = pool.query("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
            + "WHERE query NOT LIKE '%pg_stat_statements%'").execute()
        .map(rows -> rows.iterator().next().getLong(0)).await();
    long left = pool.query("SELECT count(*) FROM jobs WHERE queue LIKE 'bench.%'").execute()
        .map(rows -> rows.iterator().next().getLong(0)).await();
    System.out.println("STATS statements=" + statements);
    System.out.println("LEFT jobs=" + left);
  }
}
