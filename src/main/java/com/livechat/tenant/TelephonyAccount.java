package com.livechat.tenant;

/**
 * A carrier account that calls are made and signed with: the tenant's own (PUT
 * /api/tenant/telephony) or the server-wide one (voice.twilio).
 *
 * @param apiBaseUrl the carrier's API root without a trailing slash (https://api.twilio.com)
 */
public record TelephonyAccount(String accountSid, String authToken, String apiBaseUrl) {

  /** Never shows the token: an account may end up in a log line. */
  @Override
  public String toString() {
    return "TelephonyAccount[accountSid=" + accountSid + ", authToken=***, apiBaseUrl=" + apiBaseUrl + "]";
  }
}
