package com.livechat.store;

import com.livechat.config.AppConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypts the secrets the database keeps (carrier auth tokens, signing secrets), so that a dump
 * alone does not reveal them: AES-256-GCM under the server's key ({@code secrets.key}). A sealed
 * value is {@code version (1) | nonce (12 random bytes) | ciphertext and tag}. The associated data
 * binds a value to its row (the tenant id): copied to another row, it no longer opens.
 * Thread-safe.
 */
public final class SecretBox {

  private static final Logger LOG = LoggerFactory.getLogger(SecretBox.class);

  public static final int KEY_BYTES = 32;
  static final String KEY_FILE = "secrets.key";
  private static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";

  private final SecretKeySpec key;

  /** @param key exactly {@link #KEY_BYTES} bytes */
  public SecretBox(byte[] key) {
    if (key == null || key.length != KEY_BYTES) {
      throw new IllegalArgumentException("a SecretBox key must be " + KEY_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  public byte[] seal(String plaintext) {
    return seal(plaintext, "");
  }

  /** Encrypts {@code plaintext}; only {@link #open(byte[], String)} with the same {@code aad} opens it. */
  public byte[] seal(String plaintext, String aad) {
    byte[] nonce = Ids.randomBytes(NONCE_BYTES);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, aad);
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt with AES-256-GCM", e);
    }
  }

  public String open(byte[] sealed) {
    return open(sealed, "");
  }

  /**
   * The plaintext of a value {@link #seal(String, String)} made with this key and {@code aad}.
   *
   * @throws IllegalStateException when it was sealed with another key or other associated data,
   *     was changed, or is not a sealed value at all
   */
  public String open(byte[] sealed, String aad) {
    if (sealed == null || sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
      throw new IllegalStateException("not a sealed secret of version " + VERSION);
    }
    byte[] nonce = Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES);
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, nonce, aad);
      byte[] plain = cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      // AEADBadTagException: never say more (nor show the value)
      throw new IllegalStateException("cannot open a sealed secret: another key (secrets.key), another row, "
          + "or a changed value");
    }
  }

  private Cipher cipher(int mode, byte[] nonce, String aad) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance(TRANSFORMATION);
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    // the version is authenticated too, so that a future format cannot be confused with this one
    cipher.updateAAD(new byte[] {VERSION});
    cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
    return cipher;
  }

  /**
   * The box of the configured key ({@code secrets.key}, base64 of 32 bytes), or of the one kept in
   * {@code <dataDir>/secrets.key} (generated on first start, so that restarts still open what was
   * sealed). Blocking: call at start-up only.
   *
   * @throws IllegalArgumentException when the configured key is not base64 of exactly 32 bytes
   */
  public static SecretBox fromConfig(AppConfig.Secrets secrets, Path dataDir) {
    String configured = secrets.key() == null ? "" : secrets.key().strip();
    if (!configured.isEmpty()) {
      return new SecretBox(decode(configured, "secrets.key (LIVECHAT_SECRETS_KEY)"));
    }
    Path file = dataDir.resolve(KEY_FILE);
    try {
      if (Files.exists(file)) {
        return new SecretBox(decode(Files.readString(file, StandardCharsets.UTF_8).strip(), file.toString()));
      }
      Files.createDirectories(dataDir);
      byte[] key = Ids.randomBytes(KEY_BYTES);
      try {
        createPrivate(file);
      } catch (FileAlreadyExistsException raced) {
        // another process of this data dir wrote it first: use theirs
        return new SecretBox(decode(Files.readString(file, StandardCharsets.UTF_8).strip(), file.toString()));
      }
      Files.writeString(file, Base64.getEncoder().encodeToString(key), StandardCharsets.UTF_8);
      LOG.warn("No secrets key configured: generated one in {}. Every node of a cluster needs the same key "
          + "(set LIVECHAT_SECRETS_KEY on each node), and the secrets stored with it cannot be read without it.",
          file.toAbsolutePath());
      return new SecretBox(key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the secrets key in " + file, e);
    }
  }

  /** Creates the empty key file readable by its owner only (where the file system has permissions). */
  private static void createPrivate(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
  }

  private static byte[] decode(String base64, String where) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + " must be the base64 of exactly " + KEY_BYTES
          + " random bytes (openssl rand -base64 32); it is not valid base64");
    }
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException(where + " must be the base64 of exactly " + KEY_BYTES
          + " random bytes (openssl rand -base64 32); it holds " + key.length);
    }
    return key;
  }
}
