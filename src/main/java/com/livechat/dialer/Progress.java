package com.livechat.dialer;

import com.livechat.events.EventTypes;
import com.livechat.events.Outbox;
import com.livechat.campaign.CampaignStore;
import io.vertx.core.Future;

/**
 * campaign:progress while counts change, at most once a second per campaign, from whichever node:
 * each change marks its campaign dirty; every node looks once a second, and the one whose UPDATE
 * flips the campaign (dirty, and its last progress a second old) sends the counts, read in the
 * same transaction as the event. State changes send theirs at once, in their own transaction.
 */
final class Progress {

  private final DialerStore store;
  private final CampaignStore campaigns;
  private final Outbox outbox;

  Progress(DialerStore store, CampaignStore campaigns, Outbox outbox) {
    this.store = store;
    this.campaigns = campaigns;
    this.outbox = outbox;
  }

  Future<Void> send() {
    return store.dirty().compose(due -> Future.all(due.stream().map(c -> outbox.inTransaction(c[1],
        (tx, events) -> store.takeProgress(tx, c[0]).compose(taken -> !taken ? Future.succeededFuture()
            : campaigns.progress(tx, c[1], c[0]).map(data -> {
              events.latest(EventTypes.CAMPAIGN_PROGRESS, data);
              return null;
            })))).toList())).mapEmpty();
  }
}
