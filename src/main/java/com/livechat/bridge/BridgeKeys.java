package com.livechat.bridge;

import com.livechat.config.AppConfig.BridgeKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The bridge's keys, matched in constant time: the presented key's SHA-256 is compared with every
 * configured key's ({@link MessageDigest#isEqual}), all of them each time, so neither the time
 * taken nor an early exit tells a caller how close a guess was or which key it hit. Keys are never
 * logged; only their position in {@code bridge.keys} is.
 */
final class BridgeKeys {

  private record Entry(byte[] digest, BridgeKey key, int index) {}

  private final List<Entry> entries;

  BridgeKeys(List<BridgeKey> keys) {
    this.entries = java.util.stream.IntStream.range(0, keys.size())
        .mapToObj(i -> new Entry(sha256(keys.get(i).key()), keys.get(i), i)).toList();
  }

  /** The key presented as {@code "Bearer <key>"}, or null when there is none or it is nobody's. */
  BridgeKey match(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    byte[] presented = sha256(authorization.substring(7).trim());
    BridgeKey found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest(), presented)) {
        found = e.key();
      }
    }
    return found;
  }

  /** Where the key sits in bridge.keys (for logs: never the key itself). */
  int indexOf(BridgeKey key) {
    for (Entry e : entries) {
      if (e.key() == key) {
        return e.index();
      }
    }
    return -1;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
