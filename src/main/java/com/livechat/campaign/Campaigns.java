package com.livechat.campaign;

import com.livechat.campaign.Campaign.Status;
import com.livechat.campaign.CampaignStore.Inserted;
import com.livechat.campaign.CampaignStore.NewContact;
import com.livechat.campaign.CampaignStore.Viewed;
import com.livechat.campaign.ContactImport.Contact;
import com.livechat.campaign.ContactImport.Parsed;
import com.livechat.chat.ContactExtractor;
import com.livechat.error.AppError;
import com.livechat.events.EventTypes;
import com.livechat.events.Outbox;
import com.livechat.queue.JobQueue;
import com.livechat.store.Ids;
import com.livechat.store.Keyset;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A tenant's outbound campaigns (shared/API.md Part 5): creating them, importing their contacts,
 * and moving them through their states. Every state change happens under the campaign's row lock,
 * in one transaction with its effects on the job queue (one {@value #DIAL_QUEUE} job per pending
 * contact while the campaign runs or is scheduled, none otherwise) and its {@code campaign:progress}
 * event.
 *
 * <pre>
 *   draft ──start──▶ running | scheduled (startAt ahead) | completed (no contact left to call)
 *   scheduled, running ──pause──▶ paused ──resume──▶ running | scheduled | completed
 *   draft, scheduled, running, paused ──cancel──▶ cancelled
 * </pre>
 * Scheduled becomes running, and running completed, in the dialer, as attempts happen.
 */
public final class Campaigns {

  /** The job queue of dial attempts; a job's key is its contact's id, its payload {"campaignId", "contactId"}. */
  public static final String DIAL_QUEUE = "campaign.dial";
  static final int MAX_CONTACTS = 100_000;
  static final int INSERT_BATCH = 1000;
  private static final int ENQUEUE_BATCH = 1000;

  public enum Action { START, PAUSE, RESUME, CANCEL }

  /** What an import did: {@code accepted} contacts stored ({@code skipped} of them do-not-call). */
  public record Imported(int accepted, int duplicates, int skipped, List<ContactImport.Rejection> rejected,
      int rejectedCount) {

    JsonObject toJson() {
      JsonArray listed = new JsonArray();
      rejected.forEach(r -> listed.add(r.toJson()));
      return new JsonObject().put("accepted", accepted).put("duplicates", duplicates).put("skipped", skipped)
          .put("rejected", listed).put("rejectedCount", rejectedCount);
    }
  }

  private final CampaignStore store;
  private final Outbox outbox;
  private final JobQueue jobs;
  private final ContactExtractor phones;
  private final ContactImport contactImport;
  private final Vertx vertx;

  public Campaigns(CampaignStore store, Outbox outbox, JobQueue jobs, ContactExtractor phones, Vertx vertx) {
    this.store = store;
    this.outbox = outbox;
    this.jobs = jobs;
    this.phones = phones;
    this.contactImport = new ContactImport(phones);
    this.vertx = vertx;
  }

  /** Stores the draft, once its assistant (404) and number (400) are found to be the tenant's. */
  public Future<Viewed> create(Campaign draft) {
    return outbox.inTransaction(draft.tenantId(), (tx, events) ->
        store.assistantHasNumber(tx, draft.tenantId(), draft.assistantId(), draft.fromNumber()).compose(hasNumber -> {
          if (hasNumber == null) {
            return Future.failedFuture(AppError.notFound("assistant_not_found", "No assistant of yours has this id."));
          }
          if (!hasNumber) {
            return Future.failedFuture(AppError.invalid("invalid_from_number", "fromNumber must be one of the phone "
                + "numbers of your assistants."));
          }
          return store.insert(tx, draft).map(saved -> new Viewed(saved, Counts.NONE));
        }));
  }

  public Future<List<Campaign>> list(String tenantId, Keyset after, int limit) {
    return store.list(tenantId, after, limit);
  }

  public Future<Viewed> find(String tenantId, String id) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    return store.findCounted(tenantId, id).compose(viewed -> viewed != null ? Future.succeededFuture(viewed)
        : Future.failedFuture(notFound()));
  }

  /**
   * Reads the contacts (off the event loop), then stores them in one transaction: a phone the
   * campaign has already is dropped, a do-not-call one stored as skipped; a running or scheduled
   * campaign's new pending contacts get their dial jobs at once.
   *
   * @param csv a text/csv body, else a JSON one
   */
  public Future<Imported> importContacts(String tenantId, String id, boolean csv, Buffer body) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    return store.find(tenantId, id)
        .compose(campaign -> {
          AppError refused = refusesContacts(campaign);
          if (refused != null) {
            return Future.failedFuture(refused);
          }
          return vertx.executeBlocking(() -> csv ? contactImport.csv(body) : contactImport.json(body), false);
        })
        .compose(parsed -> parsed.contacts().isEmpty() ? Future.succeededFuture(imported(parsed, 0, 0, 0))
            : outbox.inTransaction(tenantId, (tx, events) -> store.lockOfTenant(tx, tenantId, id)
                .compose(campaign -> {
                  AppError refused = refusesContacts(campaign);
                  return refused != null ? Future.failedFuture(refused) : add(tx, campaign, parsed);
                })));
  }

  private Future<Imported> add(SqlConnection tx, Campaign campaign, Parsed parsed) {
    List<String> phoneList = parsed.contacts().stream().map(Contact::phone).toList();
    return store.presentPhones(tx, campaign.id(), phoneList).compose(present -> {
      List<Contact> fresh = parsed.contacts().stream().filter(c -> !present.contains(c.phone())).toList();
      return store.contactCount(tx, campaign.id()).compose(count -> {
        if (count + fresh.size() > MAX_CONTACTS) {
          return Future.failedFuture(AppError.conflict("campaign_full", "A campaign holds at most " + MAX_CONTACTS
              + " contacts; this one has " + count + " and the request adds " + fresh.size()
              + ". Nothing was stored."));
        }
        if (fresh.isEmpty()) {
          return Future.succeededFuture(imported(parsed, 0, present.size(), 0));
        }
        return store.dncPhones(tx, campaign.tenantId(), fresh.stream().map(Contact::phone).toList())
            .compose(dnc -> insertAll(tx, campaign, newContacts(fresh, dnc)))
            .compose(inserted -> dialJobs(tx, campaign, inserted)
                .map(x -> imported(parsed, inserted.size(),
                    present.size() + fresh.size() - inserted.size(),
                    (int) inserted.stream().filter(i -> i.status().equals("skipped")).count())));
      });
    });
  }

  private static List<NewContact> newContacts(List<Contact> fresh, Set<String> dnc) {
    return fresh.stream().map(c -> new NewContact(Ids.next("ctc"), c.phone(), c.name(), c.timezone(), c.variables(),
        dnc.contains(c.phone()) ? "skipped" : "pending")).toList();
  }

  /** Multi-row inserts of {@value #INSERT_BATCH} rows, one after the other. */
  private Future<List<Inserted>> insertAll(SqlConnection tx, Campaign campaign, List<NewContact> contacts) {
    Future<List<Inserted>> done = Future.succeededFuture(new ArrayList<>());
    for (int from = 0; from < contacts.size(); from += INSERT_BATCH) {
      List<NewContact> batch = contacts.subList(from, Math.min(contacts.size(), from + INSERT_BATCH));
      done = done.compose(all -> store.insertContacts(tx, campaign.tenantId(), campaign.id(), batch).map(rows -> {
        all.addAll(rows);
        return all;
      }));
    }
    return done;
  }

  /** New contacts of a campaign that dials (running, or scheduled: due at startAt) get their jobs now. */
  private Future<?> dialJobs(SqlConnection tx, Campaign campaign, List<Inserted> inserted) {
    if (campaign.status() != Status.RUNNING && campaign.status() != Status.SCHEDULED) {
      return Future.succeededFuture();
    }
    Instant now = Instant.now();
    List<String> pending = inserted.stream().filter(i -> i.status().equals("pending")).map(Inserted::id).toList();
    Instant due = dueAt(campaign, null, now);
    return jobs.enqueueAll(tx, DIAL_QUEUE, campaign.tenantId(), pending,
        pending.stream().map(id -> new JsonObject().put("campaignId", campaign.id()).put("contactId", id)).toList(),
        java.util.Collections.nCopies(pending.size(), due));
  }

  private static Imported imported(Parsed parsed, int accepted, int alreadyPresent, int skipped) {
    return new Imported(accepted, parsed.duplicates() + alreadyPresent, skipped, parsed.rejected(),
        parsed.rejectedCount());
  }

  private static AppError refusesContacts(Campaign campaign) {
    if (campaign == null) {
      return notFound();
    }
    if (campaign.status().closed()) {
      return AppError.conflict("campaign_closed", "The campaign is " + campaign.status().wire()
          + "; contacts can no longer be added.");
    }
    return null;
  }

  /** The campaign's contacts in import order, after position {@code afterSeq}, of one status unless null. */
  public Future<List<CampaignStore.ListedContact>> contacts(String tenantId, String id, String status, long afterSeq,
      int limit) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    return store.find(tenantId, id).compose(campaign -> campaign == null ? Future.failedFuture(notFound())
        : store.contacts(tenantId, id, status, afterSeq, limit));
  }

  /**
   * Moves the campaign (409 invalid_transition when {@code action} is not possible from its state),
   * with the effects on its jobs and contacts, and raises {@code campaign:progress}; returns the
   * campaign as changed, with its counts.
   */
  public Future<Viewed> transition(String tenantId, String id, Action action) {
    if (!Ids.plausible(id)) {
      return Future.failedFuture(notFound());
    }
    // the settlements under way first (they hold it shared, before their contact), then the row
    return outbox.inTransaction(tenantId, (tx, events) -> store.freezeSettlements(tx, id)
        .compose(v -> store.lockOfTenant(tx, tenantId, id)).compose(campaign -> {
      if (campaign == null) {
        return Future.failedFuture(notFound());
      }
      return store.counts(tx, id).compose(counts -> {
        Instant now = Instant.now();
        Status next = next(campaign, action, counts, now);
        Future<Counts> effects = switch (next) {
          case RUNNING, SCHEDULED -> enqueuePending(tx, campaign, now).map(counts);
          case PAUSED -> deleteWaitingJobs(tx, campaign).map(counts);
          case CANCELLED -> deleteWaitingJobs(tx, campaign)
              .compose(x -> store.cancelPending(tx, id))
              .compose(x -> store.counts(tx, id));
          default -> Future.succeededFuture(counts);
        };
        return effects.compose(after -> store.setStatus(tx, id, next).compose(saved -> {
          JsonObject progress = after.progress(id, saved.status());
          events.add(EventTypes.CAMPAIGN_PROGRESS, progress);
          return store.recordProgress(tx, id, progress).map(new Viewed(saved, after));
        }));
      });
    }));
  }

  /** The state {@code action} takes the campaign to, or 409. */
  static Status next(Campaign campaign, Action action, Counts counts, Instant now) {
    Status from = campaign.status();
    Status dialling = counts.allFinal() ? Status.COMPLETED
        : campaign.startsAfter(now) ? Status.SCHEDULED : Status.RUNNING;
    switch (action) {
      case START -> {
        if (from == Status.DRAFT) {
          if (counts.total() == 0) {
            throw AppError.conflict("no_contacts", "The campaign has no contacts yet; add some before starting it.");
          }
          return dialling;
        }
      }
      case PAUSE -> {
        if (from == Status.RUNNING || from == Status.SCHEDULED) {
          return Status.PAUSED;
        }
      }
      case RESUME -> {
        if (from == Status.PAUSED) {
          return dialling;
        }
      }
      case CANCEL -> {
        if (!from.closed()) {
          return Status.CANCELLED;
        }
      }
    }
    throw AppError.conflict("invalid_transition", "A " + from.wire() + " campaign cannot be "
        + switch (action) {
          case START -> "started";
          case PAUSE -> "paused";
          case RESUME -> "resumed";
          case CANCEL -> "cancelled";
        } + ".");
  }

  /** One job per pending contact, a batch at a time (pipelined on the transaction's connection). */
  private Future<Void> enqueuePending(SqlConnection tx, Campaign campaign, Instant now) {
    return store.eachPendingBatch(tx, campaign.id(), ENQUEUE_BATCH, batch -> jobs.enqueueAll(tx, DIAL_QUEUE,
        campaign.tenantId(), batch.stream().map(p -> p.id()).toList(),
        batch.stream().map(p -> new JsonObject().put("campaignId", campaign.id()).put("contactId", p.id())).toList(),
        batch.stream().map(p -> dueAt(campaign, p.nextAttemptAt(), now)).toList()));
  }

  /**
   * The contact's dial job, due at the latest of now, the campaign's startAt and the contact's next
   * attempt; already queued (a job of this contact waits or is held), nothing is added.
   */

  /** The later of the campaign's startAt and the contact's next attempt; a time already past is null (now). */
  private static Instant dueAt(Campaign campaign, OffsetDateTime nextAttemptAt, Instant now) {
    Instant due = campaign.startAt();
    if (nextAttemptAt != null && (due == null || nextAttemptAt.toInstant().isAfter(due))) {
      due = nextAttemptAt.toInstant();
    }
    // a due time already past is left to the database's clock
    return due != null && due.isAfter(now) ? due : null;
  }

  /** Deletes the campaign's jobs that wait; those held (a dial under way) finish. */
  private Future<Integer> deleteWaitingJobs(SqlConnection tx, Campaign campaign) {
    return jobs.deleteWaiting(tx, DIAL_QUEUE, campaign.tenantId(), new JsonObject().put("campaignId", campaign.id()));
  }

  // ---- do-not-call list

  public Future<List<CampaignStore.DncEntry>> dncList(String tenantId, Keyset after, int limit) {
    return store.dncList(tenantId, after, limit);
  }

  /** Adds the number (normalised to E.164; 400 invalid_phone); {@code created} false when it was listed already. */
  public Future<CampaignStore.DncAdded> addDnc(String tenantId, String rawPhone) {
    String phone = e164(rawPhone);
    if (phone == null) {
      return Future.failedFuture(AppError.invalid("invalid_phone", "phone is required: a valid phone number, such as "
          + "+14165550199."));
    }
    return store.addDncEntry(tenantId, phone, "api");
  }

  /** Removes the number (as written in the path, normalised), or 404 dnc_not_found. */
  public Future<Void> removeDnc(String tenantId, String rawPhone) {
    String phone = e164(rawPhone);
    AppError notListed = AppError.notFound("dnc_not_found", "This number is not on your do-not-call list.");
    if (phone == null) {
      return Future.failedFuture(notListed);
    }
    return store.deleteDnc(tenantId, phone)
        .compose(deleted -> deleted ? Future.succeededFuture() : Future.failedFuture(notListed));
  }

  private String e164(String raw) {
    return raw == null || raw.length() > 64 ? null
        : phones.clean(new JsonObject().put("phone", raw)).getString("phone");
  }

  static AppError notFound() {
    return AppError.notFound("campaign_not_found", "No campaign of yours has this id.");
  }
}
