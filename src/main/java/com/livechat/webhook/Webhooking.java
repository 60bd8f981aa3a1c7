package com.livechat.webhook;

import com.livechat.bus.Addresses;
import com.livechat.config.AppConfig;
import com.livechat.queue.JobQueue;
import com.livechat.store.SecretBox;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/** The node's webhooks, built once: the API's service and the verticle that fans out and delivers. */
public final class Webhooking {

  private final WebhookStore store;
  private final JobQueue jobs;
  private final Sender sender;
  private final Deliverer deliverer;
  private final Webhooks webhooks;
  private final AppConfig.Webhooks settings;
  private final String owner;
  private WebhookVerticle verticle;

  /** @param nodeId names this node's leases on delivery jobs */
  public Webhooking(Vertx vertx, Pool pool, JobQueue jobs, SecretBox secrets, AppConfig.Webhooks settings,
      String nodeId, Clock clock) {
    this.store = new WebhookStore(pool);
    this.jobs = jobs;
    this.settings = settings;
    this.owner = "webhooks-" + nodeId + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    this.sender = new Sender(vertx, settings.allowPrivateTargets(), settings.timeoutMs(), settings.maxInFlight());
    this.deliverer = new Deliverer(store, jobs, secrets, sender, clock,
        () -> ThreadLocalRandom.current().nextDouble(-1, 1));
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    this.webhooks = new Webhooks(store, jobs, secrets, settings.allowPrivateTargets(),
        tenantId -> vertx.eventBus().publish(Addresses.OUTBOX_COMMITTED,
            new JsonObject().put("tenantId", tenantId).put("webhooks", true), local));
  }

  public Webhooks webhooks() {
    return webhooks;
  }

  public WebhookVerticle verticle() {
    return verticle = new WebhookVerticle(new FanOut(store, settings.leaseSeconds()), store, deliverer, jobs, owner,
        settings.maxInFlight(),
        settings.pollMs(), java.time.Duration.ofSeconds(settings.leaseSeconds()));
  }

  /** Before the node's Vert.x closes (its pool with it): the work still in flight is let go quietly. */
  public void close() {
    if (verticle != null) {
      verticle.halt();
    }
    sender.close();
  }
}
