package com.livechat.config;

import com.livechat.chat.provider.OpenAiSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/** The typed view of the merged configuration; every key is described in docs/CONFIG.md. */
public record AppConfig(
    Http http,
    Path dataDir,
    Db db,
    Cluster cluster,
    Auth auth,
    Chat chat,
    OpenAiSettings openai,
    Track track,
    Realtime realtime,
    JsonObject raw) {

  public record Http(String host, int port, int instances, int bodyLimitBytes) {}

  /** @param url empty means "start the embedded PostgreSQL under the data dir" */
  public record Db(String url, int poolSize, int embeddedPort) {
    public boolean embedded() {
      return url == null || url.isBlank();
    }
  }

  public record Cluster(boolean enabled, String name, String host, int port, List<String> members) {}

  /** @param jwtSecret empty means "generate one and keep it in the data dir" */
  public record Auth(String jwtSecret, int jwtExpiresMinutes, int passwordHashCost) {}

  public record Chat(long requestTimeoutMs, int historyMessages) {}

  public record Track(int maxBatch, int maxInFlightBatches) {}

  public record Realtime(long authTimeoutMs, long pingIntervalMs, long idleTimeoutMs, long gapWaitMs,
      long pollIntervalMs, int replayPageSize, int maxPendingEvents, int writeQueueMaxBytes) {}

  public static AppConfig from(JsonObject json) {
    JsonObject http = section(json, "http");
    JsonObject db = section(json, "db");
    JsonObject cluster = section(json, "cluster");
    JsonObject auth = section(json, "auth");
    JsonObject chat = section(json, "chat");
    JsonObject openai = section(section(json, "ai"), "openai");
    JsonObject track = section(json, "track");
    JsonObject realtime = section(json, "realtime");
    int instances = http.getInteger("instances", 0);
    return new AppConfig(
        new Http(
            http.getString("host", "0.0.0.0"),
            http.getInteger("port", 8080),
            instances > 0 ? instances : Runtime.getRuntime().availableProcessors(),
            http.getInteger("bodyLimitBytes", 65536)),
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
        new Chat(chat.getLong("requestTimeoutMs", 30000L), chat.getInteger("historyMessages", 20)),
        new OpenAiSettings(
            openai.getString("baseUrl", "https://api.openai.com/v1"),
            openai.getString("apiKey", ""),
            openai.getString("model", "gpt-4o-mini"),
            openai.getLong("timeoutMs", 20000L),
            openai.getInteger("maxConnections", 256),
            openai.getInteger("breakerMaxFailures", 5),
            openai.getLong("breakerResetMs", 30000L)),
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
        json);
  }

  private static JsonObject section(JsonObject json, String key) {
    JsonObject value = json.getJsonObject(key);
    return value == null ? new JsonObject() : value;
  }

  public boolean openAiConfigured() {
    return openai.apiKey() != null && !openai.apiKey().isBlank();
  }
}
