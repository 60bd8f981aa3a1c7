package com.livechat.voice;

import com.livechat.config.AppConfig;
import com.livechat.tenant.TelephonyAccount;
import com.livechat.tenant.TelephonyStore;
import io.vertx.core.Future;

/**
 * Which carrier account a tenant's calls use: its own (PUT /api/tenant/telephony) or the
 * server-wide one of config. The account's auth token keys the signatures of every webhook of
 * the tenant's numbers and calls.
 */
public final class CarrierAccounts {

  private final TelephonyStore telephony;
  private final TelephonyAccount server;

  /** @param serverToken the server-wide auth token (configured, or generated into the data dir) */
  public CarrierAccounts(TelephonyStore telephony, AppConfig.Twilio config, String serverToken) {
    this.telephony = telephony;
    this.server = new TelephonyAccount(config.accountSid(), serverToken, config.apiBaseUrl());
  }

  public TelephonyAccount server() {
    return server;
  }

  /** The tenant's account, or the server's for a tenant without one (and for null: a number nobody has). */
  public Future<TelephonyAccount> forTenant(String tenantId) {
    if (tenantId == null) {
      return Future.succeededFuture(server);
    }
    return telephony.account(tenantId).map(own -> own == null ? server : new TelephonyAccount(own.accountSid(),
        own.authToken(), own.apiBaseUrl() == null || own.apiBaseUrl().isBlank() ? server.apiBaseUrl()
            : own.apiBaseUrl()));
  }
}
