package com.livechat.dialer;

import com.livechat.assistant.Assistants;
import com.livechat.campaign.CampaignStore;
import com.livechat.chat.ContactExtractor;
import com.livechat.config.AppConfig;
import com.livechat.conversation.ConversationStore;
import com.livechat.events.Outbox;
import com.livechat.queue.JobQueue;
import com.livechat.usage.UsageStore;
import com.livechat.voice.CarrierAccounts;
import com.livechat.voice.OutboundCalls;
import com.livechat.voice.VoiceStore;
import com.livechat.voice.twilio.TwilioRest;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/** The node's dialer, built once: its verticle, and the campaign calls the voice loop settles. */
public final class Dialing {

  private final TwilioRest carrier;
  private final Dialer dialer;
  private final CampaignCalls calls;
  private final Progress progress;
  private final JobQueue jobs;
  private final AppConfig.Campaigns settings;

  /** @param nodeId the owner of the attempts this node claims */
  public Dialing(Vertx vertx, Pool pool, CampaignStore campaigns, JobQueue jobs, ConversationStore conversations,
      UsageStore usage, VoiceStore voice, CarrierAccounts accounts, Outbox outbox, Assistants assistants,
      ContactExtractor contacts, AppConfig config, Supplier<String> publicBase, String nodeId, Clock clock) {
    DialerStore store = new DialerStore(pool);
    this.carrier = new TwilioRest(vertx, config.voice().twilio());
    this.jobs = jobs;
    this.settings = config.campaigns();
    this.dialer = new Dialer(store, campaigns, jobs, conversations, usage, voice, accounts, carrier, outbox, assistants,
        contacts, config, publicBase, clock, "dialer-" + nodeId);
    this.calls = new CampaignCalls(store, campaigns, jobs, clock);
    this.progress = new Progress(store, campaigns, outbox, config.voice().maxCallMinutes() + 2);
  }

  public OutboundCalls outboundCalls() {
    return calls;
  }

  public DialerVerticle verticle() {
    return new DialerVerticle(dialer, progress, jobs, settings.dialerBatch(), settings.dialerPollMs(),
        Duration.ofSeconds(settings.dialLeaseSeconds()));
  }

  public void close() {
    carrier.close();
  }
}
