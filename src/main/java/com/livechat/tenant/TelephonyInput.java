package com.livechat.tenant;

import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The body of PUT /api/tenant/telephony, validated field by field: the tenant's own carrier account.
 *
 * @param authToken null = keep the stored one (refused when there is none yet)
 * @param apiBaseUrl null = the server-wide one (voice.twilio.apiBaseUrl); stored without a trailing slash
 */
record TelephonyInput(String accountSid, String authToken, String apiBaseUrl) {

  static final int AUTH_TOKEN_MIN = 16;
  static final int AUTH_TOKEN_MAX = 128;
  static final int API_BASE_URL_MAX = 200;

  // sorted: the order an unknown-field error lists them in
  private static final List<String> FIELDS = List.of("accountSid", "apiBaseUrl", "authToken");
  private static final Pattern ACCOUNT_SID = Pattern.compile("AC[0-9a-fA-F]{32}");

  static TelephonyInput parse(JsonObject body) {
    Bodies.onlyFields(body, FIELDS);
    return new TelephonyInput(accountSid(body.getValue("accountSid")), authToken(body.getValue("authToken")),
        apiBaseUrl(body.getValue("apiBaseUrl")));
  }

  static AppError authTokenRequired() {
    return AppError.invalid("invalid_auth_token", "authToken is required when the tenant has no telephony "
        + "account yet.");
  }

  private static String accountSid(Object value) {
    if (!(value instanceof String sid) || !ACCOUNT_SID.matcher(sid).matches()) {
      throw AppError.invalid("invalid_account_sid", "accountSid is required: AC followed by 32 hexadecimal digits.");
    }
    return sid;
  }

  /** The token itself is never part of a message. */
  private static String authToken(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof String token) {
      int length = token.codePointCount(0, token.length());
      if (length >= AUTH_TOKEN_MIN && length <= AUTH_TOKEN_MAX && token.codePoints()
          .noneMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c))) {
        return token;
      }
    }
    throw AppError.invalid("invalid_auth_token", "authToken must be " + AUTH_TOKEN_MIN + " to " + AUTH_TOKEN_MAX
        + " characters without spaces or control characters.");
  }

  private static String apiBaseUrl(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof String url && url.length() <= API_BASE_URL_MAX) {
      try {
        URI uri = new URI(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null && uri.getRawUserInfo() == null
            && uri.getRawQuery() == null && uri.getRawFragment() == null && !url.contains("?") && !url.contains("#")) {
          return withoutTrailingSlash(url);
        }
      } catch (URISyntaxException ignored) {
        // falls through to the 400
      }
    }
    throw AppError.invalid("invalid_api_base_url", "apiBaseUrl must be null or an http(s) URL without user info, "
        + "query or fragment, of at most " + API_BASE_URL_MAX + " characters.");
  }

  static String withoutTrailingSlash(String url) {
    return url.replaceAll("/+$", "");
  }
}
