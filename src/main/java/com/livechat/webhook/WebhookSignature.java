package com.livechat.webhook;

import com.livechat.store.Ids;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): {@code webhook-signature} is
 * {@code v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">}, keyed by the
 * base64-decoded part of the {@code whsec_} secret; several entries, space-separated, while a
 * rotated secret still signs beside the new one.
 */
public final class WebhookSignature {

  public static final String PREFIX = "whsec_";
  /** Bytes of a new secret (the scheme allows 24 to 64). */
  public static final int SECRET_BYTES = 32;

  private WebhookSignature() {}

  /** A new secret: {@code whsec_} and base64 of {@link #SECRET_BYTES} random bytes. */
  public static String newSecret() {
    return PREFIX + Base64.getEncoder().encodeToString(Ids.randomBytes(SECRET_BYTES));
  }

  /** {@code v1,<signature>} of one message with one secret. */
  public static String sign(String secret, String id, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
      byte[] digest = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** The {@code webhook-signature} header: one entry per secret, in the given order. */
  public static String header(List<String> secrets, String id, long timestamp, String body) {
    return secrets.stream().map(s -> sign(s, id, timestamp, body)).collect(Collectors.joining(" "));
  }

  /** Whether one of the header's entries is the signature of the message with {@code secret} (constant time). */
  public static boolean verify(String secret, String id, long timestamp, String body, String header) {
    byte[] expected = sign(secret, id, timestamp, body).getBytes(StandardCharsets.US_ASCII);
    boolean found = false;
    for (String entry : header.trim().split(" +")) {
      found |= MessageDigest.isEqual(expected, entry.getBytes(StandardCharsets.US_ASCII));
    }
    return found;
  }

  private static byte[] key(String secret) {
    String encoded = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
    return Base64.getDecoder().decode(encoded);
  }
}
