package com.livechat.config;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Typed reads of one object of the merged configuration. The merged JSON holds every key of
 * conf/config.json, so a key is required unless read with an {@code optional...} method; a missing
 * or wrongly typed value throws an IllegalArgumentException naming the full dotted key, e.g.
 * {@code http.port must be a whole number from 0 to 65535, was "x"}.
 */
public final class ConfigReader {

  private final JsonObject json;
  private final String path;
  /** Answers for the keys {@code json} leaves out (see {@link #withDefaults}); null when none. */
  private final ConfigReader defaults;

  private ConfigReader(JsonObject json, String path, ConfigReader defaults) {
    this.json = json;
    this.path = path;
    this.defaults = defaults;
  }

  /** The whole configuration; its keys are named without a prefix. */
  public static ConfigReader root(JsonObject json) {
    return new ConfigReader(json, "", null);
  }

  /** The dotted path of this object, e.g. {@code ai.providers[0]}; empty for the root. */
  public String path() {
    return path;
  }

  /** The object itself, for a part of the configuration that validates its own contents. */
  public JsonObject json() {
    return json;
  }

  /**
   * This object, with the keys it leaves out read from {@code defaults} (a shallow merge). A bad or
   * missing default is reported under the defaults' key, since that is where it has to be fixed.
   */
  public ConfigReader withDefaults(ConfigReader defaults) {
    return new ConfigReader(json, path, defaults);
  }

  public ConfigReader section(String key) {
    Value v = value(key);
    if (!(v.value instanceof JsonObject object)) {
      throw v.invalid("an object");
    }
    return new ConfigReader(object, v.key, null);
  }

  /** A list of objects, each read with its index in its path ({@code ai.providers[0]}). */
  public List<ConfigReader> sections(String key) {
    Value v = value(key);
    List<ConfigReader> sections = new ArrayList<>();
    for (Value item : v.items("a list of objects")) {
      if (!(item.value instanceof JsonObject object)) {
        throw item.invalid("an object");
      }
      sections.add(new ConfigReader(object, item.key, null));
    }
    return List.copyOf(sections);
  }

  /** A string, possibly empty. */
  public String string(String key) {
    Value v = value(key);
    if (!(v.value instanceof String text)) {
      throw v.invalid("a string");
    }
    return text;
  }

  /** A string, or empty when the key is absent or null (an API key no server needs, say). */
  public Optional<String> optionalString(String key) {
    return value(key).value == null ? Optional.empty() : Optional.of(string(key));
  }

  public boolean bool(String key) {
    Value v = value(key);
    if (!(v.value instanceof Boolean b)) {
      throw v.invalid("true or false");
    }
    return b;
  }

  public int integer(String key, int min, int max) {
    return (int) longNumber(key, min, max);
  }

  /** A whole number from {@code min} to {@code max}; 3.0 counts as whole, 3.5 does not. */
  public long longNumber(String key, long min, long max) {
    Value v = value(key);
    if (v.value instanceof Number n && whole(n) && inRange(n, min, max)) {
      return n.longValue();
    }
    throw v.invalid(max == Integer.MAX_VALUE || max == Long.MAX_VALUE
        ? "a whole number of at least " + min
        : "a whole number from " + min + " to " + max);
  }

  public List<String> strings(String key) {
    Value v = value(key);
    List<String> strings = new ArrayList<>();
    for (Value item : v.items("a list of strings")) {
      if (!(item.value instanceof String text)) {
        throw item.invalid("a string");
      }
      strings.add(text);
    }
    return List.copyOf(strings);
  }

  private static boolean whole(Number n) {
    return n instanceof Integer || n instanceof Long || n.doubleValue() == Math.rint(n.doubleValue());
  }

  private static boolean inRange(Number n, long min, long max) {
    if (n instanceof Integer || n instanceof Long) {
      return n.longValue() >= min && n.longValue() <= max;
    }
    // a fraction-free double or a BigInteger: beyond a long it is out of any range anyway
    return n.doubleValue() >= min && n.doubleValue() <= max;
  }

  private Value value(String key) {
    if (!json.containsKey(key) && defaults != null) {
      return defaults.value(key);
    }
    return new Value(fullKey(key), json.containsKey(key), json.getValue(key));
  }

  private String fullKey(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** A value as found, with the full key it was found at. */
  private record Value(String key, boolean present, Object value) {

    IllegalArgumentException invalid(String expected) {
      return new IllegalArgumentException(key + " must be " + expected + ", was "
          + (present ? Json.encode(value) : "missing"));
    }

    List<Value> items(String expected) {
      if (!(value instanceof JsonArray array)) {
        throw invalid(expected);
      }
      List<Value> items = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        items.add(new Value(key + "[" + i + "]", true, array.getValue(i)));
      }
      return items;
    }
  }
}
