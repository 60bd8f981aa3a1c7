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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
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
 *
 * <p>Outbound, it is also the carrier's REST API and the people called ({@link #serveRest()}): the
 * server places a call with {@code POST /2010-04-01/Accounts/{AccountSid}/Calls.json}, and the
 * carrier plays it as Twilio does — signed status callbacks for the requested events, the
 * {@code Url} fetched when the callee answers, its TwiML followed (the relay spoken by the same
 * {@link FakeCall} code as inbound calls), the callee scripted per number with {@link #callee}.
 * Calls are timers and futures, not threads: hundreds at once cost nothing but their sockets.
 */
public final class FakeCarrier {

  static final String SIGNATURE_HEADER = "X-Twilio-Signature";

  // the benchmark holds 500 calls open at once, each with its socket and its webhook requests
  private static final int MAX_CONNECTIONS = 4096;

  /** How long one request to the server (webhook, status callback) may take before the carrier gives up. */
  static final long REQUEST_TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final String serverBase;
  private final String publicBase;
  private final String authToken;
  private final String accountSid;
  private final WebClient http;
  private final WebSocketClient webSockets;
  private final CarrierRest rest;

  /**
   * @param serverBase where requests go, e.g. http://127.0.0.1:38123
   * @param publicBase the server's public URL (LIVECHAT_PUBLIC_URL), e.g. https://chat.example.com
   */
  public FakeCarrier(Vertx vertx, String serverBase, String publicBase, String authToken, String accountSid) {
    this.vertx = vertx;
    this.serverBase = withoutTrailingSlash(serverBase);
    this.publicBase = withoutTrailingSlash(publicBase);
    this.authToken = authToken;
    this.accountSid = accountSid;
    this.http = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
    this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(MAX_CONNECTIONS));
    this.rest = new CarrierRest(this);
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
    return post(publicUrl, params, signatureOverride, omitSignature, 0);
  }

  private Future<HttpResponse<Buffer>> post(String publicUrl, Map<String, String> params, String signatureOverride,
      boolean omitSignature, long timeoutMs) {
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
    if (timeoutMs > 0) {
      request.timeout(timeoutMs);
    }
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    params.forEach(form::add);
    return request.sendForm(form);
  }

  /**
   * A signed request as the carrier makes it with {@code method} (a TwiML {@code Url} or a
   * {@code StatusCallback} may ask for GET: then the parameters go in the query, which the
   * signature covers, and no body).
   */
  Future<HttpResponse<Buffer>> send(String method, String publicUrl, Map<String, String> params, long timeoutMs) {
    if (!"GET".equalsIgnoreCase(method)) {
      return post(publicUrl, params, null, false, timeoutMs);
    }
    StringBuilder url = new StringBuilder(publicUrl);
    char separator = publicUrl.indexOf('?') >= 0 ? '&' : '?';
    for (Map.Entry<String, String> param : params.entrySet()) {
      url.append(separator).append(URLEncoder.encode(param.getKey(), StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(param.getValue(), StandardCharsets.UTF_8));
      separator = '&';
    }
    String signedUrl = url.toString();
    String target;
    try {
      target = serverUrl(signedUrl);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    HttpRequest<Buffer> request = http.getAbs(target)
        .putHeader(SIGNATURE_HEADER, TwilioSignature.compute(authToken, signedUrl, Map.of()));
    if (timeoutMs > 0) {
      request.timeout(timeoutMs);
    }
    return request.send();
  }

  // --- outbound: the REST API and the callees ---------------------------------------------------

  /**
   * Starts the carrier's REST API on 127.0.0.1 (a free port; the server's {@code apiBaseUrl} is
   * {@code http://127.0.0.1:<port>}); calling it again gives the same port.
   */
  public Future<Integer> serveRest() {
    return rest.listen();
  }

  /** {@code http://127.0.0.1:<port>} of {@link #serveRest()}; fails before it has listened. */
  public String restBaseUrl() {
    return "http://127.0.0.1:" + rest.port();
  }

  /** Who answers calls to {@code number} from now on (the latest setting wins). */
  public void callee(String number, Callee callee) {
    rest.callee(number, callee);
  }

  /** Who answers calls to numbers without a {@link #callee} of their own; {@link Callee#DEFAULT} until set. */
  public void defaultCallee(Callee callee) {
    rest.defaultCallee(callee);
  }

  /** The next {@code n} requests to Calls.json are answered 429, code 20429 (before authentication). */
  public void rateLimitNext(int n) {
    rest.rateLimitNext(n);
  }

  /** Every request to Calls.json so far, accepted or not, in arrival order. */
  public List<RestRequest> restRequests() {
    return rest.requests();
  }

  /** Outbound calls accepted (201) and not yet terminal (busy, no-answer, failed, completed). */
  public int liveOutbound() {
    return rest.live();
  }

  /** The most outbound calls live at once so far. */
  public int maxLiveOutbound() {
    return rest.maxLive();
  }

  /** The latest outbound call to {@code to}, or null when there was none. */
  public OutboundCall outboundCall(String to) {
    return rest.latest(to);
  }

  /** Every outbound call accepted so far, in the order accepted. */
  public List<OutboundCall> outboundCalls() {
    return rest.calls();
  }

  /**
   * Blocks until {@code count} outbound calls (counted since the carrier was made) are over — terminal,
   * and their last status callback answered — and returns them in the order they ended; throws
   * IllegalStateException after {@code timeout}. Not on an event loop: it would wait for itself.
   */
  public List<OutboundCall> awaitTerminal(int count, Duration timeout) {
    return rest.awaitFinished(count, timeout);
  }

  public Future<Void> close() {
    http.close();
    return rest.close().transform(ignored -> webSockets.close());
  }

  Vertx vertx() {
    return vertx;
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
