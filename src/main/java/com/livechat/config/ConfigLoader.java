package com.livechat.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the configuration in three layers: the defaults of conf/config.json (packaged in the
 * jar), then the JSON file named by LIVECHAT_CONFIG merged over them, then the single-key
 * environment variables below.
 */
public final class ConfigLoader {

  public static final String CONFIG_FILE_ENV = "LIVECHAT_CONFIG";

  private record EnvKey(String path, Function<String, Object> parse) {}

  private static final Map<String, EnvKey> ENV_KEYS = Map.ofEntries(
      Map.entry("LIVECHAT_HTTP_PORT", new EnvKey("http.port", ConfigLoader::parsePort)),
      Map.entry("LIVECHAT_HTTP_TRUSTED_PROXIES", new EnvKey("http.trustedProxies", ConfigLoader::parseList)),
      Map.entry("LIVECHAT_SHUTDOWN_DRAIN_MS", new EnvKey("shutdown.drainMs", ConfigLoader::parseLong)),
      Map.entry("LIVECHAT_DATA_DIR", new EnvKey("dataDir", v -> v)),
      Map.entry("LIVECHAT_DB_URL", new EnvKey("db.url", v -> v)),
      Map.entry("LIVECHAT_CLUSTER", new EnvKey("cluster.enabled", ConfigLoader::parseBoolean)),
      Map.entry("LIVECHAT_CLUSTER_HOST", new EnvKey("cluster.host", v -> v)),
      Map.entry("LIVECHAT_CLUSTER_PORT", new EnvKey("cluster.port", ConfigLoader::parsePort)),
      Map.entry("LIVECHAT_CLUSTER_MEMBERS", new EnvKey("cluster.members", ConfigLoader::parseList)),
      Map.entry("LIVECHAT_JWT_SECRET", new EnvKey("auth.jwtSecret", v -> v)),
      Map.entry("LIVECHAT_ADMIN_KEY", new EnvKey("admin.key", v -> v)),
      Map.entry("LIVECHAT_SIGNUP_ENABLED", new EnvKey("auth.signupEnabled", ConfigLoader::parseBoolean)),
      Map.entry("LIVECHAT_METRICS_ACCESS", new EnvKey("metrics.access", v -> v)),
      Map.entry("LIVECHAT_METRICS_HOST", new EnvKey("metrics.host", v -> v)),
      Map.entry("LIVECHAT_METRICS_PORT", new EnvKey("metrics.port", ConfigLoader::parsePort)),
      Map.entry("LIVECHAT_LOG_ACCESS", new EnvKey("log.access", ConfigLoader::parseBoolean)),
      Map.entry("LIVECHAT_AI_OPENAI_BASE_URL", new EnvKey("ai.openai.baseUrl", v -> v)),
      Map.entry("LIVECHAT_AI_OPENAI_API_KEY", new EnvKey("ai.openai.apiKey", v -> v)),
      Map.entry("LIVECHAT_AI_OPENAI_MODEL", new EnvKey("ai.openai.model", v -> v)),
      Map.entry("LIVECHAT_PUBLIC_URL", new EnvKey("voice.publicUrl", v -> v)),
      Map.entry("LIVECHAT_VOICE_MODE", new EnvKey("voice.mode", v -> v)),
      Map.entry("LIVECHAT_TWILIO_ACCOUNT_SID", new EnvKey("voice.twilio.accountSid", v -> v)),
      Map.entry("LIVECHAT_TWILIO_AUTH_TOKEN", new EnvKey("voice.twilio.authToken", v -> v)),
      Map.entry("LIVECHAT_TWILIO_API_BASE_URL", new EnvKey("voice.twilio.apiBaseUrl", v -> v)),
      Map.entry("LIVECHAT_TWILIO_ALLOW_PRIVATE_API_BASE_URL",
          new EnvKey("voice.twilio.allowPrivateApiBaseUrl", ConfigLoader::parseBoolean)),
      Map.entry("LIVECHAT_WEBHOOKS_ALLOW_PRIVATE_TARGETS",
          new EnvKey("webhooks.allowPrivateTargets", ConfigLoader::parseBoolean)),
      Map.entry("LIVECHAT_SECRETS_KEY", new EnvKey("secrets.key", v -> v)),
      Map.entry("LIVECHAT_BRIDGE_ENABLED", new EnvKey("bridge.enabled", ConfigLoader::parseBoolean)),
      Map.entry("LIVECHAT_BRIDGE_HOST", new EnvKey("bridge.host", v -> v)),
      Map.entry("LIVECHAT_BRIDGE_PORT", new EnvKey("bridge.port", ConfigLoader::parsePort)),
      // a JSON array of {"key", "serve", "tenants"}: keys stay out of config files
      Map.entry("LIVECHAT_BRIDGE_KEYS", new EnvKey("bridge.keys", ConfigLoader::parseJsonArray)));

  private ConfigLoader() {}

  public static AppConfig load(Map<String, String> env) {
    return AppConfig.from(loadJson(env));
  }

  public static JsonObject loadJson(Map<String, String> env) {
    JsonObject json = defaults();
    String file = env.get(CONFIG_FILE_ENV);
    if (file != null && !file.isBlank()) {
      json = json.mergeIn(readFile(Path.of(file)), true);
    }
    for (Map.Entry<String, EnvKey> e : ENV_KEYS.entrySet()) {
      String value = env.get(e.getKey());
      if (value != null && !value.isBlank()) {
        try {
          put(json, e.getValue().path(), e.getValue().parse().apply(value.trim()));
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException(e.getKey() + ": " + ex.getMessage(), ex);
        }
      }
    }
    return json;
  }

  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream("conf/config.json")) {
      if (in == null) {
        throw new IllegalStateException("conf/config.json is missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read conf/config.json", e);
    }
  }

  private static JsonObject readFile(Path path) {
    try {
      return new JsonObject(Files.readString(path));
    } catch (IOException e) {
      throw new IllegalArgumentException(CONFIG_FILE_ENV + ": cannot read " + path + ": " + e.getMessage(), e);
    } catch (DecodeException e) {
      throw new IllegalArgumentException(CONFIG_FILE_ENV + ": " + path + " is not a JSON object", e);
    }
  }

  private static void put(JsonObject root, String dottedPath, Object value) {
    String[] parts = dottedPath.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }

  private static Object parsePort(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + value);
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port number: " + value);
    }
  }

  private static Object parseLong(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a whole number: " + value);
    }
  }

  private static Object parseBoolean(String value) {
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException("expected true or false, got " + value);
  }

  private static Object parseJsonArray(String value) {
    try {
      return new JsonArray(value);
    } catch (RuntimeException e) {
      // the value holds keys: never in the message
      throw new IllegalArgumentException("is not a JSON array of {\"key\", \"serve\", \"tenants\"} objects");
    }
  }

  private static Object parseList(String value) {
    return new JsonArray(Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
  }
}
