package com.livechat.realtime;

import com.livechat.error.AppError;
import com.livechat.http.ErrorMapper;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;
import java.util.Set;

/** The checks of a WebSocket upgrade request, refused with the JSON error rather than by the handshake. */
public final class WebSocketUpgrade {

  private static final Set<String> SUPPORTED_VERSIONS = Set.of("13", "8", "7");
  private static final String SEC_WEBSOCKET_VERSION = "Sec-WebSocket-Version";
  private static final String SEC_WEBSOCKET_KEY = "Sec-WebSocket-Key";

  private WebSocketUpgrade() {}

  /** Why the request is not an upgrade this server can take, or null when it is one. */
  public static AppError refusal(HttpServerRequest request) {
    String connection = request.getHeader(HttpHeaders.CONNECTION);
    if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))
        || connection == null || !connection.toLowerCase(Locale.ROOT).contains("upgrade")
        || request.getHeader(SEC_WEBSOCKET_KEY) == null) {
      return AppError.invalid("websocket_upgrade_required",
          "This endpoint speaks WebSocket only: send a WebSocket upgrade (Connection: Upgrade, "
              + "Upgrade: websocket, Sec-WebSocket-Key, Sec-WebSocket-Version: 13).");
    }
    if (!SUPPORTED_VERSIONS.contains(String.valueOf(request.getHeader(SEC_WEBSOCKET_VERSION)))) {
      return AppError.of(AppError.Kind.UPGRADE_REQUIRED, "unsupported_websocket_version",
          "Sec-WebSocket-Version must be 13.");
    }
    return null;
  }

  /** Answers a refused upgrade with its JSON error (and the version a 426 asks for). */
  public static void refuse(HttpServerRequest request, AppError refused) {
    if (refused.kind() == AppError.Kind.UPGRADE_REQUIRED) {
      request.response().putHeader(SEC_WEBSOCKET_VERSION, "13");
    }
    ErrorMapper.respond(request.response(), refused);
  }
}
