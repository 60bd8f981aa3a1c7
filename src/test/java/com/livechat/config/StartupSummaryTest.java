package com.livechat.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The start-up summary: what a node runs with, and never a secret. */
class StartupSummaryTest {

  private static final String ADMIN_KEY = "admin-key-Zx81kq0p";
  private static final String JWT_SECRET = "jwt-secret-of-at-least-32-characters-Qm4";
  private static final String DB_PASSWORD = "db-pass-W7yy";
  private static final String PROVIDER_KEY = "sk-provider-key-Hh3";
  private static final String URL_PASSWORD = "url-pass-K2";
  private static final String URL_QUERY_KEY = "query-key-P9";
  private static final String BRIDGE_KEY = "bridge-key-of-24-chars-at-least-Tt5";
  private static final String TWILIO_TOKEN = "twilio-token-Rr6";
  private static final String SECRETS_KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

  private static AppConfig configured() {
    JsonObject json = ConfigLoader.loadJson(Map.of());
    json.getJsonObject("admin").put("key", ADMIN_KEY);
    json.getJsonObject("auth").put("jwtSecret", JWT_SECRET).put("signupEnabled", false);
    json.getJsonObject("db").put("url", "postgresql://chat:" + DB_PASSWORD + "@db.internal:5433/livechat");
    json.getJsonObject("http").put("trustedProxies", new JsonArray().add("10.0.0.0/8"));
    json.getJsonObject("ai").put("providers", new JsonArray()
        .add(new JsonObject().put("name", "primary").put("baseUrl", "https://user:" + URL_PASSWORD
            + "@llm.example.com/v1?api-key=" + URL_QUERY_KEY).put("apiKey", PROVIDER_KEY).put("model", "gpt-4o-mini"))
        .add(new JsonObject().put("name", "worker").put("type", "bus").put("model", "local-llm")));
    json.put("cluster", new JsonObject().put("enabled", true).put("name", "prod").put("host", "10.0.0.2")
        .put("port", 5701).put("members", new JsonArray().add("10.0.0.2:5701").add("10.0.0.3:5701")));
    json.getJsonObject("bridge").put("enabled", true).put("keys", new JsonArray().add(new JsonObject()
        .put("key", BRIDGE_KEY).put("serve", new JsonArray().add("ai.provider.worker"))));
    json.getJsonObject("voice").put("publicUrl", "https://chat.example.com");
    json.getJsonObject("voice").getJsonObject("twilio").put("authToken", TWILIO_TOKEN);
    json.getJsonObject("secrets").put("key", SECRETS_KEY);
    json.getJsonObject("metrics").put("access", "port");
    json.getJsonObject("log").put("access", true);
    return AppConfig.from(json);
  }

  @Test
  void itNamesWhatTheNodeRunsWith() {
    String text = StartupSummary.text(configured(), 8080, 9464, "node-1");
    assertThat(text).startsWith("Effective configuration:")
        .contains("http: 0.0.0.0:8080")
        .contains("public URL: https://chat.example.com")
        .contains("trusted proxies: 10.0.0.0/8")
        .contains("database: external db.internal:5433/livechat")
        .contains("AI chain: primary (http https://llm.example.com/v1, model gpt-4o-mini, key set) -> "
            + "worker (bus, model local-llm) -> local assistant")
        .contains("cluster: on, name prod, node node-1 at 10.0.0.2:5701, members 10.0.0.2:5701, 10.0.0.3:5701")
        .contains("bridge: on, 127.0.0.1:7001, 1 key(s)")
        .contains("operator key: set")
        .contains("sign-up: closed")
        .contains("metrics: own listener 127.0.0.1:9464, no auth")
        .contains("access log: on")
        .contains("JWT secret: set");
  }

  @Test
  void noSecretIsEverInIt() {
    String text = StartupSummary.text(configured(), 8080, 9464, "node-1");
    assertThat(text).doesNotContain(ADMIN_KEY, JWT_SECRET, DB_PASSWORD, PROVIDER_KEY, URL_PASSWORD, URL_QUERY_KEY,
        BRIDGE_KEY, TWILIO_TOKEN, SECRETS_KEY, "chat:");
  }

  @Test
  void theEmbeddedDemoSaysWhatIsGeneratedAndOpen() {
    String text = StartupSummary.text(ConfigLoader.load(Map.of()), 8080, 0, "standalone");
    assertThat(text).contains("database: embedded PostgreSQL")
        .contains("AI chain: local assistant only")
        .contains("cluster: off")
        .contains("operator key: not set")
        .contains("sign-up: open")
        .contains("metrics: operator key on the HTTP port")
        .contains("public URL: http://localhost:8080 (voice.publicUrl unset")
        .contains("JWT secret: generated");
  }
}
