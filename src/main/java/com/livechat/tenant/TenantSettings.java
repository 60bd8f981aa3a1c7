package com.livechat.tenant;

import com.livechat.auth.WidgetTokens;
import com.livechat.error.AppError;
import io.vertx.core.Future;

/**
 * A tenant's own settings as its owners and admins change them: the widget config with its
 * allowed origins and search language, and the widget token. Every committed change is announced
 * on tenant.changed, so that no node serves the old config or accepts a revoked token for long.
 */
public final class TenantSettings {

  private final TenantStore store;
  private final TenantChanges changes;

  public TenantSettings(TenantStore store, TenantChanges changes) {
    this.store = store;
    this.changes = changes;
  }

  public Future<TenantStore.Settings> find(String tenantId) {
    return store.find(tenantId).compose(tenant -> tenant == null
        ? Future.failedFuture(tenantNotFound()) : Future.succeededFuture(tenant));
  }

  /** Replaces the config; its assistant must be the tenant's, its search language one the database knows. */
  public Future<TenantConfigInput> updateConfig(String tenantId, TenantConfigInput input) {
    return store.updateConfig(tenantId, input.name(), input.widgetConfig(), input.allowedOrigins(), input.assistantId(),
            input.requireVisitorToken(), input.searchLanguage())
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

  static AppError tenantNotFound() {
    return AppError.notFound("tenant_not_found", "Your tenant no longer exists.");
  }
}
