package com.livechat.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Every request's id: the caller's {@code X-Request-Id} when it is sane (a proxy's, so one id
 * follows the request through the proxy's logs and ours), else one made here. It is answered as
 * {@code X-Request-Id} on every response and carried by the access log and by the error logs
 * written while the request is handled ({@link #MDC_KEY}).
 */
public final class RequestIds {

  public static final CharSequence HEADER = HttpHeaders.createOptimized("X-Request-Id");
  /** The MDC key of the request id in log lines (and a field of the JSON log lines). */
  public static final String MDC_KEY = "requestId";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

  private RequestIds() {}

  /** The request's id, put on its response at once (so that every answer, errors included, carries it). */
  public static String assign(HttpServerRequest request) {
    String given = request.getHeader(HEADER);
    String id = given != null && SANE.matcher(given).matches() ? given : generate();
    request.response().putHeader(HEADER, id);
    return id;
  }

  /** The id {@link #assign} gave this response, or null outside a request. */
  public static String of(HttpServerResponse response) {
    return response.headers().get(HEADER);
  }

  /** 16 random characters of [A-Za-z0-9_-] (96 bits): unique enough to find one request's lines. */
  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] id = new char[16];
    long bits = random.nextLong();
    for (int i = 0; i < 16; i++) {
      if (i == 10) {
        bits = random.nextLong();
      }
      id[i] = ALPHABET[(int) (bits & 63)];
      bits >>>= 6;
    }
    return new String(id);
  }
}
