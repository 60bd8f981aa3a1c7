package com.livechat.campaign;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A campaign's contacts by status. Every contact has exactly one status, so the counts other than
 * {@code qualified} (the completed contacts whose conversation qualified: a part of
 * {@code completed}) add up to {@code total}.
 */
public record Counts(long total, long pending, long inProgress, long completed, long failed, long qualified,
    long voicemail, long noAnswer, long busy, long skipped, long cancelled) {

  static final Counts NONE = new Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** The contact statuses, as stored and as the API spells them. */
  static final List<String> STATUSES = List.of("pending", "in_progress", "completed", "voicemail",
      "no_answer", "busy", "failed", "skipped", "cancelled");

  /** Adds {@code n} contacts of {@code status}, {@code qualified} of them qualified (counted when completed only). */
  Counts plus(String status, long n, long qualifiedOfThem) {
    return new Counts(total + n,
        pending + ("pending".equals(status) ? n : 0),
        inProgress + ("in_progress".equals(status) ? n : 0),
        completed + ("completed".equals(status) ? n : 0),
        failed + ("failed".equals(status) ? n : 0),
        qualified + ("completed".equals(status) ? qualifiedOfThem : 0),
        voicemail + ("voicemail".equals(status) ? n : 0),
        noAnswer + ("no_answer".equals(status) ? n : 0),
        busy + ("busy".equals(status) ? n : 0),
        skipped + ("skipped".equals(status) ? n : 0),
        cancelled + ("cancelled".equals(status) ? n : 0));
  }

  /** No contact waits for an attempt or is in a call: every one is final. */
  public boolean allFinal() {
    return pending == 0 && inProgress == 0;
  }

  /** The {@code counts} of GET /api/campaigns/:id. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("total", total)
        .put("pending", pending)
        .put("inProgress", inProgress)
        .put("completed", completed)
        .put("failed", failed)
        .put("qualified", qualified)
        .put("voicemail", voicemail)
        .put("noAnswer", noAnswer)
        .put("busy", busy)
        .put("skipped", skipped)
        .put("cancelled", cancelled);
  }

  /** The data of a {@code campaign:progress} event. */
  public JsonObject progress(String campaignId, Campaign.Status status) {
    return new JsonObject()
        .put("campaignId", campaignId)
        .put("status", status.wire())
        .put("total", total)
        .put("completed", completed)
        .put("failed", failed)
        .put("inProgress", inProgress)
        .put("qualified", qualified);
  }
}
