package com.livechat.store;

import java.security.SecureRandom;
import java.util.Base64;

/** Opaque ids with a type prefix (tnt-, asst-, conv-, msg-, usr-): 96 random bits, URL-safe. */
public final class Ids {

  /** No id this server issues is longer; a longer one names nothing, and is not looked up. */
  public static final int MAX_LENGTH = 128;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private Ids() {}

  public static String next(String prefix) {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return prefix + "-" + ENCODER.encodeToString(bytes);
  }

  public static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** Whether {@code id} could be one of ours: not empty and not longer than {@link #MAX_LENGTH}. */
  public static boolean plausible(String id) {
    return id != null && !id.isEmpty() && id.length() <= MAX_LENGTH;
  }
}
