package com.livechat.dialer;

import com.livechat.campaign.Campaign;
import com.livechat.campaign.CampaignStore;
import com.livechat.config.AppConfig;
import com.livechat.conversation.ContactUpdate;
import com.livechat.conversation.ConversationStore;
import com.livechat.events.EventBatch;
import com.livechat.events.EventTypes;
import com.livechat.events.Outbox;
import com.livechat.queue.JobQueue;
import com.livechat.queue.JobQueue.Job;
import com.livechat.usage.Plans;
import com.livechat.usage.UsagePeriod;
import com.livechat.usage.UsageStore;
import com.livechat.voice.CarrierAccounts;
import com.livechat.voice.VoiceStore;
import com.livechat.voice.twilio.TwilioRest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dial attempt, from its job on the queue to the carrier's answer. First one transaction,
 * under the campaign's row lock (which orders every node's dials of a campaign, so pacing and
 * concurrency hold cluster-wide): the campaign must be running, the contact pending and not on
 * the do-not-call list, inside its calling window in its own zone at this moment, within the
 * campaign's calls per minute (over any 60 s) and concurrent calls, the tenant's concurrent-call
 * cap (shared with incoming calls) and monthly voice calls; then the attempt starts (the contact
 * in a call, a voice conversation of its own, the dial recorded). Anything that does not hold
 * moves the job to when it might. Then the request to the carrier, and a second transaction for
 * its answer: the call's sid, or — rate limited or unreachable — the attempt undone and the job
 * due again with backoff, or — refused (an invalid number) — the contact failed, never retried.
 * The attempt's end comes with its status callback ({@link CampaignCalls}).
 */
final class Dialer {

  private static final Logger LOG = LoggerFactory.getLogger(Dialer.class);
  static final String QUEUE = "campaign.dial";
  /** A dial whose carrier answer never came back (its node died) is tried again after this. */
  static final Duration LOST_DIAL = Duration.ofMinutes(2);
  /**
   * A dial's request goes out within this time of the moment it was counted for pacing, or not at
   * all (it is undone and dialled again): with the next minute's slot opening this much later than
   * 60 s after the oldest dial, no 60 s ever sees more than callsPerMinute requests go out.
   */
  static final Duration SEND_WITHIN = Duration.ofSeconds(1);

  private final DialerStore store;
  private final CampaignStore campaigns;
  private final JobQueue jobs;
  private final ConversationStore conversations;
  private final UsageStore usage;
  private final VoiceStore voice;
  private final CarrierAccounts accounts;
  private final TwilioRest carrier;
  private final Outbox outbox;
  private final com.livechat.assistant.Assistants assistants;
  private final com.livechat.chat.ContactExtractor contacts;
  private final AppConfig config;
  private final Supplier<String> publicBase;
  private final Clock clock;
  private final String owner;

  Dialer(DialerStore store, CampaignStore campaigns, JobQueue jobs, ConversationStore conversations, UsageStore usage,
      VoiceStore voice, CarrierAccounts accounts, TwilioRest carrier, Outbox outbox,
      com.livechat.assistant.Assistants assistants, com.livechat.chat.ContactExtractor contacts, AppConfig config,
      Supplier<String> publicBase, Clock clock, String owner) {
    this.store = store;
    this.campaigns = campaigns;
    this.jobs = jobs;
    this.conversations = conversations;
    this.usage = usage;
    this.voice = voice;
    this.accounts = accounts;
    this.carrier = carrier;
    this.outbox = outbox;
    this.assistants = assistants;
    this.contacts = contacts;
    this.config = config;
    this.publicBase = publicBase;
    this.clock = clock;
    this.owner = owner;
  }

  String owner() {
    return owner;
  }

  /** What the first transaction decided. */
  private sealed interface Decision permits Dial, Done {}

  /**
   * Dial now: the attempt was started (attempt number {@code attempt} of the contact), counted for
   * pacing at {@code countedNanos}; its conversation is created next, outside the campaign's lock,
   * unless it kept one ({@code keptConversationId}) from a try undone before it was placed.
   */
  private record Dial(Campaign campaign, DialerStore.Contact contact, int attempt, String keptConversationId,
      long countedNanos) implements Decision {}

  /** Nothing to dial (the job was completed or moved). */
  private record Done() implements Decision {}

  private static final Done DONE = new Done();

