package com.livechat.webhook;

import com.livechat.bus.Addresses;
import com.livechat.queue.JobQueue;
import com.livechat.queue.JobQueue.Job;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhooks of one node (one instance per node):
 * <ul>
 *   <li>the fan-out ({@link FanOut}): for a tenant with endpoints when this node committed one of
 *       its events ({@code outbox.committed}, node-local; the commits of {@link #GATHER_MS} go into
 *       one round), and for every endpoint behind its log every {@code webhooks.pollMs} (events
 *       committed on other nodes, a restart);
 *   <li>the deliveries: a fan-out's first attempts sent at once by this node; the retries, due
 *       jobs of {@code webhook.deliver}, claimed under this node's lease, up to {@code
 *       webhooks.maxInFlight} in flight, looked for every {@code webhooks.pollMs}, at once after an
 *       API change here, and when a delivery ends after a claim found no room.
 * </ul>
 */
public final class WebhookVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookVerticle.class);

  private final FanOut fanOut;
  private final WebhookStore store;
  private final Deliverer deliverer;
  private final JobQueue jobs;
  private final String owner;
  private final int maxInFlight;
  private final long pollMs;
  private final Duration lease;
  private final Set<String> fanningOut = new HashSet<>();
  private final Set<String> again = new HashSet<>();
  private final Set<String> tenantsRunning = new HashSet<>();
  private final Set<String> tenantsAgain = new HashSet<>();
  /** The endpoints of each tenant that has some, as of the last look (others' commits cost nothing here). */
  private Map<String, List<String>> endpointsOf = new HashMap<>();
  /** Tenants whose fan-out waits for {@link #GATHER_MS} to gather the commits of a burst into one round. */
  private final Set<String> gathering = new HashSet<>();
  /** A tenant's commits within this much of its first go into one fan-out round. */
  static final long GATHER_MS = 5;
  private int inFlight;
  private boolean claiming;
  private boolean claimAgain;
  /** A claim found no room: the next delivery done claims again. */
  private boolean starved;
  private volatile boolean stopped;
  private long timer;
  private MessageConsumer<JsonObject> committed;

  WebhookVerticle(FanOut fanOut, WebhookStore store, Deliverer deliverer, JobQueue jobs, String owner, int maxInFlight,
      long pollMs, Duration lease) {
    this.fanOut = fanOut;
    this.store = store;
    this.deliverer = deliverer;
    this.jobs = jobs;
    this.owner = owner;
    this.maxInFlight = maxInFlight;
    this.pollMs = pollMs;
    this.lease = lease;
  }

  @Override
  public Future<?> start() {
    deliverer.on(vertx);
    committed = vertx.eventBus().localConsumer(Addresses.OUTBOX_COMMITTED, message -> {
      String tenantId = message.body().getString("tenantId");
      if (tenantId == null) {
        return;
      }
      if (message.body().getBoolean("webhooks", false)) {
        // the webhook API itself: the tenant's endpoints changed; look them up now
        // (a delivery sent again on demand is a job: claimed now)
        store.endpointsOf(tenantId).onSuccess(ids -> {
          endpointsOf.put(tenantId, ids);
          fanOutTenant(tenantId);
          claim();
        });
      } else if (endpointsOf.containsKey(tenantId) && gathering.add(tenantId)) {
        vertx.setTimer(GATHER_MS, id -> {
          gathering.remove(tenantId);
          fanOutTenant(tenantId);
        });
      }
    });
    timer = vertx.setTimer(pollMs, id -> tick());
    return committed.completion().compose(v -> refreshTenants());
  }

  private Future<Void> refreshTenants() {
    return store.endpointsByTenant().map(all -> {
      endpointsOf = all;
      return null;
    });
  }

  private void tick() {
    if (stopped) {
      return;
    }
    refreshTenants().compose(v -> sweep()).compose(v -> store.behind()).compose(behind -> Future.all(behind.stream().map(e -> fanOutEndpoint(e[0])).toList()))
        .onFailure(err -> warn("webhook fan-out look-up failed; trying again", err))
        .onComplete(ar -> {
          claim();
          if (!stopped) {
            timer = vertx.setTimer(pollMs, id -> tick());
          }
        });
  }

  /**
   * A tenant committed events on this node: its endpoints behind the log catch up now. One look per
   * tenant at a time; commits meanwhile make one more look after it (not one each).
   */
  private void fanOutTenant(String tenantId) {
    if (!tenantsRunning.add(tenantId)) {
      tenantsAgain.add(tenantId);
      return;
    }
    List<String> endpoints = endpointsOf.getOrDefault(tenantId, List.of());
    Future.all(endpoints.stream().map(this::fanOutEndpoint).toList())
        .onFailure(err -> warn("webhook fan-out of tenant {} failed; the next look catches up", tenantId, err))
        .onComplete(ar -> {
          tenantsRunning.remove(tenantId);
          if (tenantsAgain.remove(tenantId)) {
            fanOutTenant(tenantId);
          }
        });
  }

  /** One catch-up per endpoint at a time on this node; asked again meanwhile, it runs once more after. */
  private Future<Void> fanOutEndpoint(String endpointId) {
    if (!fanningOut.add(endpointId)) {
      again.add(endpointId);
      return Future.succeededFuture();
    }
    return fanOut.catchUp(endpointId, this::sendNow).eventually(() -> {
      fanningOut.remove(endpointId);
      return again.remove(endpointId) ? fanOutEndpoint(endpointId) : Future.succeededFuture();
    });
  }

  /**
   * First attempts this node made: sent at once. They count in flight; their completions look for
   * jobs only if a claim found no room meanwhile (retries are jobs, claimed on the tick otherwise:
   * the job queue is not asked once per delivery).
   */
  private void sendNow(List<WebhookStore.Due> fresh) {
    inFlight += fresh.size();
    for (Future<Void> done : deliverer.send(fresh)) {
      done.onComplete(x -> {
        inFlight--;
        if (starved) {
          claim();
        }
      });
    }
  }

  /** First attempts whose sender died before recording their outcome get a job (at their lease's end). */
  private Future<Void> sweep() {
    return store.orphans(Webhooks.QUEUE).compose(orphans -> {
      if (orphans.isEmpty()) {
        return Future.succeededFuture();
      }
      return store.pool().withTransaction(tx -> {
        Future<Void> chain = Future.succeededFuture();
        for (String[] o : orphans) {
          chain = chain.compose(v -> jobs.enqueue(tx, Webhooks.QUEUE, o[1], o[0], Webhooks.payload(o[0], o[2]), null)
              .mapEmpty());
        }
        return chain;
      }).onSuccess(v -> LOG.info("{} webhook deliveries whose first attempt was not recorded queued again",
          orphans.size()));
    });
  }

  /** Claims due deliveries while there is room; a claim asked for during one runs after it. */
  private void claim() {
    if (stopped) {
      return;
    }
    if (claiming) {
      claimAgain = true;
      return;
    }
    int room = maxInFlight - inFlight;
    if (room <= 0) {
      starved = true;
      return;
    }
    starved = false;
    claiming = true;
    jobs.claim(Webhooks.QUEUE, owner, Math.min(room, 100), lease).onComplete(ar -> {
      claiming = false;
      List<Job> claimed = ar.succeeded() ? ar.result() : List.of();
      if (ar.failed()) {
        warn("webhook deliveries could not be claimed", ar.cause());
      }
      if (!claimed.isEmpty()) {
        inFlight += claimed.size();
        for (Future<Void> done : deliverer.work(claimed)) {
          done.onComplete(x -> {
            inFlight--;
            claim();
          });
        }
      }
      if (claimAgain || claimed.size() == Math.min(room, 100)) {
        claimAgain = false;
        claim();
      }
    });
  }

  /** A WARN, or a DEBUG once the node stops (its pool closes under the work in flight). */
  private void warn(String message, Object... args) {
    if (stopped) {
      LOG.debug(message, args);
    } else {
      LOG.warn(message, args);
    }
  }

  /** Stops looking for work; failures of the work in flight are no longer worth a WARN. */
  void halt() {
    stopped = true;
    deliverer.stopping();
  }

  @Override
  public Future<?> stop() {
    halt();
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
