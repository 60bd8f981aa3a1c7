package com.livechat.webhook;

import com.livechat.error.AppError;
import com.livechat.queue.JobQueue;
import com.livechat.store.Ids;
import com.livechat.store.Keyset;
import com.livechat.store.SecretBox;
import com.livechat.store.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A tenant's webhook endpoints and their deliveries, as the dashboard API changes them. Secrets
 * are sealed ({@link SecretBox}, the endpoint's id as associated data) and shown once, when made.
 */
public final class Webhooks {

  /** The job queue of deliveries (one job per delivery, keyed by its id). */
  static final String QUEUE = "webhook.deliver";
  /** Endpoints per tenant. */
  static final int MAX_ENDPOINTS = 20;
  private static final int ENQUEUE_BATCH = 1000;

  /** An endpoint with its secret in clear, right after it was made. */
  record WithSecret(Endpoint endpoint, String secret) {
    JsonObject toJson() {
      return endpoint.toJson().put("secret", secret);
    }
  }

  private final WebhookStore store;
  private final JobQueue jobs;
  private final SecretBox secrets;
  private final boolean allowPrivate;
  private final Consumer<String> kick;

  /** @param kick tells this node's webhook verticle that a tenant's deliveries are due (it looks at once) */
  Webhooks(WebhookStore store, JobQueue jobs, SecretBox secrets, boolean allowPrivate, Consumer<String> kick) {
    this.store = store;
    this.jobs = jobs;
    this.secrets = secrets;
    this.allowPrivate = allowPrivate;
    this.kick = kick;
  }

  boolean allowPrivate() {
    return allowPrivate;
  }

  static AppError notFound() {
    return AppError.notFound("webhook_not_found", "No webhook of yours has this id.");
  }

  Future<WithSecret> create(String tenantId, WebhookInput input) {
    String id = Ids.next("whk");
    String secret = WebhookSignature.newSecret();
    byte[] sealed = secrets.seal(secret, id);
    return store.pool().withTransaction(tx -> store.lockTenantAndCount(tx, tenantId).compose(count -> {
      if (count >= MAX_ENDPOINTS) {
        return Future.failedFuture(AppError.conflict("webhook_limit", "A workspace has at most " + MAX_ENDPOINTS
            + " webhooks; delete one first."));
      }
      return store.insert(tx, id, tenantId, input.url(), input.events(), input.description(), sealed);
    })).map(endpoint -> {
      kick.accept(tenantId);
      return new WithSecret(endpoint, secret);
    });
  }

  /** A page of the tenant's endpoints, newest first: {@code limit} rows after {@code after} (null: the first page). */
  Future<List<Endpoint>> list(String tenantId, Keyset after, int limit) {
    return store.list(tenantId, after, limit);
  }

  Future<Endpoint> find(String tenantId, String id) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    return store.find(tenantId, id).compose(e -> e == null ? Future.failedFuture(notFound()) : Future.succeededFuture(e));
  }

  /**
   * Merges the change. Disabling keeps the endpoint's undelivered events (its deliveries stay
   * pending); enabling sends them, and clears the failure clock.
   */
  Future<Endpoint> patch(String tenantId, String id, WebhookInput input) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    return store.pool().withTransaction(tx -> store.lock(tx, tenantId, id).compose(e -> {
      if (e == null) {
        return Future.failedFuture(notFound());
      }
      boolean enabled = input.enabled() == null ? e.enabled() : input.enabled();
      boolean reenabled = enabled && !e.enabled();
      Endpoint changed = new Endpoint(e.id(), e.tenantId(), input.url() != null ? input.url() : e.url(),
          input.eventsGiven() ? input.events() : e.events(),
          input.descriptionGiven() ? input.description() : e.description(), enabled,
          enabled ? null : e.enabled() ? "manual" : e.disabledReason(), e.secretSealed(), e.previousSecretSealed(),
          e.previousSecretUntil(), e.cursorSeq(), reenabled ? null : e.failingSince(), e.createdAt(), e.updatedAt());
      Future<Void> effects = reenabled ? enqueuePending(tx, e)
          : !enabled && e.enabled() ? jobs.deleteWaiting(tx, QUEUE, tenantId, new JsonObject().put("endpointId", id))
              .mapEmpty()
          : Future.succeededFuture();
      return effects.compose(v -> store.update(tx, changed));
    })).onSuccess(e -> kick.accept(tenantId));
  }

  /**
   * One job per pending delivery of the endpoint, due now: the jobs still waiting (retries queued
   * before a 410 disabled it) are replaced, so that none keeps its later time.
   */
  private Future<Void> enqueuePending(SqlClient tx, Endpoint e) {
    return jobs.deleteWaiting(tx, QUEUE, e.tenantId(), new JsonObject().put("endpointId", e.id()))
        .compose(n -> enqueuePendingAfter(tx, e, ""));
  }

  private Future<Void> enqueuePendingAfter(SqlClient tx, Endpoint e, String afterId) {
    return store.pendingIds(tx, e.id(), afterId, ENQUEUE_BATCH).compose(ids -> {
      if (ids.isEmpty()) {
        return Future.succeededFuture();
      }
      List<JsonObject> payloads = new ArrayList<>();
      List<Instant> due = new ArrayList<>();
      for (String deliveryId : ids) {
        payloads.add(payload(deliveryId, e.id()));
        due.add(null);
      }
      return jobs.enqueueAll(tx, QUEUE, e.tenantId(), ids, payloads, due).compose(n -> ids.size() < ENQUEUE_BATCH
          ? Future.succeededFuture() : enqueuePendingAfter(tx, e, ids.get(ids.size() - 1)));
    });
  }

  static JsonObject payload(String deliveryId, String endpointId) {
    return new JsonObject().put("deliveryId", deliveryId).put("endpointId", endpointId);
  }

  /** Deletes the endpoint with its deliveries; its waiting jobs go too (a held one finds nothing to send). */
  Future<Void> delete(String tenantId, String id) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    return store.pool().withTransaction(tx -> store.delete(tx, tenantId, id).compose(deleted -> !deleted
        ? Future.failedFuture(notFound())
        : jobs.deleteWaiting(tx, QUEUE, tenantId, new JsonObject().put("endpointId", id)).mapEmpty()));
  }

  /** A new secret; the current one keeps signing beside it for 24 hours. */
  Future<WithSecret> rotate(String tenantId, String id) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    String secret = WebhookSignature.newSecret();
    return store.pool().withTransaction(tx -> store.rotate(tx, tenantId, id, secrets.seal(secret, id)))
        .compose(e -> e == null ? Future.failedFuture(notFound()) : Future.succeededFuture(new WithSecret(e, secret)));
  }

  /** A {@code ping} delivery, due now (409 when the endpoint is disabled: nothing would send it). */
  Future<Delivery> test(String tenantId, String id) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    return store.pool().withTransaction(tx -> store.lock(tx, tenantId, id).compose(e -> {
      if (e == null) {
        return Future.failedFuture(notFound());
      }
      if (!e.enabled()) {
        return Future.failedFuture(disabled());
      }
      String deliveryId = Ids.next("whd");
      String eventId = "ping_" + Ids.next("p").substring(2);
      String body = new JsonObject().put("type", "ping").put("id", eventId).put("tenantId", tenantId)
          .put("timestamp", Timestamps.format(OffsetDateTime.now(ZoneOffset.UTC))).put("data", new JsonObject().put("webhookId", id)).encode();
      return store.insertPing(tx, deliveryId, tenantId, id, eventId, body)
          .compose(d -> jobs.enqueue(tx, QUEUE, tenantId, deliveryId, payload(deliveryId, id), null).map(d));
    })).onSuccess(d -> kick.accept(tenantId));
  }

  private static AppError disabled() {
    return AppError.conflict("webhook_disabled", "This webhook is disabled; enable it first (PATCH enabled: true).");
  }

  Future<List<Delivery>> deliveries(String tenantId, String id, String status, Keyset after, int limit) {
    return find(tenantId, id).compose(e -> store.deliveries(tenantId, id, status, after, limit));
  }

  /** Sends the delivery again now, whatever its status (its attempts count on). */
  Future<Delivery> retry(String tenantId, String id, String deliveryId) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    AppError noDelivery = AppError.notFound("delivery_not_found", "This webhook has no delivery with this id.");
    return store.pool().withTransaction(tx -> store.lock(tx, tenantId, id).compose(e -> {
      if (e == null) {
        return Future.failedFuture(notFound());
      }
      if (!Ids.plausible(deliveryId)) {
        return Future.failedFuture(noDelivery);
      }
      return store.lockDelivery(tx, tenantId, id, deliveryId).compose(d -> {
        if (d == null) {
          return Future.failedFuture(noDelivery);
        }
        if (!e.enabled()) {
          return Future.failedFuture(disabled());
        }
        return store.again(tx, deliveryId).compose(again -> jobs.dueNow(tx, QUEUE, deliveryId).compose(moved -> moved
            ? Future.succeededFuture(again)
            : jobs.enqueue(tx, QUEUE, tenantId, deliveryId, payload(deliveryId, id), null).map(again)));
      });
    })).onSuccess(d -> kick.accept(tenantId));
  }
}
