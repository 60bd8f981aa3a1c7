package com.livechat.http;

import com.livechat.error.AppError;

/**
 * The request line's path and query, checked before any route decodes them: a percent-escape must
 * be {@code %} and two hex digits, and none may stand for NUL ({@code %00}), which no id, cursor
 * or text of this API contains and PostgreSQL refuses. Either is a 400 in the one error shape, not
 * the router's plain-text 400 or a 500 from the database.
 */
final class RequestUris {

  private RequestUris() {}

  /** The error for a URI that must not reach the routes, or null when it is fine. */
  static AppError check(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '%') {
        if (i + 2 >= uri.length() || hex(uri.charAt(i + 1)) < 0 || hex(uri.charAt(i + 2)) < 0) {
          return AppError.invalid("invalid_uri", "The request URI has a malformed percent-escape (a % must be "
              + "followed by two hex digits).");
        }
        if (hex(uri.charAt(i + 1)) == 0 && hex(uri.charAt(i + 2)) == 0) {
          return AppError.invalid("invalid_uri", "The request URI contains a NUL character (%00).");
        }
        i += 2;
      } else if (c < 0x20 || c == 0x7f) {
        return AppError.invalid("invalid_uri", "The request URI contains a control character.");
      }
    }
    return null;
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }
}
