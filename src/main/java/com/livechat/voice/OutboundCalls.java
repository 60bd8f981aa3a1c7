package com.livechat.voice;

import com.livechat.events.EventBatch;
import com.livechat.voice.VoiceStore.Call;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;

/**
 * The calls the server places (a campaign's dial attempts), as the voice loop needs them: what an
 * answered call is for, and what its end settles. Implemented by the dialer; the voice package
 * knows no campaign.
 */
public interface OutboundCalls {

  /**
   * A placed call, by the attempt its answer URL names.
   *
   * @param variables the contact's values for the assistant's {{placeholders}} (its name included)
   * @param voicemailMessage what to say to an answering machine; null = hang up on machines
   */
  record Placed(String tenantId, String conversationId, String assistantId, String from, String to,
      JsonObject variables, String voicemailMessage) {}

  /** The placed call of this attempt, or null when there is none (any more). */
  Future<Placed> find(String attemptId);

  /** A placed call ended (its terminal status callback applied), in that callback's transaction. */
  Future<Void> ended(SqlClient tx, EventBatch events, Call call);
}
