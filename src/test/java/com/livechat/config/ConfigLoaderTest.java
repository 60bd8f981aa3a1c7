package com.livechat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.chat.provider.OpenAiSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @Test
  void defaultsComeFromConfConfigJson() {
    AppConfig config = ConfigLoader.load(Map.of());
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.http().bodyLimitBytes()).isEqualTo(65536);
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(config.db().embedded()).isTrue();
    assertThat(config.db().poolSize()).isGreaterThan(4);
    assertThat(config.cluster().enabled()).isFalse();
    assertThat(config.openAiConfigured()).isFalse();
    assertThat(config.ai().providers()).as("only the local assistant").isEmpty();
    assertThat(config.ai().chainTimeoutMs()).isEqualTo(25000);
    assertThat(config.openai().maxConnections()).isEqualTo(1024);
  }

  @Test
  void everyEnvironmentVariableOverridesItsKey() {
    AppConfig config = ConfigLoader.load(Map.ofEntries(
        Map.entry("LIVECHAT_HTTP_PORT", "9090"),
        Map.entry("LIVECHAT_HTTP_TRUSTED_PROXIES", "10.0.0.0/8, ::1"),
        Map.entry("LIVECHAT_DATA_DIR", "/tmp/x"),
        Map.entry("LIVECHAT_DB_URL", "postgresql://u:p@db:5433/chat"),
        Map.entry("LIVECHAT_CLUSTER", "true"),
        Map.entry("LIVECHAT_CLUSTER_HOST", "10.0.0.5"),
        Map.entry("LIVECHAT_CLUSTER_PORT", "5801"),
        Map.entry("LIVECHAT_CLUSTER_MEMBERS", "10.0.0.5:5801, 10.0.0.6:5801"),
        Map.entry("LIVECHAT_JWT_SECRET", "s3cret"),
        Map.entry("LIVECHAT_AI_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
        Map.entry("LIVECHAT_AI_OPENAI_API_KEY", "sk-test"),
        Map.entry("LIVECHAT_AI_OPENAI_MODEL", "llama3")));
    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.http().trustedProxies()).isEqualTo(List.of("10.0.0.0/8", "::1"));
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(config.db().url()).isEqualTo("postgresql://u:p@db:5433/chat");
    assertThat(config.db().embedded()).isFalse();
    assertThat(config.cluster().enabled()).isTrue();
    assertThat(config.cluster().host()).isEqualTo("10.0.0.5");
    assertThat(config.cluster().port()).isEqualTo(5801);
    assertThat(config.cluster().members()).isEqualTo(List.of("10.0.0.5:5801", "10.0.0.6:5801"));
    assertThat(config.auth().jwtSecret()).isEqualTo("s3cret");
    assertThat(config.openai().baseUrl()).isEqualTo("http://127.0.0.1:11434/v1");
    assertThat(config.openai().apiKey()).isEqualTo("sk-test");
    assertThat(config.openai().model()).isEqualTo("llama3");
    assertThat(config.openAiConfigured()).isTrue();
    assertThat(config.ai().providers()).as("the shorthand for a one-provider chain").containsExactly(config.openai());
    assertThat(config.openai().name()).isEqualTo("openai");
  }

  @Test
  void aiProvidersListsTheChainInOrderWithDefaultsForWhatIsLeftOut(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chain.json");
    Files.writeString(file, """
        {"ai": {"chainTimeoutMs": 12000, "providers": [
          {"name": "primary", "baseUrl": "https://api.openai.com/v1", "apiKey": "sk-1", "model": "gpt-4o-mini"},
          {"name": "ollama", "baseUrl": "http://127.0.0.1:11434/v1", "model": "llama3.1", "timeoutMs": 8000,
           "maxRetries": 0, "tools": false, "assistantModel": false}]}}""");
    AppConfig config = ConfigLoader.load(Map.of("LIVECHAT_CONFIG", file.toString(),
        "LIVECHAT_AI_OPENAI_API_KEY", "sk-ignored-when-providers-are-listed"));
    assertThat(config.ai().chainTimeoutMs()).isEqualTo(12000);
    assertThat(config.ai().providers()).extracting(p -> p.name()).containsExactly("primary", "ollama");
    var primary = config.ai().providers().get(0);
    assertThat(primary.apiKey()).isEqualTo("sk-1");
    assertThat(primary.timeoutMs()).isEqualTo(20000);
    assertThat(primary.maxConnections()).isEqualTo(1024);
    assertThat(primary.maxRetries()).isEqualTo(2);
    assertThat(primary.retryBaseMs()).isEqualTo(250);
    assertThat(primary.retryMaxMs()).isEqualTo(4000);
    assertThat(primary.tools()).isTrue();
    assertThat(primary.assistantModel()).isTrue();
    var ollama = config.ai().providers().get(1);
    assertThat(ollama.hasApiKey()).isFalse();
    assertThat(ollama.timeoutMs()).isEqualTo(8000);
    assertThat(ollama.maxRetries()).isZero();
    assertThat(ollama.tools()).isFalse();
    assertThat(ollama.assistantModel()).isFalse();
  }

  @Test
  void badAiSettingsAreRefusedWithTheKeyNamed(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> load(dir, "{\"ai\": {\"chainTimeoutMs\": 30000}}"))
        .hasMessageContaining("ai.chainTimeoutMs").hasMessageContaining("chat.requestTimeoutMs");
    assertThatThrownBy(() -> load(dir, "{\"ai\": {\"providers\": [{\"name\": \"a\", \"model\": \"m\"}]}}"))
        .hasMessageContaining("ai.providers[0]").hasMessageContaining("baseUrl");
    assertThatThrownBy(() -> load(dir, "{\"ai\": {\"providers\": [{\"baseUrl\": \"http://a/v1\", \"model\": \"m\", "
        + "\"maxRetries\": \"two\"}]}}"))
        .hasMessageContaining("ai.providers[0]").hasMessageContaining("maxRetries");
    assertThatThrownBy(() -> load(dir, "{\"ai\": {\"providers\": [{\"name\": \"a\", \"baseUrl\": \"http://a/v1\", "
        + "\"model\": \"m\"}, {\"name\": \"a\", \"baseUrl\": \"http://b/v1\", \"model\": \"m\"}]}}"))
        .hasMessageContaining("ai.providers[1]").hasMessageContaining("used twice");
    assertThatThrownBy(() -> load(dir, "{\"ai\": {\"providers\": {\"name\": \"a\"}}}"))
        .hasMessageContaining("ai.providers");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i <= AppConfig.Ai.MAX_PROVIDERS; i++) {
      tooMany.add(new JsonObject().put("baseUrl", "http://p" + i + "/v1").put("model", "m"));
    }
    assertThatThrownBy(() -> load(dir, new JsonObject().put("ai", new JsonObject().put("providers", tooMany)).encode()))
        .hasMessageContaining("at most " + AppConfig.Ai.MAX_PROVIDERS);
  }

  @Test
  void badPlansAndChatSettingsAreRefusedWithTheKeyNamed(@TempDir Path dir) throws Exception {
    AppConfig defaults = load(dir, "{}");
    assertThat(defaults.plans().defaultPlan()).isEqualTo("free");
    assertThat(defaults.plans().limitsOf("gone").getLong("messagesPerMonth")).isEqualTo(1000L);
    assertThat(defaults.plans().limitsOf("unlimited").getValue("tokensPerMonth")).isNull();
    assertThat(defaults.chat().handoffPhrases()).contains("human");
    // a plan added by a config file joins the packaged ones
    assertThat(load(dir, "{\"usage\": {\"plans\": {\"team\": {\"messagesPerMonth\": 7}}}}").plans().has("free"))
        .isTrue();

    String[][] cases = {
        {"{\"usage\": {\"defaultPlan\": \"gold\"}}", "usage.defaultPlan"},
        {"{\"usage\": {\"plans\": {\"free\": {\"messagesPerMonth\": -1}}}}", "usage.plans.free.messagesPerMonth"},
        {"{\"usage\": {\"plans\": {\"free\": {\"messagesPerMonth\": 1.5}}}}", "usage.plans.free.messagesPerMonth"},
        {"{\"usage\": {\"plans\": {\"free\": {\"seats\": 3}}}}", "unknown limit seats"},
        {"{\"usage\": {\"plans\": {\"free\": 3}}}", "usage.plans.free"},
        {"{\"chat\": {\"knowledgePassages\": 21}}", "chat.knowledgePassages"},
        {"{\"chat\": {\"historyTokenBudget\": -1}}", "chat.historyTokenBudget"},
        {"{\"chat\": {\"handoffMessage\": \" \"}}", "chat.handoffMessage"},
        {"{\"chat\": {\"phoneRegion\": \"XX\"}}", "chat.phoneRegion"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> load(dir, c[0])).as(c[0]).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void signupMetricsAndLogSettingsHaveSafeDefaultsAndTheirVariables() {
    AppConfig defaults = ConfigLoader.load(Map.of());
    assertThat(defaults.auth().signupEnabled()).isTrue();
    assertThat(defaults.metrics().access()).isEqualTo("key");
    assertThat(defaults.metrics().host()).isEqualTo("127.0.0.1");
    assertThat(defaults.log().access()).isFalse();

    AppConfig set = ConfigLoader.load(Map.of("LIVECHAT_SIGNUP_ENABLED", "false", "LIVECHAT_METRICS_ACCESS", "port",
        "LIVECHAT_METRICS_HOST", "10.0.0.5", "LIVECHAT_METRICS_PORT", "9100", "LIVECHAT_LOG_ACCESS", "true"));
    assertThat(set.auth().signupEnabled()).isFalse();
    assertThat(set.metrics()).isEqualTo(new AppConfig.MetricsEndpoint("port", "10.0.0.5", 9100));
    assertThat(set.log().access()).isTrue();

    assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIVECHAT_METRICS_ACCESS", "open")))
        .hasMessageContaining("metrics.access");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIVECHAT_SIGNUP_ENABLED", "no")))
        .hasMessageContaining("LIVECHAT_SIGNUP_ENABLED");
  }

  @Test
  void theBridgeIsOffByDefaultAndItsKeysComeFromTheEnvironmentAndAreChecked(@TempDir Path dir) throws Exception {
    AppConfig defaults = ConfigLoader.load(Map.of());
    assertThat(defaults.bridge().enabled()).isFalse();
    assertThat(defaults.bridge().host()).isEqualTo("127.0.0.1");
    assertThat(defaults.bridge().tls()).isFalse();

    String key = "k-0123456789-0123456789-abc";
    AppConfig on = ConfigLoader.load(Map.of("LIVECHAT_BRIDGE_ENABLED", "true", "LIVECHAT_BRIDGE_PORT", "7100",
        "LIVECHAT_BRIDGE_HOST", "10.0.0.5", "LIVECHAT_BRIDGE_KEYS",
        "[{\"key\": \"" + key + "\", \"serve\": [\"ai.provider.mine\"], \"tenants\": [\"tnt-1\"]}]"));
    assertThat(on.bridge().enabled()).isTrue();
    assertThat(on.bridge().port()).isEqualTo(7100);
    assertThat(on.bridge().host()).isEqualTo("10.0.0.5");
    assertThat(on.bridge().keys()).hasSize(1);
    assertThat(on.bridge().keys().get(0).serve()).containsExactly("ai.provider.mine");
    assertThat(on.bridge().keys().get(0).tenants()).containsExactly("tnt-1");
    // a key never shows in the configuration's text (the start-up summary, errors)
    assertThat(on.bridge().toString()).doesNotContain(key);
    assertThat(on.bridge().keys().get(0).toString()).doesNotContain(key);

    assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIVECHAT_BRIDGE_KEYS", "[{\"key\": " + key)))
        .hasMessageContaining("LIVECHAT_BRIDGE_KEYS").hasMessageNotContaining(key);
    String[][] bad = {
        {"{\"bridge\": {\"keys\": [{\"key\": \"short\"}]}}", "24 characters"},
        {"{\"bridge\": {\"keys\": [{\"key\": \"" + key + "\", \"serve\": [\"chat.reply\"]}]}}", "ai.provider.<name>"},
        {"{\"bridge\": {\"keys\": [{\"key\": \"" + key + "\"}, {\"key\": \"" + key + "\"}]}}", "another entry"},
        {"{\"bridge\": {\"enabled\": true}}", "bridge.keys"},
        {"{\"bridge\": {\"tls\": {\"certPath\": \"/a.pem\"}}}", "bridge.tls"},
    };
    for (String[] c : bad) {
      assertThatThrownBy(() -> load(dir, c[0])).as(c[0]).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void aBusProviderNeedsNoUrlAndIsServedAtItsAddress(@TempDir Path dir) throws Exception {
    AppConfig config = load(dir, "{\"ai\": {\"providers\": [{\"name\": \"mine\", \"type\": \"bus\"}, "
        + "{\"name\": \"cloud\", \"baseUrl\": \"http://127.0.0.1:9/v1\", \"model\": \"m\"}]}}");
    assertThat(config.ai().providers().get(0).bus()).isTrue();
    assertThat(config.ai().providers().get(0).busAddress()).isEqualTo("ai.provider.mine");
    assertThat(config.ai().providers().get(0).model()).isEqualTo("mine");
    assertThat(config.ai().providers().get(1).bus()).isFalse();
    assertThatThrownBy(() -> load(dir, "{\"ai\": {\"providers\": [{\"name\": \"x\", \"type\": \"grpc\"}]}}"))
        .hasMessageContaining("type");
  }

  private static AppConfig load(Path dir, String json) throws Exception {
    Path file = Files.createTempFile(dir, "config", ".json");
    Files.writeString(file, json);
    return ConfigLoader.load(Map.of("LIVECHAT_CONFIG", file.toString()));
  }

  @Test
  void aConfigFileMergesOverTheDefaultsAndVariablesWinOverIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("override.json");
    Files.writeString(file, "{\"http\": {\"port\": 7000}, \"db\": {\"poolSize\": 64}}");
    AppConfig config = ConfigLoader.load(Map.of("LIVECHAT_CONFIG", file.toString()));
    assertThat(config.http().port()).isEqualTo(7000);
    assertThat(config.db().poolSize()).isEqualTo(64);
    assertThat(config.http().bodyLimitBytes()).isEqualTo(65536);
    AppConfig withEnv = ConfigLoader.load(Map.of("LIVECHAT_CONFIG", file.toString(), "LIVECHAT_HTTP_PORT", "7001"));
    assertThat(withEnv.http().port()).isEqualTo(7001);
  }

  @Test
  void badValuesAreRefusedWithTheVariableNamed(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIVECHAT_HTTP_PORT", "eighty")))
        .hasMessageContaining("LIVECHAT_HTTP_PORT");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIVECHAT_CLUSTER", "yes")))
        .hasMessageContaining("LIVECHAT_CLUSTER");
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{oops");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIVECHAT_CONFIG", broken.toString())))
        .hasMessageContaining("LIVECHAT_CONFIG");
  }

  @Test
  void rateLimitsHaveDefaultsAndRefuseImpossibleValuesNamingTheKey(@TempDir Path dir) throws Exception {
    AppConfig defaults = ConfigLoader.load(Map.of());
    assertThat(defaults.rateLimits().chatPerSession()).isEqualTo(new AppConfig.Rate(20, 60));
    assertThat(defaults.rateLimits().chatPerIp()).isEqualTo(new AppConfig.Rate(300, 60));
    assertThat(defaults.rateLimits().loginFailuresPerEmail()).isEqualTo(new AppConfig.Rate(10, 900));
    assertThat(defaults.rateLimits().signupPerIp()).isEqualTo(new AppConfig.Rate(10, 3600));
    assertThat(defaults.rateLimits().maxKeys()).isEqualTo(100_000);
    assertThat(defaults.http().trustedProxies()).isEmpty();

    Path off = dir.resolve("off.json");
    Files.writeString(off, "{\"rateLimits\": {\"chatPerIp\": {\"capacity\": 0}}}");
    AppConfig disabled = ConfigLoader.load(Map.of("LIVECHAT_CONFIG", off.toString()));
    assertThat(disabled.rateLimits().chatPerIp().enabled()).isFalse();
    assertThat(disabled.rateLimits().chatPerSession().enabled()).isTrue();

    String[][] bad = {
        {"{\"rateLimits\": {\"chatPerSession\": {\"capacity\": -1}}}", "rateLimits.chatPerSession.capacity"},
        {"{\"rateLimits\": {\"loginPerIp\": {\"perSeconds\": -5}}}", "rateLimits.loginPerIp.perSeconds"},
        {"{\"rateLimits\": {\"signupPerIp\": {\"capacity\": 5, \"perSeconds\": 0}}}", "rateLimits.signupPerIp.perSeconds"},
        {"{\"rateLimits\": {\"chatPerIp\": {\"capacity\": 1.5}}}", "rateLimits.chatPerIp.capacity"},
        {"{\"rateLimits\": {\"chatPerIp\": 10}}", "rateLimits.chatPerIp"},
        {"{\"rateLimits\": {\"maxKeys\": 0}}", "rateLimits.maxKeys"},
        {"{\"http\": {\"trustedProxies\": [\"10.0.0.0/40\"]}}", "http.trustedProxies"},
        {"{\"http\": {\"trustedProxies\": [\"proxy.internal\"]}}", "http.trustedProxies"},
        {"{\"http\": {\"trustedProxies\": \"10.0.0.1\"}}", "http.trustedProxies"}};
    for (String[] c : bad) {
      Path file = dir.resolve("bad.json");
      Files.writeString(file, c[0]);
      assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIVECHAT_CONFIG", file.toString()))).as(c[0])
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c[1]);
    }
  }

  @Test
  void everyValueComesFromConfConfigJson(@TempDir Path dir) throws Exception {
    JsonObject packaged = ConfigLoader.defaults();
    AppConfig config = AppConfig.from(ConfigLoader.loadJson(Map.of()));
    assertThat(config.http().port()).isEqualTo(packaged.getJsonObject("http").getInteger("port"));
    assertThat(config.http().host()).isEqualTo(packaged.getJsonObject("http").getString("host"));
    assertThat(config.db().poolSize()).isEqualTo(packaged.getJsonObject("db").getInteger("poolSize"));
    assertThat(config.cluster().members()).isEqualTo(List.of("127.0.0.1:5701"))
        .isEqualTo(packaged.getJsonObject("cluster").getJsonArray("members").getList());
    assertThat(config.chat().handoffPhrases())
        .isEqualTo(packaged.getJsonObject("chat").getJsonArray("handoffPhrases").getList());
    assertThat(config.realtime().pingIntervalMs())
        .isEqualTo(packaged.getJsonObject("realtime").getLong("pingIntervalMs"));
    assertThat(config.rateLimits().maxKeys()).isEqualTo(packaged.getJsonObject("rateLimits").getInteger("maxKeys"));

    // ai.providerDefaults reaches ai.openai, every ai.providers entry and OpenAiSettings.of alike
    JsonObject tuning = packaged.getJsonObject("ai").getJsonObject("providerDefaults");
    AppConfig chain = load(dir, "{\"ai\": {\"providers\": [{\"baseUrl\": \"http://a/v1\", \"model\": \"m\"}]}}");
    for (OpenAiSettings p : List.of(config.openai(), chain.ai().providers().get(0),
        OpenAiSettings.of("http://b/v1", "", "m"))) {
      assertThat(p.timeoutMs()).as(p.name()).isEqualTo(tuning.getLong("timeoutMs"));
      assertThat(p.maxConnections()).as(p.name()).isEqualTo(tuning.getInteger("maxConnections"));
      assertThat(p.breakerMaxFailures()).as(p.name()).isEqualTo(tuning.getInteger("breakerMaxFailures"));
      assertThat(p.breakerResetMs()).as(p.name()).isEqualTo(tuning.getLong("breakerResetMs"));
      assertThat(p.maxRetries()).as(p.name()).isEqualTo(tuning.getInteger("maxRetries"));
      assertThat(p.retryBaseMs()).as(p.name()).isEqualTo(tuning.getLong("retryBaseMs"));
      assertThat(p.retryMaxMs()).as(p.name()).isEqualTo(tuning.getLong("retryMaxMs"));
      assertThat(p.tools()).as(p.name()).isEqualTo(tuning.getBoolean("tools"));
      assertThat(p.assistantModel()).as(p.name()).isEqualTo(tuning.getBoolean("assistantModel"));
      assertThat(p.stream()).as(p.name()).isEqualTo(tuning.getBoolean("stream"));
      assertThat(p.firstTokenTimeoutMs()).as(p.name()).isEqualTo(tuning.getLong("firstTokenTimeoutMs"));
      assertThat(p.chunkTimeoutMs()).as(p.name()).isEqualTo(tuning.getLong("chunkTimeoutMs"));
    }
    assertThat(chain.ai().providers().get(0).name()).isEqualTo("provider1");
    assertThat(OpenAiSettings.DEFAULT_MAX_CONNECTIONS).isEqualTo(tuning.getInteger("maxConnections"));
  }

  @Test
  void providerDefaultsAreTheTuningEveryProviderStartsFrom(@TempDir Path dir) throws Exception {
    AppConfig config = load(dir, """
        {"ai": {"providerDefaults": {"timeoutMs": 7000, "tools": false},
                "openai": {"apiKey": "sk-1", "maxRetries": 0},
                "providers": [{"baseUrl": "http://a/v1", "model": "m"},
                              {"baseUrl": "http://b/v1", "model": "m", "timeoutMs": 9000}]}}""");
    var providers = config.ai().providers();
    assertThat(providers.get(0).timeoutMs()).isEqualTo(7000);
    assertThat(providers.get(0).tools()).isFalse();
    assertThat(providers.get(0).maxRetries()).as("a default left alone stays").isEqualTo(2);
    assertThat(providers.get(1).timeoutMs()).as("an entry's own key wins").isEqualTo(9000);
    assertThat(config.openai().timeoutMs()).isEqualTo(7000);
    assertThat(config.openai().maxRetries()).as("ai.openai's own key wins").isZero();
    assertThat(providers.get(0).maxRetries()).as("ai.openai's keys are not defaults of others").isEqualTo(2);
  }

  @Test
  void aKeyOfConfConfigJsonLeftOutOfTheMergedJsonIsRefusedByName() {
    String[] keys = {"http.port", "dataDir", "cluster.members", "chat.handoffPhrases", "ai.chainTimeoutMs",
        "ai.openai.baseUrl", "ai.providerDefaults.maxRetries", "realtime.gapWaitMs", "rateLimits.chatPerIp",
        "rateLimits.loginPerIp.perSeconds", "admin.key"};
    for (String key : keys) {
      JsonObject json = ConfigLoader.loadJson(Map.of());
      String[] parts = key.split("\\.");
      JsonObject parent = json;
      for (int i = 0; i < parts.length - 1; i++) {
        parent = parent.getJsonObject(parts[i]);
      }
      parent.remove(parts[parts.length - 1]);
      assertThatThrownBy(() -> AppConfig.from(json)).as(key).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(key + " must be").hasMessageContaining("was missing");
    }
  }

  @Test
  void aValueOfTheWrongTypeIsRefusedWithItsKeyNamed(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> load(dir, "{\"realtime\": {\"pingIntervalMs\": \"soon\"}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realtime.pingIntervalMs must be a whole number of at least 1, was \"soon\"");
    String[][] cases = {
        {"{\"http\": {\"port\": \"x\"}}", "http.port must be a whole number from 0 to 65535, was \"x\""},
        {"{\"http\": {\"port\": 70000}}", "http.port"},
        {"{\"http\": {\"port\": null}}", "http.port"},
        {"{\"db\": {\"poolSize\": 2.5}}", "db.poolSize"},
        {"{\"cluster\": {\"enabled\": \"yes\"}}", "cluster.enabled"},
        {"{\"cluster\": {\"members\": [\"a:1\", 2]}}", "cluster.members[1]"},
        {"{\"cluster\": \"off\"}", "cluster must be an object"},
        {"{\"auth\": {\"jwtSecret\": 42}}", "auth.jwtSecret"},
        {"{\"chat\": {\"handoffPhrases\": \"human\"}}", "chat.handoffPhrases"},
        {"{\"ai\": {\"providerDefaults\": {\"maxRetries\": 11}}}", "ai.providerDefaults.maxRetries"},
        {"{\"ai\": {\"openai\": {\"tools\": \"on\"}}}", "ai.openai.tools"},
        {"{\"ai\": {\"openai\": {\"baseUrl\": \"ftp://x\"}}}", "ai.openai: baseUrl"},
        {"{\"ai\": {\"providers\": [{\"baseUrl\": \"http://a/v1\", \"model\": 3}]}}", "ai.providers[0].model"},
        {"{\"ai\": {\"providers\": [7]}}", "ai.providers[0] must be an object"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> load(dir, c[0])).as(c[0]).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void providerIdentityIsNeverTakenFromProviderDefaults(@TempDir Path dir) {
    assertThatThrownBy(() -> load(dir, "{\"ai\": {\"providerDefaults\": {\"baseUrl\": \"http://a/v1\"}, "
        + "\"providers\": [{\"model\": \"m\"}]}}"))
        .hasMessageContaining("ai.providers[0].baseUrl");
  }
}
