package com.livechat.ratelimit;

import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.ops.Metrics;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.HttpServerRequest;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The node's rate limits, created once per node and shared by all its HTTP verticle instances.
 * They live in this node's memory only: behind a load balancer spreading requests over N nodes a
 * client can get up to N times the configured rate (see docs/CONFIG.md).
 */
public final class RateLimiters {

  /** One limit each; the label is the {@code limit} tag of {@code livechat_rate_limited_total}. */
  public enum Limit {
    CHAT_SESSION("chat_session", "Too many messages in this chat session"),
    CHAT_IP("chat_ip", "Too many chat messages from this address"),
    LOGIN_IP("login_ip", "Too many login attempts from this address"),
    LOGIN_EMAIL("login_email", "Too many failed login attempts for this account"),
    SIGNUP_IP("signup_ip", "Too many sign-ups from this address");

    public final String label;
    final String message;

    Limit(String label, String message) {
      this.label = label;
      this.message = message;
    }
  }

  private final ClientIpResolver clientIps;
  private final Map<Limit, TokenBucketLimiter> limiters = new EnumMap<>(Limit.class);
  private final Map<Limit, Counter> refused = new EnumMap<>(Limit.class);

  public RateLimiters(AppConfig.RateLimits config, List<String> trustedProxies, Metrics metrics) {
    this.clientIps = new ClientIpResolver(trustedProxies);
    add(Limit.CHAT_SESSION, config.chatPerSession(), config.maxKeys(), metrics);
    add(Limit.CHAT_IP, config.chatPerIp(), config.maxKeys(), metrics);
    add(Limit.LOGIN_IP, config.loginPerIp(), config.maxKeys(), metrics);
    add(Limit.LOGIN_EMAIL, config.loginFailuresPerEmail(), config.maxKeys(), metrics);
    add(Limit.SIGNUP_IP, config.signupPerIp(), config.maxKeys(), metrics);
  }

  private void add(Limit limit, AppConfig.Rate rate, int maxKeys, Metrics metrics) {
    limiters.put(limit, new TokenBucketLimiter(rate.capacity(), rate.perSeconds(), maxKeys));
    refused.put(limit, metrics.rateLimited(limit.label));
  }

  /** The per-IP bucket key of the request's client (X-Forwarded-For only from trusted proxies). */
  public String clientKey(HttpServerRequest request) {
    return clientIps.clientKey(request);
  }

  public TokenBucketLimiter limiter(Limit limit) {
    return limiters.get(limit);
  }

  /**
   * Takes one token of {@code limit} for {@code key}.
   *
   * @throws AppError 429 {@code rate_limited} with Retry-After when the bucket is empty
   */
  public void take(Limit limit, String key) {
    long retryAfter = limiters.get(limit).tryTake(key);
    if (retryAfter != TokenBucketLimiter.ALLOWED) {
      refused.get(limit).increment();
      throw AppError.tooMany("rate_limited", limit.message + "; retry after " + retryAfter + " s.", retryAfter);
    }
  }

  /** Takes a token of both limits or, when either bucket is empty, of neither (then 429). */
  public void takeBoth(Limit first, String firstKey, Limit second, String secondKey) {
    take(first, firstKey);
    try {
      take(second, secondKey);
    } catch (AppError e) {
      refund(first, firstKey);
      throw e;
    }
  }

  /** Gives back a token taken with {@link #take}. */
  public void refund(Limit limit, String key) {
    limiters.get(limit).refund(key);
  }
}
