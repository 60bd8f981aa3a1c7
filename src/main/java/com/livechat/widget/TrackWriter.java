package com.livechat.widget;

import com.livechat.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit for tracked events. Requests that arrive while earlier batches are being written
 * queue up and go out together as one multi-row INSERT; each request is answered only once the
 * transaction holding its row has committed. Owned by one verticle instance and used only on its
 * event loop, so it needs no locks.
 */
public final class TrackWriter {

  private record Pending(TrackStore.TrackedEvent event, Promise<Void> done) {}

  private final TrackStore store;
  private final Metrics metrics;
  private final int maxBatch;
  private final int maxInFlight;
  private List<Pending> queue = new ArrayList<>();
  private int inFlight;

  public TrackWriter(TrackStore store, Metrics metrics, int maxBatch, int maxInFlight) {
    this.store = store;
    this.metrics = metrics;
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
  }

  public Future<Void> submit(TrackStore.TrackedEvent event) {
    Promise<Void> done = Promise.promise();
    queue.add(new Pending(event, done));
    flush();
    return done.future();
  }

  private void flush() {
    while (!queue.isEmpty() && inFlight < maxInFlight) {
      List<Pending> batch;
      if (queue.size() <= maxBatch) {
        batch = queue;
        queue = new ArrayList<>();
      } else {
        batch = new ArrayList<>(queue.subList(0, maxBatch));
        queue = new ArrayList<>(queue.subList(maxBatch, queue.size()));
      }
      inFlight++;
      List<TrackStore.TrackedEvent> events = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        events.add(p.event());
      }
      store.insertBatch(events).onComplete(ar -> {
        inFlight--;
        if (ar.succeeded()) {
          metrics.trackBatchStored(batch.size());
        }
        for (Pending p : batch) {
          if (ar.succeeded()) {
            p.done().complete();
          } else {
            p.done().fail(ar.cause());
          }
        }
        flush();
      });
    }
  }
}
