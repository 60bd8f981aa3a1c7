package com.livechat.dialer;

import com.livechat.campaign.Campaign;
import com.livechat.campaign.CampaignStore;
import com.livechat.events.EventBatch;
import com.livechat.queue.JobQueue;
import com.livechat.voice.OutboundCalls;
import com.livechat.voice.VoiceStore.Call;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Instant;

/**
 * A campaign's calls as the voice loop sees them (voice.OutboundCalls): the attempt an answered
 * call belongs to, and what its end settles. A call that ends settles its attempt in the status
 * callback's transaction, on whichever node the callback reaches: answered by a person
 * ({@code completed}, qualified when its conversation is), by a machine ({@code voicemail}),
 * {@code busy} or {@code no_answer} (tried again after the campaign's delay while attempts are
 * left), {@code failed}. An attempt is named by its contact and its number, so a late callback of
 * an earlier attempt settles nothing.
 */
final class CampaignCalls implements OutboundCalls {

  private final DialerStore store;
  private final CampaignStore campaigns;
  private final JobQueue jobs;
  private final Clock clock;

  CampaignCalls(DialerStore store, CampaignStore campaigns, JobQueue jobs, Clock clock) {
    this.store = store;
    this.campaigns = campaigns;
    this.jobs = jobs;
    this.clock = clock;
  }

  /** The id of an attempt: its contact and its number ("cc-….2"). */
  static String attemptId(String contactId, int attempt) {
    return contactId + "." + attempt;
  }

  @Override
  public Future<Placed> find(String attemptId) {
    int dot = attemptId.lastIndexOf('.');
    if (dot <= 0) {
      return Future.succeededFuture(null);
    }
    String contactId = attemptId.substring(0, dot);
    int attempt;
    try {
      attempt = Integer.parseInt(attemptId.substring(dot + 1));
    } catch (NumberFormatException e) {
      return Future.succeededFuture(null);
    }
    return store.placedCall(contactId).map(row -> {
      if (row == null || row.getInteger("attempts") != attempt || !"in_progress".equals(row.getString("status"))
          || row.getString("conversation_id") == null) {
        return null;
      }
      JsonObject values = row.getJsonObject("variables") == null ? new JsonObject() : row.getJsonObject("variables").copy();
      if (row.getString("name") != null) {
        values.put("name", row.getString("name"));
      }
      String voicemail = "leave_message".equals(row.getString("voicemail")) ? row.getString("voicemail_message") : null;
      return new Placed(row.getString("tenant_id"), row.getString("conversation_id"), row.getString("assistant_id"),
          row.getString("from_number"), row.getString("phone"), values, voicemail);
    });
  }

  /**
   * Settles the call's attempt without taking the campaign's row (the dialer's, once per attempt):
   * the campaign's status held for the transaction first ({@link CampaignStore#holdStatus}), then the
   * contact; completion and campaign:progress follow from the progress ticker ({@link Progress}).
   */
  @Override
  public Future<Void> ended(SqlClient tx, EventBatch events, Call call) {
    return store.byConversation(tx, call.tenantId(), call.conversationId()).compose(found -> {
      if (found == null) {
        return Future.succeededFuture();
      }
      return campaigns.holdStatus(tx, found.campaignId())
          .compose(v -> store.lockContact(tx, found.id()))
          .compose(contact -> {
            if (contact == null || !contact.status().equals("in_progress")
                || !call.conversationId().equals(contact.conversationId())) {
              return Future.succeededFuture();
            }
            return campaigns.find(call.tenantId(), contact.campaignId(), tx)
                .compose(campaign -> campaign == null ? Future.succeededFuture()
                    : settle(tx, campaign, contact, call));
          });
    });
  }

  private Future<Void> settle(SqlClient tx, Campaign campaign, DialerStore.Contact contact, Call call) {
    String answeredBy = call.answeredBy();
    boolean machine = answeredBy != null && (answeredBy.startsWith("machine") || answeredBy.equals("fax"));
    Future<Void> settled = switch (call.status()) {
      case "completed" -> machine ? store.settle(tx, contact.id(), "voicemail", "voicemail", false, null)
          : store.qualified(tx, call.tenantId(), call.conversationId())
              .compose(q -> store.settle(tx, contact.id(), "completed", "completed", q, null));
      case "busy" -> retry(tx, campaign, contact, "busy", campaign.retry().busyDelayMinutes());
      case "no-answer" -> retry(tx, campaign, contact, "no_answer", campaign.retry().noAnswerDelayMinutes());
      default -> store.settle(tx, contact.id(), "failed", "failed", false, null);
    };
    return settled;
  }

  /**
   * Busy or unanswered: pending again after the delay while attempts are left (a job due then;
   * a paused campaign's resume enqueues it), else that result is final. A cancelled campaign's
   * contact is cancelled instead.
   */
  private Future<Void> retry(SqlClient tx, Campaign campaign, DialerStore.Contact contact, String result,
      int delayMinutes) {
    if (campaign.status() == Campaign.Status.CANCELLED || contact.attempts() >= campaign.retry().maxAttempts()) {
      String status = campaign.status() == Campaign.Status.CANCELLED ? "cancelled" : result;
      return store.settle(tx, contact.id(), status, result, false, null);
    }
    Instant next = clock.instant().plusSeconds(delayMinutes * 60L);
    Future<Void> pending = store.settle(tx, contact.id(), "pending", result, false, next);
    if (campaign.status() != Campaign.Status.RUNNING && campaign.status() != Campaign.Status.SCHEDULED) {
      return pending;
    }
    return pending.compose(v -> jobs.enqueue(tx, Dialer.QUEUE, campaign.tenantId(), contact.id(),
        new JsonObject().put("campaignId", campaign.id()).put("contactId", contact.id()), next)).mapEmpty();
  }
}
