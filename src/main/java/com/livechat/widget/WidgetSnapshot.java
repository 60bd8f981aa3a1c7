package com.livechat.widget;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * A tenant as the widget endpoints serve it, with the config response pre-encoded and its ETag
 * computed once, so that a config read costs no database trip and no JSON encoding.
 */
public final class WidgetSnapshot {

  private final WidgetTenant tenant;
  private final Set<String> allowedOrigins;
  private final Buffer configBody;
  private final String etag;

  WidgetSnapshot(WidgetTenant tenant) {
    this.tenant = tenant;
    this.allowedOrigins = Set.copyOf(tenant.allowedOrigins());
    byte[] body = new JsonObject().put("success", true).put("config", tenant.widgetConfig()).encode()
        .getBytes(StandardCharsets.UTF_8);
    this.configBody = Buffer.buffer(body);
    this.etag = "\"" + HexFormat.of().formatHex(sha256(body), 0, 16) + "\"";
  }

  public WidgetTenant tenant() {
    return tenant;
  }

  public Buffer configBody() {
    return configBody;
  }

  public String etag() {
    return etag;
  }

  /** Empty allow-list means any origin; a request without Origin (server to server) always passes. */
  public boolean originAllowed(String origin) {
    return origin == null || allowedOrigins.isEmpty() || allowedOrigins.contains(origin);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
