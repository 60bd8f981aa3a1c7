package com.livechat.auth;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/** The credential of an {@code Authorization: Bearer <token>} header (scheme in any case). */
public final class Bearer {

  private static final String SCHEME = "Bearer ";

  private Bearer() {}

  /** The token, trimmed; null when the header is missing, of another scheme, or empty. */
  public static String token(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || header.length() <= SCHEME.length()
        || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return null;
    }
    String token = header.substring(SCHEME.length()).trim();
    return token.isEmpty() ? null : token;
  }
}
