package com.livechat.http;

import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** ?limit= (default 50, 1 to 200) and opaque ?cursor= values, as shared/API.md fixes them. */
public final class Paging {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 200;

  private Paging() {}

  public static int limit(RoutingContext ctx) {
    String raw = ctx.request().getParam("limit");
    if (raw == null || raw.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(raw);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the 400
    }
    throw ApiError.invalid("invalid_limit", "limit must be an integer from 1 to " + MAX_LIMIT + ".");
  }

  /** Wraps a server-side position so that clients treat it as opaque. */
  public static String encodeCursor(String position) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
  }

  /** @return the position, or null when the request has no cursor; a malformed one is a 400 */
  public static String decodeCursor(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return null;
    }
    try {
      if (cursor.length() <= 512) {
        return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      }
    } catch (IllegalArgumentException ignored) {
      // falls through to the 400
    }
    throw ApiError.invalid("invalid_cursor", "cursor is not one this server issued.");
  }
}
