package com.livechat.config;

import com.livechat.chat.provider.OpenAiSettings;
import com.livechat.usage.Plans;
import com.livechat.ratelimit.IpRange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The typed view of the merged configuration; every key is described in docs/CONFIG.md. */
public record AppConfig(
    Http http,
    Path dataDir,
    Db db,
    Cluster cluster,
    Auth auth,
    Chat chat,
    OpenAiSettings openai,
    Ai ai,
    Track track,
    Realtime realtime,
    Plans plans,
    Admin admin,
    RateLimits rateLimits,
    JsonObject raw) {

  /** @param trustedProxies IPs and CIDR ranges whose X-Forwarded-For is believed (see ClientIpResolver) */
  public record Http(String host, int port, int instances, int bodyLimitBytes, List<String> trustedProxies) {}

  /** @param url empty means "start the embedded PostgreSQL under the data dir" */
  public record Db(String url, int poolSize, int embeddedPort) {
    public boolean embedded() {
      return url == null || url.isBlank();
    }
  }

  public record Cluster(boolean enabled, String name, String host, int port, List<String> members) {}

  /** @param jwtSecret empty means "generate one and keep it in the data dir" */
  public record Auth(String jwtSecret, int jwtExpiresMinutes, int passwordHashCost) {}

  /**
   * @param historyTokenBudget recent messages go into a prompt newest first until this many tokens (estimated)
   * @param handoffPhrases a visitor message containing one of these asks for a person
   * @param handoffMessage what the visitor is told when the conversation goes to a person
   * @param knowledgePassages knowledge entries put into a prompt at most
   * @param phoneRegion region of phone numbers typed without a country code (ISO 3166, e.g. US)
   */
  public record Chat(long requestTimeoutMs, int historyMessages, int historyTokenBudget, List<String> handoffPhrases,
      String handoffMessage, int knowledgePassages, String phoneRegion) {
    public Chat {
      if (historyMessages < 0 || historyTokenBudget < 0 || knowledgePassages < 0 || knowledgePassages > 20) {
        throw new IllegalArgumentException("chat.historyMessages and chat.historyTokenBudget must be >= 0, "
            + "chat.knowledgePassages from 0 to 20");
      }
      if (handoffMessage == null || handoffMessage.isBlank()) {
        throw new IllegalArgumentException("chat.handoffMessage must not be empty");
      }
      if (phoneRegion == null || !com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance().getSupportedRegions()
          .contains(phoneRegion)) {
        throw new IllegalArgumentException("chat.phoneRegion must be an ISO 3166 region such as US or GB, was "
            + phoneRegion);
      }
    }
  }

  public record Track(int maxBatch, int maxInFlightBatches) {}

  /**
   * @param providers the remote providers in the order they are tried (the local assistant answers
   *     after them); empty = only the local assistant
   * @param chainTimeoutMs one chat turn's time budget across the remote providers
   */
  public record Ai(List<OpenAiSettings> providers, long chainTimeoutMs) {

    /** More would only add failover time to a turn that already failed that often. */
    public static final int MAX_PROVIDERS = 8;

    /**
     * {@code ai.providers} when it lists any; else {@code ai.openai} alone when it has an API key;
     * else none.
     */
    static Ai from(JsonObject ai, OpenAiSettings openai, Chat chat) {
      Object listed = ai.getValue("providers");
      if (listed != null && !(listed instanceof JsonArray)) {
        throw new IllegalArgumentException("ai.providers must be a JSON array of provider objects");
      }
      JsonArray array = listed == null ? new JsonArray() : (JsonArray) listed;
      if (array.size() > MAX_PROVIDERS) {
        throw new IllegalArgumentException("ai.providers lists " + array.size() + " providers; at most "
            + MAX_PROVIDERS + " are allowed");
      }
      List<OpenAiSettings> providers = new ArrayList<>();
      Set<String> names = new HashSet<>();
      for (int i = 0; i < array.size(); i++) {
        String key = "ai.providers[" + i + "]";
        if (!(array.getValue(i) instanceof JsonObject entry)) {
          throw new IllegalArgumentException(key + " must be a JSON object");
        }
        OpenAiSettings settings;
        try {
          settings = OpenAiSettings.fromJson(entry, "provider" + (i + 1), null, null);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
        if (!names.add(settings.name())) {
          throw new IllegalArgumentException(key + ": the name " + settings.name() + " is used twice");
        }
        providers.add(settings);
      }
      if (providers.isEmpty() && openai.hasApiKey()) {
        providers.add(openai);
      }
      Object timeout = ai.getValue("chainTimeoutMs", 25000L);
      if (!(timeout instanceof Number n) || n.longValue() <= 0 || n.longValue() >= chat.requestTimeoutMs()) {
        throw new IllegalArgumentException("ai.chainTimeoutMs must be a positive number of milliseconds below "
            + "chat.requestTimeoutMs (" + chat.requestTimeoutMs() + "), was " + timeout);
      }
      return new Ai(List.copyOf(providers), ((Number) timeout).longValue());
    }
  }

  public record Realtime(long authTimeoutMs, long pingIntervalMs, long idleTimeoutMs, long gapWaitMs,
      long pollIntervalMs, int replayPageSize, int maxPendingEvents, int writeQueueMaxBytes) {}

  /** @param key the operator key of /api/admin; empty means the operator endpoints answer 404 */
  public record Admin(String key) {
    public boolean enabled() {
      return key != null && !key.isBlank();
    }

    @Override
    public String toString() {
      return "Admin[key=" + (enabled() ? "***" : "") + "]";
    }
  }

  /** @param capacity tokens a full bucket holds (the burst); 0 switches the limit off */
  public record Rate(int capacity, int perSeconds) {
    public boolean enabled() {
      return capacity > 0;
    }
  }

  /** The per-node rate limits (token buckets); {@code maxKeys} caps the keys each limiter tracks. */
  public record RateLimits(Rate chatPerSession, Rate chatPerIp, Rate loginPerIp, Rate loginFailuresPerEmail,
      Rate signupPerIp, int maxKeys) {}

  public static AppConfig from(JsonObject json) {
    JsonObject http = section(json, "http");
    JsonObject db = section(json, "db");
    JsonObject cluster = section(json, "cluster");
    JsonObject auth = section(json, "auth");
    JsonObject chat = section(json, "chat");
    JsonObject openai = section(section(json, "ai"), "openai");
    JsonObject track = section(json, "track");
    JsonObject realtime = section(json, "realtime");
    JsonObject usage = section(json, "usage");
    JsonObject rateLimits = section(json, "rateLimits");
    int instances = http.getInteger("instances", 0);
    Chat chatConfig = new Chat(chat.getLong("requestTimeoutMs", 30000L), chat.getInteger("historyMessages", 20),
        chat.getInteger("historyTokenBudget", 2000),
        chat.getJsonArray("handoffPhrases", new JsonArray()).stream().map(String::valueOf).toList(),
        chat.getString("handoffMessage", "I'm passing you to a member of our team; they will reply here shortly."),
        chat.getInteger("knowledgePassages", 3), chat.getString("phoneRegion", "US"));
    OpenAiSettings openAi;
    try {
      openAi = OpenAiSettings.fromJson(openai, OpenAiSettings.DEFAULT_NAME, "https://api.openai.com/v1", "gpt-4o-mini");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("ai.openai: " + e.getMessage(), e);
    }
    return new AppConfig(
        new Http(
            http.getString("host", "0.0.0.0"),
            http.getInteger("port", 8080),
            instances > 0 ? instances : Runtime.getRuntime().availableProcessors(),
            http.getInteger("bodyLimitBytes", 65536),
            trustedProxies(http)),
        Path.of(json.getString("dataDir", "./data")),
        new Db(db.getString("url", ""), db.getInteger("poolSize", 32), db.getInteger("embeddedPort", 0)),
        new Cluster(
            cluster.getBoolean("enabled", false),
            cluster.getString("name", "livechat"),
            cluster.getString("host", "127.0.0.1"),
            cluster.getInteger("port", 5701),
            cluster.getJsonArray("members", new JsonArray()).stream().map(String::valueOf).toList()),
        new Auth(auth.getString("jwtSecret", ""), auth.getInteger("jwtExpiresMinutes", 720),
            auth.getInteger("passwordHashCost", 10)),
        chatConfig,
        openAi,
        Ai.from(section(json, "ai"), openAi, chatConfig),
        new Track(track.getInteger("maxBatch", 500), track.getInteger("maxInFlightBatches", 1)),
        new Realtime(
            realtime.getLong("authTimeoutMs", 5000L),
            realtime.getLong("pingIntervalMs", 25000L),
            realtime.getLong("idleTimeoutMs", 60000L),
            realtime.getLong("gapWaitMs", 100L),
            realtime.getLong("pollIntervalMs", 2000L),
            realtime.getInteger("replayPageSize", 500),
            realtime.getInteger("maxPendingEvents", 10000),
            realtime.getInteger("writeQueueMaxBytes", 65536)),
        new Plans(usage.getString("defaultPlan", "free"), section(usage, "plans")),
        new Admin(section(json, "admin").getString("key", "")),
        new RateLimits(
            rate(rateLimits, "chatPerSession", 20, 60),
            rate(rateLimits, "chatPerIp", 300, 60),
            rate(rateLimits, "loginPerIp", 30, 60),
            rate(rateLimits, "loginFailuresPerEmail", 10, 900),
            rate(rateLimits, "signupPerIp", 10, 3600),
            wholeNumber(rateLimits, "maxKeys", 100_000, 1, "rateLimits.maxKeys")),
        json);
  }

  private static List<String> trustedProxies(JsonObject http) {
    Object value = http.getValue("trustedProxies");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new IllegalArgumentException("http.trustedProxies must be a list of IP addresses and CIDR ranges");
    }
    List<String> entries = new ArrayList<>();
    for (Object entry : array) {
      if (!(entry instanceof String text)) {
        throw new IllegalArgumentException("http.trustedProxies: " + entry + " is not a string");
      }
      try {
        IpRange.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("http.trustedProxies: " + e.getMessage(), e);
      }
      entries.add(text.strip());
    }
    return List.copyOf(entries);
  }

  private static Rate rate(JsonObject rateLimits, String key, int capacity, int perSeconds) {
    Object value = rateLimits.getValue(key);
    if (value != null && !(value instanceof JsonObject)) {
      throw new IllegalArgumentException("rateLimits." + key + " must be an object {capacity, perSeconds}");
    }
    JsonObject rate = value == null ? new JsonObject() : (JsonObject) value;
    int c = wholeNumber(rate, "capacity", capacity, 0, "rateLimits." + key + ".capacity");
    int p = wholeNumber(rate, "perSeconds", perSeconds, 0, "rateLimits." + key + ".perSeconds");
    if (c > 0 && p == 0) {
      throw new IllegalArgumentException("rateLimits." + key + ".perSeconds must be at least 1 when capacity is above 0");
    }
    return new Rate(c, p);
  }

  /** An integer of at least {@code min}, or an IllegalArgumentException naming the key. */
  private static int wholeNumber(JsonObject json, String field, int defaultValue, int min, String key) {
    Object value = json.getValue(field);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < min || n.doubleValue() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + " must be a whole number of at least " + min + ", got " + value);
    }
    return n.intValue();
  }

  private static JsonObject section(JsonObject json, String key) {
    JsonObject value = json.getJsonObject(key);
    return value == null ? new JsonObject() : value;
  }

  public boolean openAiConfigured() {
    return openai.apiKey() != null && !openai.apiKey().isBlank();
  }
}
