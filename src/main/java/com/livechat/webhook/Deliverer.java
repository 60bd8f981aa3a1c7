package com.livechat.webhook;

import com.livechat.queue.JobQueue;
import com.livechat.queue.JobQueue.Job;
import com.livechat.store.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works claimed delivery jobs: their deliveries and endpoints read in one statement, each body
 * signed (the current secret, and the rotated-out one while it still signs) and sent
 * ({@link Sender}), and the outcomes recorded with each job's next step. Outcomes are committed in
 * groups (those that arrive within a few milliseconds of each other, one transaction): delivered
 * (the job done, the endpoint's failure clock cleared); else the next retry
 * ({@link RetrySchedule}) or {@code failed}, a 410 or five days of failures disabling the
 * endpoint. A disabled endpoint's delivery stays pending, its job done; enabling the endpoint
 * queues it again. Runs on the webhook verticle's context.
 */
final class Deliverer {

  private static final Logger LOG = LoggerFactory.getLogger(Deliverer.class);
  static final String USER_AGENT = "livechat-webhooks/1";
  /** Outcomes wait at most this long for others to share their transaction. */
  static final long GROUP_MS = 2;
  static final int GROUP_MAX = 100;

  /** An attempt's outcome waiting for its group's transaction. */
  private record Settled(Job job, Delivery delivery, Endpoint endpoint, Sender.Outcome outcome, Promise<Void> done) {}

  private final WebhookStore store;
  private final JobQueue jobs;
  private final SecretBox secrets;
  private final Sender sender;
  private final Clock clock;
  private final DoubleSupplier jitter;
  private Vertx vertx;
  private List<Settled> group = new ArrayList<>();
  static final int OPENED_MAX = 1_000;
  /** Opened secrets, least recently used first; used on the verticle's context only. */
  private final Map<String, String> opened = new java.util.LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > OPENED_MAX;
    }
  };
  private boolean flushScheduled;
  /** The node is stopping: failures of work under way (the pool closing) are expected, not worth a WARN. */
  private volatile boolean stopping;

  /** @param jitter values in [-1, 1] (the share of the schedule's ±10 %) */
  Deliverer(WebhookStore store, JobQueue jobs, SecretBox secrets, Sender sender, Clock clock, DoubleSupplier jitter) {
    this.store = store;
    this.jobs = jobs;
    this.secrets = secrets;
    this.sender = sender;
    this.clock = clock;
    this.jitter = jitter;
  }

  void stopping() {
    stopping = true;
  }

  /** A WARN, or a DEBUG while the node stops (its database pool closes under the work in flight). */
  private void warn(String message, Object... args) {
    if (stopping) {
      LOG.debug(message, args);
    } else {
      LOG.warn(message, args);
    }
  }

  /** The verticle's Vert.x, for the group timer. */
  void on(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Works the jobs; each future completes when its outcome is recorded (or failed to be: the job is
   * then left to its lease, and the delivery is sent again). Never fails.
   */
  List<Future<Void>> work(List<Job> claimed) {
    return work(claimed.stream().map(job -> job.payload().getString("deliveryId")).toList(), claimed);
  }

  /**
   * First attempts this node just made (no jobs), as the fan-out has them in hand: sent now; a
   * failure's retry gets a job. An outcome not recorded (this node died) is picked up by the sweep
   * at the delivery's lease.
   */
  List<Future<Void>> send(List<WebhookStore.Due> fresh) {
    List<Future<Void>> all = new ArrayList<>(fresh.size());
    for (WebhookStore.Due due : fresh) {
      Promise<Void> done = Promise.promise();
      attempt(null, due.delivery(), due.endpoint(), done);
      all.add(done.future());
    }
    return all;
  }

  /** {@code claimed.get(i)} is the job of {@code ids.get(i)}. */
  private List<Future<Void>> work(List<String> ids, List<Job> claimed) {
    List<Promise<Void>> done = new ArrayList<>();
    claimed.forEach(job -> done.add(Promise.promise()));
    store.due(ids).onComplete(ar -> {
      if (ar.failed()) {
        warn("webhook deliveries not read; they are sent when their leases end", ar.cause());
        done.forEach(Promise::tryComplete);
        return;
      }
      Map<String, WebhookStore.Due> byId = new HashMap<>();
      ar.result().forEach(due -> byId.put(due.delivery().id(), due));
      List<Job> idle = new ArrayList<>();
      for (int i = 0; i < claimed.size(); i++) {
        Job job = claimed.get(i);
        WebhookStore.Due due = byId.get(ids.get(i));
        if (due == null || job != null && !due.delivery().tenantId().equals(job.tenantId())
            || !due.delivery().status().equals("pending") || !due.endpoint().enabled()
            || due.delivery().body() == null) {
          // gone with its endpoint (or its log entry with its tenant), sent meanwhile, or held while
          // its endpoint is disabled
          if (job != null) {
            idle.add(job);
          }
          done.get(i).tryComplete();
        } else {
          attempt(job, due.delivery(), due.endpoint(), done.get(i));
        }
      }
      if (!idle.isEmpty()) {
        store.pool().withTransaction(tx -> jobs.completeAll(tx, idle.stream().map(Job::id).toList(),
            idle.get(0).leaseOwner())).onFailure(err -> warn("webhook jobs not completed", err));
      }
    });
    return done.stream().map(Promise::future).toList();
  }

  private void attempt(Job job, Delivery delivery, Endpoint endpoint, Promise<Void> done) {
    Instant now = clock.instant();
    long timestamp = now.getEpochSecond();
    List<String> keys = new ArrayList<>();
    try {
      keys.add(opened(endpoint.secretSealed(), endpoint.id()));
      if (endpoint.previousSecretSealed() != null && endpoint.previousSecretUntil() != null
          && endpoint.previousSecretUntil().toInstant().isAfter(now)) {
        keys.add(opened(endpoint.previousSecretSealed(), endpoint.id()));
      }
    } catch (IllegalStateException e) {
      LOG.warn("the secret of webhook {} does not open with this node's secrets.key (every node needs the same "
          + "key); its delivery {} is left to its lease", endpoint.id(), delivery.id());
      done.tryComplete();
      return;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("content-type", "application/json")
        .add("user-agent", USER_AGENT)
        .add("webhook-id", delivery.eventId())
        .add("webhook-timestamp", Long.toString(timestamp))
        .add("webhook-signature", WebhookSignature.header(keys, delivery.eventId(), timestamp, delivery.body()));
    sender.send(endpoint.url(), delivery.body(), headers)
        .onComplete(ar -> settle(new Settled(job, delivery, endpoint, ar.result(), done)));
  }

  /**
   * A sealed secret opened, from the last {@link #OPENED_MAX} opened on this node (each delivery
   * would otherwise decrypt its endpoint's secret again). Keyed by the sealed bytes themselves: a
   * rotation seals a new value, which is opened anew.
   */
  private String opened(byte[] sealed, String endpointId) {
    String key = endpointId + ':' + java.util.Base64.getEncoder().encodeToString(sealed);
    String secret = opened.get(key);
    if (secret == null) {
      secret = secrets.open(sealed, endpointId);
      opened.put(key, secret);
    }
    return secret;
  }

  private void settle(Settled settled) {
    group.add(settled);
    if (group.size() >= GROUP_MAX) {
      flush();
    } else if (!flushScheduled) {
      flushScheduled = true;
      vertx.setTimer(GROUP_MS, id -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    if (group.isEmpty()) {
      return;
    }
    List<Settled> batch = group;
    group = new ArrayList<>();
    store.pool().withTransaction(tx -> store.asyncCommit(tx).compose(v -> record(tx, batch))).onComplete(ar -> {
      if (ar.failed()) {
        warn("{} webhook outcomes not recorded; those deliveries are sent again when their leases end",
            batch.size(), ar.cause());
      }
      batch.forEach(s -> s.done().tryComplete());
    });
  }

  /** The group's outcomes: the successes in two statements, each failure on its own. */
  private Future<Void> record(SqlClient tx, List<Settled> batch) {
    List<String> deliveredIds = new ArrayList<>();
    List<Integer> codes = new ArrayList<>();
    List<Long> doneJobs = new ArrayList<>();
    List<String> recovered = new ArrayList<>();
    Future<Void> failures = Future.succeededFuture();
    String owner = batch.stream().filter(s -> s.job() != null).map(s -> s.job().leaseOwner()).findFirst().orElse("");
    for (Settled s : batch) {
      if (s.outcome().delivered()) {
        deliveredIds.add(s.delivery().id());
        codes.add(s.outcome().status());
        if (s.job() != null) {
          doneJobs.add(s.job().id());
        }
        if (s.endpoint().failingSince() != null && !recovered.contains(s.endpoint().id())) {
          recovered.add(s.endpoint().id());
        }
      } else {
        failures = failures.compose(v -> failed(tx, s));
      }
    }
    Future<Void> successes = store.delivered(tx, deliveredIds, codes)
        .compose(v -> jobs.completeAll(tx, doneJobs, owner)).mapEmpty();
    for (String endpointId : recovered) {
      successes = successes.compose(v -> store.succeeded(tx, endpointId));
    }
    Future<Void> failed = failures;
    return successes.compose(v -> failed);
  }

  private Future<Void> failed(SqlClient tx, Settled s) {
    Sender.Outcome outcome = s.outcome();
    Job job = s.job();
    int attempt = s.delivery().attempts() + 1;
    Duration wait = RetrySchedule.after(attempt, jitter.getAsDouble(), outcome.retryAfter());
    Instant next = wait == null ? null : clock.instant().plus(wait);
    return store.record(tx, s.delivery().id(), wait == null ? "failed" : "pending", outcome.status(), outcome.error(),
            next)
        .compose(v -> store.failed(tx, s.endpoint().id(), outcome.gone()))
        .compose(enabled -> {
          if (!enabled) {
            LOG.info("webhook {} of tenant {} disabled: {}", s.endpoint().id(), s.endpoint().tenantId(),
                outcome.gone() ? "its receiver answered 410" : "5 days of failed deliveries");
          }
          // disabled: the delivery waits, pending, for the endpoint to be enabled again
          boolean again = wait != null && enabled;
          if (job == null) {
            // a first attempt: its retry is a job from now on
            return again ? jobs.enqueue(tx, Webhooks.QUEUE, s.delivery().tenantId(), s.delivery().id(),
                Webhooks.payload(s.delivery().id(), s.endpoint().id()), next).mapEmpty() : Future.succeededFuture();
          }
          return again ? jobs.reschedule(tx, job.id(), job.leaseOwner(), next, null)
              : jobs.complete(tx, job.id(), job.leaseOwner());
        }).mapEmpty();
  }
}
