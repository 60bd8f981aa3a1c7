package com.livechat.voice;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay sockets this node holds, by call sid: owned by the {@link VoiceVerticle} (which closes
 * them when the node stops, so that the carrier moves on to relay-ended at once rather than after
 * a timeout), counted on /metrics. The sockets themselves stay on the HTTP verticles' event loops.
 */
public final class LiveCalls {

  private final Map<String, RelaySession> sessions = new ConcurrentHashMap<>();

  void opened(RelaySession session) {
    RelaySession before = sessions.put(session.callSid(), session);
    if (before != null && before != session) {
      // the carrier opened the call's socket again: the new one is the call's
      before.close((short) 1000, "replaced");
    }
  }

  void closed(RelaySession session) {
    sessions.remove(session.callSid(), session);
  }

  public int size() {
    return sessions.size();
  }

  /** Closes every relay socket of the node (1001: going away). */
  public void closeAll() {
    sessions.values().forEach(s -> s.close((short) 1001, "server stopping"));
  }
}
