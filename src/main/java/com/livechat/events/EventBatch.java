package com.livechat.events;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events one transaction raises, in order. Code that changes data adds to it inside the
 * transaction; {@link Outbox} appends them to the log just before COMMIT and announces them after.
 * A "latest" event (a conversation changed several times in one transaction) is kept once, with
 * its final data, after the plain events, in the order it was first raised.
 */
public final class EventBatch {

  private record Latest(JsonObject data, String sessionId) {}

  private final List<String> types = new ArrayList<>();
  private final List<JsonObject> data = new ArrayList<>();
  private final List<String> sessions = new ArrayList<>();
  private final Map<String, Latest> latest = new LinkedHashMap<>();

  /** An event no visitor sees. */
  public void add(String type, JsonObject json) {
    add(type, json, null);
  }

  /** @param sessionId the visitor session the event concerns (its socket may see it), or null */
  public void add(String type, JsonObject json, String sessionId) {
    types.add(type);
    data.add(json);
    sessions.add(sessionId);
  }

  /** Raises {@code type} once per transaction: a later call replaces the data of an earlier one. */
  public void latest(String type, JsonObject json) {
    latest(type, json, null);
  }

  /** {@link #latest(String, JsonObject)} of an event that concerns a visitor session. */
  public void latest(String type, JsonObject json, String sessionId) {
    latest.put(type, new Latest(json, sessionId));
  }

  boolean isEmpty() {
    return types.isEmpty() && latest.isEmpty();
  }

  List<String> types() {
    List<String> all = new ArrayList<>(types);
    all.addAll(latest.keySet());
    return all;
  }

  List<JsonObject> data() {
    List<JsonObject> all = new ArrayList<>(data);
    latest.values().forEach(l -> all.add(l.data()));
    return all;
  }

  /** The session of each event, in the order of {@link #types()}; null entries for none. */
  List<String> sessions() {
    List<String> all = new ArrayList<>(sessions);
    latest.values().forEach(l -> all.add(l.sessionId()));
    return all;
  }
}
