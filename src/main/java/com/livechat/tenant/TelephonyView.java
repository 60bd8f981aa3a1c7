package com.livechat.tenant;

import com.livechat.config.AppConfig;
import io.vertx.core.json.JsonObject;

/**
 * The carrier account in effect for a tenant, as GET /api/tenant/telephony shows it: never the token,
 * only whether there is one.
 *
 * @param apiBaseUrl the API root calls go to (the tenant's own, else the server-wide one)
 * @param source "tenant" (its own account) or "server" (voice.twilio of the server's config)
 */
public record TelephonyView(String accountSid, boolean authTokenSet, String apiBaseUrl, String source) {

  public static final String TENANT = "tenant";
  public static final String SERVER = "server";

  /**
   * The server-wide account. It always has a token: an empty voice.twilio.authToken means one
   * generated in the data dir.
   */
  static TelephonyView server(AppConfig.Twilio twilio) {
    return new TelephonyView(twilio.accountSid().isEmpty() ? null : twilio.accountSid(), true,
        TelephonyInput.withoutTrailingSlash(twilio.apiBaseUrl()), SERVER);
  }

  /** The tenant's own account (which always has a token); a null {@code apiBaseUrl} is the server-wide one. */
  static TelephonyView tenant(String accountSid, String apiBaseUrl, AppConfig.Twilio twilio) {
    return new TelephonyView(accountSid, true,
        apiBaseUrl != null ? apiBaseUrl : TelephonyInput.withoutTrailingSlash(twilio.apiBaseUrl()), TENANT);
  }

  public JsonObject toJson() {
    return new JsonObject().put("accountSid", accountSid).put("authTokenSet", authTokenSet)
        .put("apiBaseUrl", apiBaseUrl).put("source", source);
  }
}
