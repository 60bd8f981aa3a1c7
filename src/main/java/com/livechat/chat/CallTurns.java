package com.livechat.chat;

import io.vertx.core.Future;

/**
 * What a turn on a phone call does beyond a chat turn: the words of a handoff, and, on a campaign's
 * call, the callee asking not to be called again — added to the tenant's do-not-call list, told
 * {@code doNotCallMessage}, and the call ends.
 */
public record CallTurns(String handoffMessage, Phrases doNotCallPhrases, String doNotCallMessage,
    DoNotCallList doNotCallList) {

  /** The tenant's do-not-call list, as the call loop adds to it. */
  @FunctionalInterface
  public interface DoNotCallList {
    Future<Void> add(String tenantId, String phone);
  }
}
