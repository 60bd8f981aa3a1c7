package com.livechat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.config.AppConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {

  private static final String TOKEN = "0123456789abcdef0123456789abcdef";

  private static SecretBox box() {
    return new SecretBox(Ids.randomBytes(32));
  }

  @Test
  void whatIsSealedOpensWithTheSameKeyAndAssociatedData() {
    SecretBox box = box();
    assertThat(box.open(box.seal(TOKEN))).isEqualTo(TOKEN);
    assertThat(box.open(box.seal(TOKEN, "tnt-a"), "tnt-a")).isEqualTo(TOKEN);
    assertThat(box.open(box.seal("", "tnt-a"), "tnt-a")).isEmpty();
    assertThat(box.open(box.seal("héllo ✓", "tnt-a"), "tnt-a")).isEqualTo("héllo ✓");
  }

  @Test
  void aSealedValueIsVersionNonceAndCiphertextWithoutThePlaintext() {
    byte[] sealed = box().seal(TOKEN, "tnt-a");
    assertThat(sealed[0]).isEqualTo((byte) 1);
    assertThat(sealed).hasSize(1 + 12 + TOKEN.length() + 16);
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(TOKEN).doesNotContain("0123");
  }

  @Test
  void twoSealsOfTheSameTextDiffer() {
    SecretBox box = box();
    assertThat(box.seal(TOKEN, "tnt-a")).isNotEqualTo(box.seal(TOKEN, "tnt-a"));
  }

  @Test
  void aChangedValueDoesNotOpen() {
    SecretBox box = box();
    byte[] sealed = box.seal(TOKEN, "tnt-a");
    for (int i = 0; i < sealed.length; i++) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 0x01;
      int at = i;
      assertThatThrownBy(() -> box.open(tampered, "tnt-a")).as("byte " + at).isInstanceOf(IllegalStateException.class);
    }
    byte[] truncated = java.util.Arrays.copyOf(sealed, sealed.length - 1);
    assertThatThrownBy(() -> box.open(truncated, "tnt-a")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> box.open(new byte[3], "tnt-a")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> box.open(null, "tnt-a")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aValueCopiedToAnotherRowDoesNotOpen() {
    SecretBox box = box();
    byte[] sealed = box.seal(TOKEN, "tnt-a");
    assertThatThrownBy(() -> box.open(sealed, "tnt-b")).isInstanceOf(IllegalStateException.class)
        .message().doesNotContain(TOKEN);
    assertThatThrownBy(() -> box.open(sealed)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anotherKeyDoesNotOpen() {
    byte[] sealed = box().seal(TOKEN, "tnt-a");
    assertThatThrownBy(() -> box().open(sealed, "tnt-a")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("secrets.key");
  }

  @Test
  void aConfiguredKeyIsUsedAsIs(@TempDir Path dir) {
    byte[] key = Ids.randomBytes(32);
    String base64 = Base64.getEncoder().encodeToString(key);
    byte[] sealed = new SecretBox(key).seal(TOKEN, "tnt-a");
    assertThat(SecretBox.fromConfig(new AppConfig.Secrets(base64), dir).open(sealed, "tnt-a")).isEqualTo(TOKEN);
    assertThat(dir.resolve("secrets.key")).doesNotExist();
  }

  @Test
  void aBadConfiguredKeyIsRefusedNamingTheSetting(@TempDir Path dir) {
    for (String bad : new String[] {"not base64!", Base64.getEncoder().encodeToString(new byte[16]),
        Base64.getEncoder().encodeToString(new byte[33])}) {
      assertThatThrownBy(() -> SecretBox.fromConfig(new AppConfig.Secrets(bad), dir)).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("secrets.key").hasMessageContaining("LIVECHAT_SECRETS_KEY")
          .message().doesNotContain(bad);
    }
  }

  @Test
  void withoutAConfiguredKeyOneIsGeneratedInTheDataDirAndKept(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SecretBox first = SecretBox.fromConfig(new AppConfig.Secrets(""), data);
    Path file = data.resolve("secrets.key");
    assertThat(file).exists();
    assertThat(Base64.getDecoder().decode(Files.readString(file).strip())).hasSize(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    byte[] sealed = first.seal(TOKEN, "tnt-a");
    // a restart reads the same key
    assertThat(SecretBox.fromConfig(new AppConfig.Secrets(""), data).open(sealed, "tnt-a")).isEqualTo(TOKEN);
  }
}
