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

  private final List<String> types = new ArrayList<>();
  private final List<JsonObject> data = new ArrayList<>();
  private final Map<String, JsonObject> latest = new LinkedHashMap<>();

  public void add(String type, JsonObject json) {
    types.add(type);
    data.add(json);
  }

  /** Raises {@code type} once per transaction: a later call replaces the data of an earlier one. */
  public void latest(String type, JsonObject json) {
    latest.put(type, json);
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
    all.addAll(latest.values());
    return all;
  }
}
