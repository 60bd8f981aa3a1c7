package com.livechat.dialer;

import com.livechat.campaign.Campaign;
import com.livechat.campaign.CampaignStore;
import com.livechat.campaign.CampaignStore.Viewed;
import com.livechat.events.EventTypes;
import com.livechat.events.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign ticker of every node, once a second: campaign:progress while counts change, at most
 * once a second per campaign across the cluster, and the completion of a running campaign whose
 * contacts are all final; every {@link #SWEEP_EVERY_TICKS} seconds, the attempts whose call's end
 * was lost.
 *
 * <p>Neither attempts nor settlements touch the campaign's row for this (they would all queue on its
 * lock): the ticker looks at the campaigns that dial, and at paused or cancelled ones while their
 * contacts change (an index on the contacts' {@code updated_at}), reads their counts, and does
 * nothing when they equal the last progress sent. Otherwise the node whose UPDATE takes the
 * campaign's second (its last progress a second old) reads the counts again under that row lock,
 * completes the campaign when nothing is left to dial, and sends them, in one transaction: the
 * counts are those of GET /api/campaigns/:id at that moment. State changes through the API or the
 * dialer send theirs at once and note them ({@link CampaignStore#recordProgress}).
 */
final class Progress {

  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
  /** The lost-end sweep runs every this many ticks. */
  static final int SWEEP_EVERY_TICKS = 30;

  private final DialerStore store;
  private final CampaignStore campaigns;
  private final Outbox outbox;
  private final int sweepAfterMinutes;
  private long ticks;

  /** @param sweepAfterMinutes an attempt in a call for longer than this has lost its end (no call lasts as long) */
  Progress(DialerStore store, CampaignStore campaigns, Outbox outbox, int sweepAfterMinutes) {
    this.store = store;
    this.campaigns = campaigns;
    this.outbox = outbox;
    this.sweepAfterMinutes = sweepAfterMinutes;
  }

  /** One tick; on the verticle's context. */
  Future<Void> tick() {
    Future<Void> sweep = ticks++ % SWEEP_EVERY_TICKS == 0 ? sweep() : Future.succeededFuture();
    return sweep.compose(v -> send());
  }

  Future<Void> send() {
    return store.progressCandidates().compose(due -> Future.all(due.stream().map(this::look).toList())).mapEmpty();
  }

  private Future<Void> look(DialerStore.Candidate candidate) {
    return campaigns.counted(store.pool(), candidate.tenantId(), candidate.id()).compose(viewed -> {
      if (viewed == null || !changed(viewed, candidate.lastSent())) {
        return Future.succeededFuture();
      }
      return outbox.inTransaction(candidate.tenantId(), (tx, events) -> store.takeProgress(tx, candidate.id())
          .compose(taken -> !taken ? Future.succeededFuture()
              : campaigns.counted(tx, candidate.tenantId(), candidate.id()).compose(now -> {
                Future<Campaign.Status> status = completes(now)
                    ? campaigns.setStatus(tx, candidate.id(), Campaign.Status.COMPLETED).map(Campaign::status)
                    : Future.succeededFuture(now.campaign().status());
                return status.compose(s -> {
                  JsonObject data = now.counts().progress(candidate.id(), s);
                  events.latest(EventTypes.CAMPAIGN_PROGRESS, data);
                  return campaigns.recordProgress(tx, candidate.id(), data);
                });
              })));
    });
  }

  /** Counts other than those last sent, or a campaign to complete. */
  private static boolean changed(Viewed viewed, JsonObject lastSent) {
    return completes(viewed)
        || !viewed.counts().progress(viewed.campaign().id(), viewed.campaign().status()).equals(lastSent);
  }

  private static boolean completes(Viewed viewed) {
    Campaign.Status status = viewed.campaign().status();
    return (status == Campaign.Status.RUNNING || status == Campaign.Status.SCHEDULED) && viewed.counts().allFinal();
  }

  /**
   * Attempts in a call for longer than any call lasts: their terminal status callback never came
   * (or its transaction failed), so nothing else would settle them and their campaign would never
   * complete. They end {@code failed}; a callback that still comes changes nothing.
   */
  Future<Void> sweep() {
    return store.sweep(sweepAfterMinutes).map(n -> {
      if (n > 0) {
        LOG.warn("{} campaign attempts had no end of call for {} minutes: failed", n, sweepAfterMinutes);
      }
      return null;
    });
  }
}
