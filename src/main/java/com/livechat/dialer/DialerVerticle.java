package com.livechat.dialer;

import com.livechat.queue.JobQueue;
import com.livechat.queue.JobQueue.Job;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dialer of one node (one instance per node): claims due dial attempts from the job queue
 * (FOR UPDATE SKIP LOCKED, under a lease in this node's name) and works them, looking again at
 * once while it finds work and every {@code campaigns.dialerPollMs} when it does not; and once a
 * second sends the campaign:progress of campaigns whose counts changed (at most one a second per
 * campaign across the cluster: the node that takes the campaign's turn sends it).
 */
public final class DialerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DialerVerticle.class);

  private final Dialer dialer;
  private final Progress progress;
  private final JobQueue jobs;
  private final int batch;
  private final long pollMs;
  private final Duration lease;
  private volatile boolean stopped;
  private long progressTimer;

  DialerVerticle(Dialer dialer, Progress progress, JobQueue jobs, int batch, long pollMs, Duration lease) {
    this.dialer = dialer;
    this.progress = progress;
    this.jobs = jobs;
    this.batch = batch;
    this.pollMs = pollMs;
    this.lease = lease;
  }

  @Override
  public Future<?> start() {
    vertx.setTimer(pollMs, id -> poll());
    progressTimer = vertx.setTimer(1000, id -> tick());
    return Future.succeededFuture();
  }

  /** A tick a second after the last one ended (a slow tick does not pile up behind itself). */
  private void tick() {
    progress.tick().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("campaign ticker failed (progress, completion or sweep); trying again in a second", ar.cause());
      }
      if (!stopped) {
        progressTimer = vertx.setTimer(1000, id -> tick());
      }
    });
  }

  private void poll() {
    if (stopped) {
      return;
    }
    jobs.claim(Dialer.QUEUE, dialer.owner(), batch, lease)
        .compose(claimed -> work(claimed).map(claimed.size()))
        .onComplete(ar -> {
          // a claim still running when the node stops fails as its pool closes: nothing to report
          if (ar.failed() && !stopped) {
            LOG.warn("dialer could not claim attempts", ar.cause());
          }
          boolean more = ar.succeeded() && ar.result() == batch;
          if (!stopped) {
            vertx.setTimer(more ? 1 : pollMs, id -> poll());
          }
        });
  }

  /**
   * One job after the other: each first transaction takes its campaign's row lock, so running them
   * side by side would only hold connections waiting on each other; the carrier requests still
   * overlap.
   */
  private Future<Void> work(List<Job> claimed) {
    Future<Void> chain = Future.succeededFuture();
    for (Job job : claimed) {
      chain = chain.compose(v -> dialer.work(job));
    }
    return chain;
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(progressTimer);
    return Future.succeededFuture();
  }
}
