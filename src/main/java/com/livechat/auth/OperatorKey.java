package com.livechat.auth;

import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.http.ErrorMapper;
import io.vertx.core.http.HttpServerRequest;
import java.security.MessageDigest;

/**
 * The operator key (admin.key, LIVECHAT_ADMIN_KEY) as a Bearer credential: the /api/admin endpoints
 * and, with metrics.access = key, GET /metrics. With no key configured what it guards does not
 * exist (404), so a scan learns nothing.
 */
public final class OperatorKey {

  /** Only a digest of the key is kept, and compared in constant time. */
  private final byte[] keyDigest;

  public OperatorKey(AppConfig.Admin admin) {
    this.keyDigest = admin.enabled() ? WidgetTokens.hash(admin.key()) : null;
  }

  /** @return null when the request carries the key; else the error to answer (404 or 401 invalid_admin_key) */
  public AppError check(HttpServerRequest request) {
    if (keyDigest == null) {
      return ErrorMapper.forStatus(404);
    }
    String key = Bearer.token(request);
    if (key == null || !MessageDigest.isEqual(keyDigest, WidgetTokens.hash(key))) {
      return AppError.unauthorized("invalid_admin_key", "Missing or wrong operator key.");
    }
    return null;
  }
}
