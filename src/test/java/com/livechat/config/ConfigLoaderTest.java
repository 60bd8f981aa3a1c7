package com.livechat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  }

  @Test
  void everyEnvironmentVariableOverridesItsKey() {
    AppConfig config = ConfigLoader.load(Map.ofEntries(
        Map.entry("LIVECHAT_HTTP_PORT", "9090"),
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
}
