package com.livechat.voice.sim;

import com.livechat.voice.twilio.TwilioSignature;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.HexFormat;
import java.util.Map;

/**
 * Plays a Twilio-compatible carrier against a running node: it places calls to the voice webhooks,
 * follows the TwiML they answer, and speaks the ConversationRelay protocol, as the tests, the
 * benchmarks and scripts/call.sh need it.
 *
 * <p>Two bases, because the carrier knows the server only by its public URL (the one TwiML and
 * signatures are built from) while the requests must reach wherever it really listens: every URL is
 * signed as the public one and sent to {@code serverBase}, and a URL the server builds from
 * anything else fails the call, so a wrong public URL shows in tests.
 *
 * <p>One HTTP client and one WebSocket client serve every call, with pools sized for hundreds of
 * concurrent calls; nothing blocks, so one carrier drives a benchmark's 500 calls from any thread.
 */
public final class FakeCarrier {

  static final String SIGNATURE_HEADER = "X-Twilio-Signature";

  // the benchmark holds 500 calls open at once, each with its socket and its webhook requests
  private static final int MAX_CONNECTIONS = 4096;

  private final String serverBase;
  private final String publicBase;
  private final String authToken;
  private final String accountSid;
  private final WebClient http;
  private final WebSocketClient webSockets;

  /**
   * @param serverBase where requests go, e.g. http://127.0.0.1:38123
   * @param publicBase the server's public URL (LIVECHAT_PUBLIC_URL), e.g. https://chat.example.com
   */
  public FakeCarrier(Vertx vertx, String serverBase, String publicBase, String authToken, String accountSid) {
    this.serverBase = withoutTrailingSlash(serverBase);
    this.publicBase = withoutTrailingSlash(publicBase);
    this.authToken = authToken;
    this.accountSid = accountSid;
    this.http = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
    this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(MAX_CONNECTIONS));
  }

  /** A call from {@code from} to one of the server's numbers: the incoming webhook and its answer. */
  public Future<FakeCall> dial(String from, String to) {
    return new FakeCall(this, "CA" + hex(16), from, to).ring();
  }

  /**
   * One form POST to a public URL; {@code signatureOverride} replaces the right signature (null
   * keeps it), {@code omitSignature} sends none: for the webhooks' negative tests.
   */
  public Future<HttpResponse<Buffer>> post(String publicUrl, Map<String, String> params, String signatureOverride,
      boolean omitSignature) {
    String target;
    try {
      target = serverUrl(publicUrl);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    HttpRequest<Buffer> request = http.postAbs(target);
    if (!omitSignature) {
      request.putHeader(SIGNATURE_HEADER,
          signatureOverride != null ? signatureOverride : TwilioSignature.compute(authToken, publicUrl, params));
    }
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    params.forEach(form::add);
    return request.sendForm(form);
  }

  public Future<Void> close() {
    http.close();
    return webSockets.close();
  }

  String publicBase() {
    return publicBase;
  }

  String authToken() {
    return authToken;
  }

  String accountSid() {
    return accountSid;
  }

  WebSocketClient webSockets() {
    return webSockets;
  }

  /** {@code publicUrl} with its public base replaced by the server's. */
  String serverUrl(String publicUrl) {
    String rest = under(publicUrl, publicBase);
    if (rest == null) {
      throw new IllegalArgumentException(publicUrl + " is not under the public URL " + publicBase);
    }
    return serverBase + rest;
  }

  /** A relay URL (ws:// or wss:// on the public host) as the ws:// (or wss://) URL of the server. */
  String serverWebSocketUrl(String publicUrl) {
    String host = publicBase.substring(publicBase.indexOf("://") + 3);
    String rest = under(publicUrl, "wss://" + host);
    if (rest == null) {
      rest = under(publicUrl, "ws://" + host);
    }
    if (rest == null) {
      throw new IllegalArgumentException(publicUrl + " is not a WebSocket URL on the public host of " + publicBase);
    }
    return "ws" + serverBase.substring("http".length()) + rest;
  }

  static String hex(int bytes) {
    return HexFormat.of().formatHex(com.livechat.store.Ids.randomBytes(bytes));
  }

  /** What follows {@code base} in {@code url}, or null when {@code url} is not on that base. */
  private static String under(String url, String base) {
    if (url == null || !url.startsWith(base)) {
      return null;
    }
    String rest = url.substring(base.length());
    return rest.isEmpty() || "/?#".indexOf(rest.charAt(0)) >= 0 ? rest : null;
  }

  private static String withoutTrailingSlash(String url) {
    return url.replaceAll("/+$", "");
  }
}