  /**
   * Works one claimed job: completes when its first transaction did (the next job may then take
   * the campaign's lock); the request to the carrier and its answer's transaction go on without
   * holding anything. Never fails: a failure leaves the job to its lease.
   */
  Future<Void> work(Job job) {
    String campaignId = job.payload().getString("campaignId");
    String contactId = job.payload().getString("contactId");
    return outbox.inTransaction(job.tenantId(), (tx, events) -> decide(tx, events, job, campaignId, contactId))
        .map(decision -> {
          if (decision instanceof Dial dial) {
            conversation(dial).compose(conversationId -> place(job, dial, conversationId))
                .onFailure(err -> LOG.warn("a dial of campaign {} was not completed (its conversation, the request or "
                    + "the carrier's answer); its job returns to the queue when its lease ends", campaignId, err));
          }
          return (Void) null;
        })
        .recover(err -> {
          LOG.warn("dial job {} of campaign {} failed; it returns to the queue when its lease ends", job.id(),
              campaignId, err);
          return Future.succeededFuture();
        });
  }

  private Future<Decision> decide(SqlClient tx, EventBatch events, Job job, String campaignId, String contactId) {
    Instant now = clock.instant();
    return campaigns.lock(tx, campaignId).compose(campaign -> {
      if (campaign == null || !campaign.tenantId().equals(job.tenantId()) || campaign.status().closed()
          || campaign.status() == Campaign.Status.PAUSED || campaign.status() == Campaign.Status.DRAFT) {
        // gone, over, or paused: resume enqueues its pending contacts again
        return complete(tx, job);
      }
      if (campaign.startAt() != null && now.isBefore(campaign.startAt())) {
        return later(tx, job, campaign.startAt());
      }
      Future<Void> running = campaign.status() == Campaign.Status.SCHEDULED
          ? store.setStatus(tx, campaignId, "scheduled", "running").compose(changed -> changed
              ? progress(tx, events, campaign.tenantId(), campaignId) : Future.succeededFuture())
          : Future.succeededFuture();
      return running.compose(v -> store.lockContact(tx, contactId)).compose(contact -> {
        if (contact == null || !contact.campaignId().equals(campaignId)) {
          return complete(tx, job);
        }
        if (contact.status().equals("in_progress")) {
          return lost(tx, job, contact, now);
        }
        if (!contact.status().equals("pending")) {
          return complete(tx, job);
        }
        return checks(tx, events, job, campaign, contact, now);
      });
    });
  }

  /**
   * The checks of the moment of dialling, in order (the do-not-call list, the contact's calling
   * hours, the campaign's calls in the last minute and its calls in progress: one statement), then
   * the tenant's concurrent-call cap; the attempt starts when all hold.
   */
  private Future<Decision> checks(SqlClient tx, EventBatch events, Job job, Campaign campaign,
      DialerStore.Contact contact, Instant now) {
    return store.gate(tx, campaign.tenantId(), campaign.id(), contact.phone()).compose(gate -> {
      if (gate.onDnc()) {
        return store.settle(tx, contact.id(), "skipped", "do_not_call", false, null)
            .compose(v -> complete(tx, job));
      }
      ZoneId zone = contact.timezone() != null ? ZoneId.of(contact.timezone()) : campaign.timezone();
      CallingHours hours = new CallingHours(campaign.callingHours().start(), campaign.callingHours().end(),
          campaign.callingHours().days());
      Instant opens = hours.next(now, zone);
      if (opens.isAfter(now)) {
        return store.waitUntil(tx, contact.id(), opens).compose(v -> later(tx, job, opens));
      }
      if (gate.lastMinute() >= campaign.pacing().callsPerMinute()) {
        return later(tx, job, gate.oldest().plusSeconds(60).plus(SEND_WITHIN));
      }
      if (gate.inProgress() >= campaign.pacing().maxConcurrent()) {
        return later(tx, job, now.plusSeconds(1));
      }
      return withinTenantCap(tx, campaign.tenantId()).compose(room -> !room ? later(tx, job, now.plusSeconds(1))
          : start(tx, events, job, campaign, contact));
    });
  }

  /**
   * The tenant's concurrent-call cap holds its calls in progress, the dials not yet placed among them
   * (a plan without a cap counts nothing).
   */
  private Future<Boolean> withinTenantCap(SqlClient tx, String tenantId) {
    return usage.limit(tx, tenantId, Plans.CONCURRENT_CALLS).compose(cap -> cap == null ? Future.succeededFuture(true)
        : voice.lockLiveCalls(tx, tenantId, config.voice().maxCallMinutes())
            .compose(live -> store.unplaced(tx, tenantId).map(unplaced -> live + unplaced < cap)));
  }

  /**
   * Starts the attempt: the monthly voice call counted (over the limit, the campaign pauses), the
   * contact in a call, the dial recorded for pacing. Its conversation comes after the lock
   * ({@link #conversation}).
   */
  private Future<Decision> start(SqlClient tx, EventBatch events, Job job, Campaign campaign,
      DialerStore.Contact contact) {
    return usage.consume(tx, campaign.tenantId(), UsagePeriod.current(), 0, 1, false).compose(allowed -> {
      if (!allowed) {
        LOG.info("campaign {} paused: the workspace has used its monthly voice calls", campaign.id());
        return store.setStatus(tx, campaign.id(), "running", "paused")
            .compose(v -> progress(tx, events, campaign.tenantId(), campaign.id()))
            .compose(v -> complete(tx, job));
      }
      return store.startAttempt(tx, contact.id())
          .compose(kept -> store.recordDial(tx, campaign.id())
              .map(v -> (Decision) new Dial(campaign, contact, contact.attempts() + 1, kept, System.nanoTime())));
    });
  }

