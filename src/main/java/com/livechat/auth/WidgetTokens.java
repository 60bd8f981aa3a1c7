package com.livechat.auth;

import com.livechat.store.Ids;
import com.livechat.widget.WidgetTenant;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;

/**
 * Widget tokens: 32 random bytes shown once, stored only as a SHA-256 digest (a fast digest is
 * enough for 256 random bits) and compared in constant time.
 */
public final class WidgetTokens {

  private static final String PREFIX = "wt_";
  // every widget request hashes its token: one digest per thread instead of a provider lookup each time
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  });

  private WidgetTokens() {}

  public static String generate() {
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(Ids.randomBytes(32));
  }

  public static byte[] hash(String token) {
    return SHA_256.get().digest(token.getBytes(StandardCharsets.UTF_8));
  }

  /** Returned by {@link #liveUntil} for a token that matches no live token. */
  public static final long NO_MATCH = -1;

  /** True when the presented token matches one of the tenant's live tokens at {@code now}. */
  public static boolean matches(WidgetTenant tenant, String presented, Instant now) {
    return liveUntil(tenant, presented, now) != NO_MATCH;
  }

  /**
   * Until when the presented token stays valid (epoch millis; Long.MAX_VALUE for a token without
   * expiry, the end of its grace period for a rotated one), or {@link #NO_MATCH}.
   */
  public static long liveUntil(WidgetTenant tenant, String presented, Instant now) {
    if (presented == null || presented.isEmpty() || presented.length() > 256) {
      return NO_MATCH;
    }
    byte[] digest = hash(presented);
    long until = NO_MATCH;
    for (WidgetTenant.TokenHash token : tenant.tokens()) {
      boolean live = token.expiresAt() == null || token.expiresAt().isAfter(now);
      // no early exit: every stored token is compared, so timing says nothing about which matched
      if (MessageDigest.isEqual(digest, token.hash()) & live) {
        until = token.expiresAt() == null ? Long.MAX_VALUE : token.expiresAt().toEpochMilli();
      }
    }
    return until;
  }
}
