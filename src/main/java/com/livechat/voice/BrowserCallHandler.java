package com.livechat.voice;

import com.livechat.http.AccessLog;
import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.http.RouteGroup;
import com.livechat.realtime.VisitorAccess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /ws/voice: a call to the assistant from the widget in a browser that does speech-to-text
 * and text-to-speech itself. The socket is admitted as /ws/chat is (an auth message with the
 * widget, a widget or visitor token, the session; the widget's allowed origins on the upgrade),
 * then speaks the relay's message set: the server sends {@code auth:ok} with the call's
 * conversation, the greeting and each reply as {@code text} tokens, and {@code end} with
 * {@code handoffData}; the browser sends {@code prompt} and {@code interrupt}. Closing the socket
 * hangs up. The call counts as a voice call (monthly, and within the concurrent cap).
 */
public final class BrowserCallHandler implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(BrowserCallHandler.class);
  static final String PATH = "/ws/voice";

  private final Vertx vertx;
  private final VisitorAccess access;
  private final Calls calls;
  private final LiveCalls live;
  private final AppConfig.Voice settings;
  private final long authTimeoutMs;
  private final long chatTimeoutMs;

  public BrowserCallHandler(Vertx vertx, VisitorAccess access, Calls calls, LiveCalls live, AppConfig.Voice settings,
      long authTimeoutMs, long chatTimeoutMs) {
    this.vertx = vertx;
    this.access = access;
    this.calls = calls;
    this.live = live;
    this.settings = settings;
    this.authTimeoutMs = authTimeoutMs;
    this.chatTimeoutMs = chatTimeoutMs;
  }

  @Override
  public void mount(Router router) {
    router.get(PATH).handler(this::upgrade);
  }

  private void upgrade(RoutingContext ctx) {
    access.upgrade(vertx, ctx.request(), this::accept);
  }

  private void accept(HttpServerRequest request, String origin) {
    request.toWebSocket().onSuccess(ws -> AccessLog.upgraded(request)).onSuccess(ws -> {
      long timer = vertx.setTimer(authTimeoutMs, id -> ws.close(VisitorAccess.CLOSE_UNAUTHORIZED, "auth timeout"));
      ws.textMessageHandler(text -> {
        ws.textMessageHandler(null);
        vertx.cancelTimer(timer);
        authenticate(ws, text, origin);
      });
    }).onFailure(err -> LOG.debug("voice socket upgrade refused: {}", err.getMessage()));
  }

  private void authenticate(ServerWebSocket ws, String text, String origin) {
    JsonObject auth;
    try {
      auth = new JsonObject(text);
    } catch (RuntimeException e) {
      ws.close(VisitorAccess.CLOSE_UNAUTHORIZED, "expected an auth message");
      return;
    }
    if (!"auth".equals(auth.getValue("type"))) {
      ws.close(VisitorAccess.CLOSE_UNAUTHORIZED, "expected an auth message");
      return;
    }
    Object assistantId = auth.getValue("assistantId");
    if (assistantId != null && !(assistantId instanceof String)) {
      ws.close(VisitorAccess.CLOSE_BAD_REQUEST, "invalid assistantId");
      return;
    }
    access.admit(auth.getValue("widgetId"), auth.getValue("token"), auth.getValue("sessionId"), origin)
        .compose(visitor -> calls.openBrowserCall(visitor.tenantId(), visitor.sessionId(), (String) assistantId,
            visitor.widget().tenant().defaultAssistantId()))
        .onComplete(ar -> {
          if (ws.isClosed()) {
            if (ar.succeeded()) {
              calls.endBrowserCall(ar.result());
            }
            return;
          }
          if (ar.failed()) {
            refuse(ws, ar.cause());
            return;
          }
          Calls.BrowserCall call = ar.result();
          ws.writeTextMessage(new JsonObject().put("type", "auth:ok")
              .put("conversationId", call.call().conversation().id()).put("language", call.language()).encode());
          ws.writeTextMessage(new JsonObject().put("type", "text").put("token", call.greeting()).put("last", true)
              .encode());
          RelaySession[] session = new RelaySession[1];
          session[0] = new RelaySession(vertx, ws, call.call(), calls, settings, authTimeoutMs, chatTimeoutMs, true,
              () -> {
                live.closed(session[0]);
                calls.endBrowserCall(call).onFailure(err -> LOG.warn("could not end browser call {}",
                    call.call().call().callSid(), err));
              });
          live.opened(session[0]);
        });
  }

  /** A refused visitor closes as on /ws/chat; a limit is said (end with handoffData) before the close. */
  private static void refuse(ServerWebSocket ws, Throwable failure) {
    if (failure instanceof VisitorAccess.Refused r) {
      ws.close(r.code(), r.getMessage());
      return;
    }
    AppError error = AppError.from(failure);
    if (error.code().equals("usage_limit_exceeded") || error.code().equals("concurrent_calls_exceeded")) {
      String say = error.code().equals("usage_limit_exceeded") ? Calls.OVER_MONTHLY_LIMIT : Calls.ALL_LINES_BUSY;
      ws.writeTextMessage(new JsonObject().put("type", "end").put("handoffData", new JsonObject()
          .put("reasonCode", Calls.LIMIT_REASON).put("say", say).encode()).encode());
      ws.close((short) 1000, "limit");
      return;
    }
    if (error.kind() == AppError.Kind.NOT_FOUND || error.kind() == AppError.Kind.INVALID) {
      ws.close(VisitorAccess.CLOSE_BAD_REQUEST, error.code());
      return;
    }
    ws.close((short) 1011, "try again later");
  }
}
