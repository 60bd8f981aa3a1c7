package com.livechat.voice;

import com.livechat.http.AccessLog;
import com.livechat.bus.Addresses;
import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.http.ErrorMapper;
import com.livechat.http.RouteGroup;
import com.livechat.realtime.WebSocketUpgrade;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The carrier's side of the server (shared/API.md Part 4): its form-encoded webhooks, passed as
 * they came (URL, POST parameters, signature) to the node's voice verticle, which checks the
 * signature and answers TwiML; and the ConversationRelay socket, whose signed upgrade is checked
 * before the handshake (400 without a signature, 403 with a wrong one, in the JSON error shape).
 */
public final class VoiceRoutes implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(VoiceRoutes.class);
  static final String BASE = "/api/voice/twilio/";
  static final String SIGNATURE = "X-Twilio-Signature";
  static final CharSequence TEXT_XML = HttpHeaders.createOptimized("text/xml; charset=utf-8");
  /** Twilio's webhooks carry a few dozen parameters; far more is not a carrier. */
  static final int MAX_PARAMS = 200;

  private final Vertx vertx;
  private final BodyHandler body;
  private final Calls calls;
  private final LiveCalls live;
  private final AppConfig.Voice settings;
  private final long setupTimeoutMs;
  private final DeliveryOptions delivery;

  public VoiceRoutes(Vertx vertx, BodyHandler body, Calls calls, LiveCalls live, AppConfig.Voice settings,
      long setupTimeoutMs, long requestTimeoutMs) {
    this.vertx = vertx;
    this.body = body;
    this.calls = calls;
    this.live = live;
    this.settings = settings;
    this.setupTimeoutMs = setupTimeoutMs;
    this.delivery = new DeliveryOptions().setSendTimeout(requestTimeoutMs);
  }

  @Override
  public void mount(Router router) {
    for (String kind : new String[] {"incoming", "status", "relay-ended", "gather", "outbound"}) {
      router.post(BASE + kind).handler(body).handler(ctx -> webhook(ctx, kind));
    }
    router.get(BASE + "relay").handler(this::upgrade);
  }

  private void webhook(RoutingContext ctx, String kind) {
    HttpServerRequest request = ctx.request();
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      ErrorMapper.respond(request.response(), AppError.invalid("invalid_content_type",
          "Carrier webhooks are form-encoded (application/x-www-form-urlencoded)."));
      return;
    }
    JsonArray params = new JsonArray();
    for (Map.Entry<String, String> p : request.formAttributes()) {
      params.add(new JsonArray().add(p.getKey()).add(p.getValue()));
    }
    if (params.size() > MAX_PARAMS) {
      ErrorMapper.respond(request.response(), AppError.invalid("too_many_parameters",
          "A carrier webhook carries at most " + MAX_PARAMS + " parameters."));
      return;
    }
    JsonObject forward = new JsonObject().put("kind", kind).put("url", calls.baseUrl() + request.uri())
        .put("params", params).put("signature", request.getHeader(SIGNATURE));
    Context own = Vertx.currentContext();
    vertx.eventBus().<JsonObject>request(Addresses.VOICE_WEBHOOK, forward, delivery).onComplete(ar -> own.runOnContext(v -> {
      if (ar.succeeded()) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT_XML).end(ar.result().body().getString("twiml"));
      } else {
        ErrorMapper.respond(ctx, ar.cause());
      }
    }));
  }

  /** The relay socket: its upgrade signed over the socket's public URL, for a call in progress. */
  private void upgrade(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    AppError refused = WebSocketUpgrade.refusal(request);
    if (refused != null) {
      WebSocketUpgrade.refuse(request, refused);
      return;
    }
    Context own = vertx.getOrCreateContext();
    String url = calls.baseUrl().replaceFirst("^http", "ws") + request.uri();
    // held until the call is known: the handshake needs a request that has not been read to its end
    request.pause();
    calls.admitRelay(url, request.getHeader(SIGNATURE), request.getParam("callSid"))
        .onComplete(ar -> own.runOnContext(v -> {
          if (ar.failed()) {
            WebSocketUpgrade.refuse(request, ErrorMapper.classify(request.response(), ar.cause()));
            return;
          }
          request.toWebSocket().onSuccess(ws -> AccessLog.upgraded(request)).onSuccess(ws -> {
            RelaySession[] session = new RelaySession[1];
            session[0] = new RelaySession(vertx, ws, ar.result(), calls, settings, setupTimeoutMs, delivery.getSendTimeout(),
                false, () -> live.closed(session[0]));
            live.opened(session[0]);
          }).onFailure(err -> LOG.debug("relay upgrade refused: {}", err.getMessage()));
        }));
  }
}
