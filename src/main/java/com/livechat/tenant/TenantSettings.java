package com.livechat.tenant;

import com.livechat.auth.WidgetTokens;
import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.net.OutboundTargets;
import io.vertx.core.Future;

/**
 * A tenant's own settings as its owners and admins change them: the widget config with its
 * allowed origins and search language, the widget token, and the carrier account. Every committed
 * change of the config or the tokens is announced on tenant.changed, so that no node serves the old
 * config or accepts a revoked token for long (the carrier account is read uncached).
 */
public final class TenantSettings {

  private final TenantStore store;
  private final TenantChanges changes;
  private final TelephonyStore telephony;
  private final AppConfig.Twilio serverTelephony;

  /** @param serverTelephony the server-wide carrier account, which applies to a tenant without its own */
  public TenantSettings(TenantStore store, TenantChanges changes, TelephonyStore telephony,
      AppConfig.Twilio serverTelephony) {
    this.store = store;
    this.changes = changes;
    this.telephony = telephony;
    this.serverTelephony = serverTelephony;
  }

  public Future<TenantStore.Settings> find(String tenantId) {
    return store.find(tenantId).compose(tenant -> tenant == null
        ? Future.failedFuture(tenantNotFound()) : Future.succeededFuture(tenant));
  }

  /** Replaces the config; its assistant must be the tenant's, its search language one the database knows. */
  public Future<TenantConfigInput> updateConfig(String tenantId, TenantConfigInput input) {
    return store.updateConfig(tenantId, input.name(), input.widgetConfig(), input.allowedOrigins(), input.assistantId(),
            input.requireVisitorToken(), input.searchLanguage(), input.handoffMode().configName())
        .compose(outcome -> switch (outcome) {
          case UPDATED -> {
            changes.announce(tenantId);
            yield Future.succeededFuture(input);
          }
          case NO_SUCH_ASSISTANT -> Future.failedFuture(
              AppError.notFound("assistant_not_found", "assistantId is not one of your assistants."));
          case NO_SUCH_TENANT -> Future.failedFuture(tenantNotFound());
          case NO_SUCH_SEARCH_LANGUAGE -> store.searchLanguages().compose(names -> Future.failedFuture(
              TenantConfigInput.invalidSearchLanguage(String.join(", ", names))));
        });
  }

  /** A new widget token, shown once; the old ones keep working for {@code graceSeconds} (0 = revoked now). */
  public Future<String> rotateWidgetToken(String tenantId, int graceSeconds) {
    String token = WidgetTokens.generate();
    return store.rotateWidgetToken(tenantId, WidgetTokens.hash(token), graceSeconds)
        .compose(found -> {
          if (!found) {
            return Future.failedFuture(tenantNotFound());
          }
          changes.announce(tenantId);
          return Future.succeededFuture(token);
        });
  }

  /** The carrier account in effect: the tenant's own, else the server-wide one. */
  public Future<TelephonyView> telephony(String tenantId) {
    return telephony.find(tenantId).map(own -> own == null ? TelephonyView.server(serverTelephony)
        : TelephonyView.tenant(own.accountSid(), own.apiBaseUrl(), serverTelephony));
  }

  /** Sets the tenant's own account; without an authToken the stored one is kept (400 when there is none). */
  public Future<TelephonyView> updateTelephony(String tenantId, TelephonyInput input) {
    String problem = input.apiBaseUrl() == null ? null
        : OutboundTargets.problem(input.apiBaseUrl(), serverTelephony.allowPrivateApiBaseUrl());
    if (problem != null) {
      // the carrier's API gets the account's credentials: only a public https server may
      return Future.failedFuture(AppError.invalid("api_base_url_not_allowed", "apiBaseUrl is not allowed: "
          + problem + ". A tenant's carrier API must be a public https URL."));
    }
    return telephony.save(tenantId, input.accountSid(), input.authToken(), input.apiBaseUrl())
        .compose(saved -> switch (saved) {
          case SAVED -> Future.succeededFuture(
              TelephonyView.tenant(input.accountSid(), input.apiBaseUrl(), serverTelephony));
          case NO_AUTH_TOKEN -> Future.failedFuture(TelephonyInput.authTokenRequired());
          case NO_SUCH_TENANT -> Future.failedFuture(tenantNotFound());
        });
  }

  /** Removes the tenant's own account; the server-wide one applies again. */
  public Future<TelephonyView> removeTelephony(String tenantId) {
    return telephony.delete(tenantId).map(removed -> TelephonyView.server(serverTelephony));
  }

  /** A token's tenant that is not (or no longer) in the database. */
  public static AppError tenantNotFound() {
    return AppError.notFound("tenant_not_found", "Your tenant no longer exists.");
  }
}