  /**
   * The attempt's voice conversation, of the contact's own (its number, name and campaign in it), in
   * a transaction of its own that holds no campaign lock (other dials go on meanwhile); the contact
   * is then linked to it, which is what lets the call's webhooks find the attempt. An attempt undone
   * before its call was placed keeps its conversation for when it is started again, so no attempt
   * leaves an empty conversation behind. Fails when the attempt is no longer in a call (the
   * lost-dial path took it back): nothing is dialled.
   */
  private Future<String> conversation(Dial dial) {
    Campaign campaign = dial.campaign();
    DialerStore.Contact contact = dial.contact();
    if (dial.keptConversationId() != null) {
      // this attempt was started before and undone unplaced (rate limited, not sent in time, a lost
      // dial): its conversation, which has no call, is this one's, and still linked
      return Future.succeededFuture(dial.keptConversationId());
    }
    return assistants.find(campaign.tenantId(), campaign.assistantId())
        .compose(assistant -> outbox.inTransaction(campaign.tenantId(), (tx, events) -> conversations
            .insertConversation(tx, campaign.tenantId(), campaign.assistantId(),
                "campaign_" + contact.id() + "_" + dial.attempt(), "voice", events)
            .compose(c -> conversations.putMetadata(tx, campaign.tenantId(), c.id(), "campaign", new JsonObject()
                .put("campaignId", campaign.id()).put("contactId", contact.id()).put("name", contact.name())
                .put("variables", contact.variables()).put("attempt", dial.attempt()), events))
            .compose(c -> {
              JsonObject known = new JsonObject().put("phone", contact.phone());
              if (contact.name() != null) {
                known.put("name", contact.name());
              }
              return conversations.applyContact(tx, c, new ContactUpdate(contacts.clean(known),
                  assistant.requiredFields()), events);
            })
            .compose(c -> store.attach(tx, contact.id(), dial.attempt(), c.id()).compose(attached -> attached
                ? Future.succeededFuture(c.id())
                : Future.failedFuture(new IllegalStateException("the attempt was taken back before its dial"))))));
  }

  /** The request to the carrier, then its answer's transaction. */
  private Future<Void> place(Job job, Dial dial, String conversationId) {
    String attempt = CampaignCalls.attemptId(dial.contact().id(), dial.attempt());
    String base = publicBase.get();
    String query = "?attempt=" + java.net.URLEncoder.encode(attempt, java.nio.charset.StandardCharsets.UTF_8);
    Map<String, Object> params = Map.of(
        "To", dial.contact().phone(),
        "From", dial.campaign().fromNumber(),
        "Url", base + "/api/voice/twilio/outbound" + query,
        "Method", "POST",
        "StatusCallback", base + "/api/voice/twilio/status" + query,
        "StatusCallbackMethod", "POST",
        "StatusCallbackEvent", List.of("initiated", "ringing", "answered", "completed"),
        "MachineDetection", dial.campaign().voicemail() == Campaign.Voicemail.LEAVE_MESSAGE ? "DetectMessageEnd"
            : "Enable",
        "Timeout", 30);
    String tenantId = dial.campaign().tenantId();
    return accounts.forTenant(tenantId)
        .compose(account -> System.nanoTime() - dial.countedNanos() > SEND_WITHIN.toNanos()
            ? Future.succeededFuture(new TwilioRest.Unavailable("not sent within " + SEND_WITHIN.toMillis()
                + " ms of its count"))
            : carrier.createCall(account, params))
        .compose(placed -> outbox.inTransaction(tenantId, (tx, events) -> answered(tx, events, job, dial,
            conversationId, placed)));
  }

