package com.livechat.voice.twilio;

import com.livechat.config.AppConfig;
import com.livechat.net.OutboundTargets;
import com.livechat.tenant.TelephonyAccount;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/**
 * The carrier's REST API as the server uses it: placing an outbound call
 * ({@code POST /2010-04-01/Accounts/{AccountSid}/Calls.json}, HTTP Basic with the account's sid
 * and auth token, form-encoded), with its answers sorted into what a dialer does next. One client
 * per node; redirects are not followed.
 */
public final class TwilioRest {

  /** What became of a request to place a call. */
  public sealed interface Placed permits Created, RateLimited, Refused, Unavailable, Unknown, NotAllowed {}

  /** 201: the call exists, with its sid. */
  public record Created(String callSid) implements Placed {}

  /** 429 (Twilio code 20429): not placed; ask again later (Retry-After seconds, or 0 when not given). */
  public record RateLimited(long retryAfterSeconds) implements Placed {}

  /** A 4xx the carrier gave a reason for (21211 invalid number, 21214, 21217, …): not placed, never retried. */
  public record Refused(int status, int code, String message) implements Placed {}

  /** Not placed: the carrier could not be reached, or answered 5xx before taking the call. */
  public record Unavailable(String reason) implements Placed {}

  /** The request went out but no answer came (a timeout): the call may or may not exist. */
  public record Unknown(String reason) implements Placed {}

  /** Not sent: a tenant's own API root is not a public https server now (net.OutboundTargets). */
  public record NotAllowed(String reason) implements Placed {}

  public static final long TIMEOUT_MS = 15_000;

  private final WebClient client;
  private final Vertx vertx;
  private final String serverApiBaseUrl;
  private final boolean allowPrivate;

  /**
   * @param server the server-wide account: its apiBaseUrl is the operator's and trusted; any other
   *     (a tenant's own) must resolve to public addresses only, at every request, unless
   *     {@code allowPrivateApiBaseUrl}
   */
  public TwilioRest(Vertx vertx, AppConfig.Twilio server) {
    this.vertx = vertx;
    this.serverApiBaseUrl = withoutSlash(server.apiBaseUrl());
    this.allowPrivate = server.allowPrivateApiBaseUrl();
    // a redirect would carry the account's credentials to wherever it points
    this.client = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000)
        .setIdleTimeout(60), new PoolOptions().setHttp1MaxSize(64)), new WebClientOptions().setFollowRedirects(false));
  }

  /**
   * Places a call: {@code params} are Calls.json's (To, From, Url, StatusCallback, …), with the
   * repeated StatusCallbackEvent given as a list.
   */
  public Future<Placed> createCall(TelephonyAccount account, Map<String, Object> params) {
    String url = account.apiBaseUrl().replaceAll("/+$", "") + "/2010-04-01/Accounts/" + account.accountSid()
        + "/Calls.json";
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    params.forEach((name, value) -> {
      if (value instanceof List<?> values) {
        values.forEach(v -> form.add(name, String.valueOf(v)));
      } else if (value != null) {
        form.add(name, String.valueOf(value));
      }
    });
    // the operator's URL as configured; a tenant's own only to the public address just checked
    Future<HttpRequest<Buffer>> request = withoutSlash(account.apiBaseUrl()).equals(serverApiBaseUrl)
        ? Future.succeededFuture(client.postAbs(url))
        : OutboundTargets.resolve(vertx, url, allowPrivate)
            .map(address -> client.requestAbs(HttpMethod.POST, address, url));
    return request.compose(r -> r.basicAuthentication(account.accountSid(), account.authToken()).timeout(TIMEOUT_MS)
            .sendForm(form)
            .map(TwilioRest::placed))
        .recover(err -> Future.succeededFuture(notPlaced(err)));
  }

  /** A request that failed before an answer: refused by the target check, not sent, or sent with no answer. */
  private static Placed notPlaced(Throwable err) {
    String reason = String.valueOf(err.getMessage());
    if (err instanceof OutboundTargets.Refused) {
      return new NotAllowed(reason);
    }
    if (err instanceof ConnectException || err instanceof UnknownHostException || reason.startsWith("Connection refused")) {
      return new Unavailable(reason);
    }
    return new Unknown(reason);
  }

  static Placed placed(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    JsonObject body = json(response.body());
    if (status == 201 || status == 200) {
      String sid = body.getString("sid");
      return sid == null ? new Unknown("the carrier's answer has no sid") : new Created(sid);
    }
    if (status == 429) {
      long retryAfter = 0;
      try {
        String header = response.getHeader("Retry-After");
        retryAfter = header == null ? 0 : Math.max(0, Long.parseLong(header.trim()));
      } catch (NumberFormatException ignored) {
        // an HTTP date or garbage: the dialer's own backoff applies
      }
      return new RateLimited(retryAfter);
    }
    if (status >= 400 && status < 500) {
      Object code = body.getValue("code");
      return new Refused(status, code instanceof Number n ? n.intValue() : 0,
          String.valueOf(body.getValue("message", "HTTP " + status)));
    }
    return new Unavailable("HTTP " + status);
  }

  private static JsonObject json(Buffer body) {
    try {
      return body == null || body.length() == 0 ? new JsonObject() : new JsonObject(body);
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }

  private static String withoutSlash(String url) {
    return url == null ? "" : url.replaceAll("/+$", "");
  }

  public void close() {
    client.close();
  }
}