  private Future<Void> answered(SqlClient tx, EventBatch events, Job job, Dial dial, String conversationId,
      TwilioRest.Placed placed) {
    DialerStore.Contact contact = dial.contact();
    String tenantId = dial.campaign().tenantId();
    if (placed instanceof TwilioRest.Created created) {
      // the call's status callbacks may have come first (a quick carrier): a busy or unanswered call
      // already settled as pending again keeps this job, due at its retry, since its key is this job's
      // the call's row before the contact's: the order of the status callback's settlement
      return voice.placedCall(tx, created.callSid(), tenantId, conversationId, dial.campaign().assistantId(),
              dial.campaign().fromNumber(), contact.phone(), "queued", null)
          .compose(call -> store.lockContact(tx, contact.id()))
          .compose(now -> store.placed(tx, contact.id(), dial.attempt(), created.callSid())
              .compose(v -> now != null && now.status().equals("pending") && now.nextAttemptAt() != null
                  ? jobs.reschedule(tx, job.id(), owner, now.nextAttemptAt().toInstant(), null)
                  : jobs.complete(tx, job.id(), owner)))
          .mapEmpty();
    }
    if (placed instanceof TwilioRest.Refused refused) {
      // an invalid or unreachable number (21211 and friends): a result, never tried again
      LOG.info("carrier refused a dial of campaign {}: {} {}", dial.campaign().id(), refused.code(), refused.message());
      return refund(tx, tenantId)
          .compose(v -> store.settle(tx, contact.id(), "failed", "failed", false, null))
          .compose(v -> conversations.recordCall(tx, tenantId, conversationId, new JsonObject()
              .putNull("callSid").put("status", "failed").putNull("durationSeconds").putNull("answeredBy")
              .put("direction", "outbound-api").put("error", new JsonObject().put("code", refused.code())
                  .put("message", refused.message())), true, events))
          .compose(v -> jobs.complete(tx, job.id(), owner)).mapEmpty();
    }
    if (placed instanceof TwilioRest.Unknown unknown) {
      // the request went out and no answer came: the call may exist; dialling again could call twice
      LOG.warn("no answer from the carrier for a dial of campaign {}: {}", dial.campaign().id(), unknown.reason());
      return store.settle(tx, contact.id(), "failed", "failed", false, null)
          .compose(v -> jobs.complete(tx, job.id(), owner)).mapEmpty();
    }
    if (placed instanceof TwilioRest.NotAllowed notAllowed) {
      // the tenant's own carrier URL points where credentials must not go: not an attempt, and the
      // campaign pauses until the account is fixed (resume dials again)
      LOG.warn("campaign {} paused: {}", dial.campaign().id(), notAllowed.reason());
      return refund(tx, tenantId)
          .compose(v -> store.notPlaced(tx, contact.id(), dial.attempt(), clock.instant()))
          .compose(v -> store.setStatus(tx, dial.campaign().id(), "running", "paused"))
          .compose(paused -> paused ? progress(tx, events, tenantId, dial.campaign().id()) : Future.succeededFuture())
          .compose(v -> jobs.complete(tx, job.id(), owner)).mapEmpty();
    }
    // rate limited or unreachable: not an attempt; asked again later, backing off
    long retryAfter = placed instanceof TwilioRest.RateLimited limited ? limited.retryAfterSeconds() : 0;
    long backoff = Math.min(config.campaigns().maxBackoffSeconds(), Math.max(retryAfter,
        1L << Math.min(job.attempts(), 6)));
    Instant again = clock.instant().plusSeconds(backoff);
    return refund(tx, tenantId)
        .compose(v -> store.notPlaced(tx, contact.id(), dial.attempt(), again))
        .compose(v -> jobs.reschedule(tx, job.id(), owner, again, null)).mapEmpty();
  }

  /** The voice call counted at the start of an attempt the carrier did not place is given back. */
  private Future<Void> refund(SqlClient tx, String tenantId) {
    return usage.consume(tx, tenantId, UsagePeriod.current(), 0, -1, false).mapEmpty();
  }

  /**
   * A dial whose carrier answer never came back: its node died between the attempt and the
   * answer's transaction. After {@link #LOST_DIAL} with no call recorded, the attempt is undone
   * and the contact dialled again; a call that did go out settles by its status callback.
   */
  private Future<Decision> lost(SqlClient tx, Job job, DialerStore.Contact contact, Instant now) {
    if (contact.callSid() != null) {
      return complete(tx, job);
    }
    Instant since = contact.updatedAt().toInstant();
    if (now.isBefore(since.plus(LOST_DIAL))) {
      return later(tx, job, since.plus(LOST_DIAL));
    }
    return store.notPlaced(tx, contact.id(), contact.attempts(), now).compose(v -> later(tx, job, now));
  }

  /** The campaign's state changed (the caller holds its row): its campaign:progress now. */
  private Future<Void> progress(SqlClient tx, EventBatch events, String tenantId, String campaignId) {
    return campaigns.progress(tx, tenantId, campaignId).compose(data -> {
      events.latest(EventTypes.CAMPAIGN_PROGRESS, data);
      return campaigns.recordProgress(tx, campaignId, data);
    });
  }

  private Future<Decision> complete(SqlClient tx, Job job) {
    return jobs.complete(tx, job.id(), owner).map(x -> DONE);
  }

  private Future<Decision> later(SqlClient tx, Job job, Instant at) {
    return jobs.reschedule(tx, job.id(), owner, at, null).map(x -> DONE);
  }
}
