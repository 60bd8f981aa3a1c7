package com.livechat.chat.provider;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * How to reach one OpenAI-compatible Chat Completions API: OpenAI itself, or Ollama, vLLM, a
 * gateway and the like, which speak the same wire format.
 *
 * @param name the provider's name in logs, metrics and {@code ai.providers}; 1–64 of {@code
 *     [A-Za-z0-9_.-]}
 * @param baseUrl API root including the version, e.g. {@code https://api.openai.com/v1} or {@code
 *     http://127.0.0.1:11434/v1}; requests go to {@code baseUrl + "/chat/completions"}
 * @param apiKey bearer token; empty when the server needs none (Ollama), and then no Authorization
 *     header is sent
 * @param model model used when an assistant names none (or when {@code assistantModel} is false)
 * @param timeoutMs how long one attempt may take before it counts as failed
 * @param maxConnections HTTP/1 connections this node keeps to the provider; each in-flight
 *     completion holds one for its whole duration, so this caps concurrent replies per node
 * @param breakerMaxFailures failures (within the breaker's 10 s rolling window) that open the circuit
 * @param breakerResetMs how long an open circuit fails fast before letting one probe through
 * @param maxRetries further attempts after a 429, 5xx, 408, timeout or connection failure
 * @param retryBaseMs the first backoff; each retry doubles it
 * @param retryMaxMs the longest backoff, and the longest Retry-After this provider waits for: a
 *     longer one fails the provider at once so that the next one answers
 * @param tools whether the model is offered request_human and update_contact
 * @param assistantModel whether an assistant's own model overrides {@code model} (false for a
 *     provider of another vendor, which would not know the assistant's model)
 */
public record OpenAiSettings(
    String name,
    String baseUrl,
    String apiKey,
    String model,
    long timeoutMs,
    int maxConnections,
    int breakerMaxFailures,
    long breakerResetMs,
    int maxRetries,
    long retryBaseMs,
    long retryMaxMs,
    boolean tools,
    boolean assistantModel) {

  public static final String DEFAULT_NAME = "openai";
  public static final long DEFAULT_TIMEOUT_MS = 20_000;
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;
  public static final int DEFAULT_BREAKER_MAX_FAILURES = 5;
  public static final long DEFAULT_BREAKER_RESET_MS = 30_000;
  public static final int DEFAULT_MAX_RETRIES = 2;
  public static final long DEFAULT_RETRY_BASE_MS = 250;
  public static final long DEFAULT_RETRY_MAX_MS = 4_000;

  /** Beyond this, retries only delay the failover to the next provider. */
  public static final int MAX_RETRIES = 10;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  public OpenAiSettings {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name must be 1-64 characters of [A-Za-z0-9_.-], was " + name);
    }
    baseUrl = withoutTrailingSlashes(requireHttpUrl(baseUrl));
    apiKey = apiKey == null ? "" : apiKey.trim();
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("a default model is required");
    }
    model = model.trim();
    requirePositive("timeoutMs", timeoutMs);
    requirePositive("maxConnections", maxConnections);
    requirePositive("breakerMaxFailures", breakerMaxFailures);
    requirePositive("breakerResetMs", breakerResetMs);
    if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
      throw new IllegalArgumentException("maxRetries must be 0 to " + MAX_RETRIES + ", was " + maxRetries);
    }
    requirePositive("retryBaseMs", retryBaseMs);
    if (retryMaxMs < retryBaseMs) {
      throw new IllegalArgumentException("retryMaxMs must be at least retryBaseMs, was " + retryMaxMs);
    }
  }

  /** Settings named "openai" with the default timeout, pool size, breaker, retries, and tools on. */
  public static OpenAiSettings of(String baseUrl, String apiKey, String model) {
    return new OpenAiSettings(
        DEFAULT_NAME,
        baseUrl,
        apiKey,
        model,
        DEFAULT_TIMEOUT_MS,
        DEFAULT_MAX_CONNECTIONS,
        DEFAULT_BREAKER_MAX_FAILURES,
        DEFAULT_BREAKER_RESET_MS,
        DEFAULT_MAX_RETRIES,
        DEFAULT_RETRY_BASE_MS,
        DEFAULT_RETRY_MAX_MS,
        true,
        true);
  }

  /**
   * Reads one provider object of the configuration ({@code ai.openai} or an entry of {@code
   * ai.providers}); absent keys take the defaults above.
   *
   * @throws IllegalArgumentException naming the key when a value is missing, of the wrong type or
   *     out of range
   */
  public static OpenAiSettings fromJson(JsonObject json, String defaultName, String defaultBaseUrl, String defaultModel) {
    return new OpenAiSettings(
        string(json, "name", defaultName),
        string(json, "baseUrl", defaultBaseUrl),
        string(json, "apiKey", ""),
        string(json, "model", defaultModel),
        number(json, "timeoutMs", DEFAULT_TIMEOUT_MS),
        (int) Math.min(Integer.MAX_VALUE, number(json, "maxConnections", DEFAULT_MAX_CONNECTIONS)),
        (int) Math.min(Integer.MAX_VALUE, number(json, "breakerMaxFailures", DEFAULT_BREAKER_MAX_FAILURES)),
        number(json, "breakerResetMs", DEFAULT_BREAKER_RESET_MS),
        (int) Math.min(Integer.MAX_VALUE, number(json, "maxRetries", DEFAULT_MAX_RETRIES)),
        number(json, "retryBaseMs", DEFAULT_RETRY_BASE_MS),
        number(json, "retryMaxMs", DEFAULT_RETRY_MAX_MS),
        bool(json, "tools", true),
        bool(json, "assistantModel", true));
  }

  /** A copy with another retry policy; handy for tests and tuning. */
  public OpenAiSettings withRetries(int maxRetries, long retryBaseMs, long retryMaxMs) {
    return new OpenAiSettings(name, baseUrl, apiKey, model, timeoutMs, maxConnections, breakerMaxFailures,
        breakerResetMs, maxRetries, retryBaseMs, retryMaxMs, tools, assistantModel);
  }

  public String chatCompletionsUrl() {
    return baseUrl + "/chat/completions";
  }

  public boolean hasApiKey() {
    return !apiKey.isEmpty();
  }

  /** Settings end up in logs and error reports; the key must not. */
  @Override
  public String toString() {
    return "OpenAiSettings[name=" + name
        + ", baseUrl=" + baseUrl
        + ", apiKey=" + (hasApiKey() ? "***" : "")
        + ", model=" + model
        + ", timeoutMs=" + timeoutMs
        + ", maxConnections=" + maxConnections
        + ", breakerMaxFailures=" + breakerMaxFailures
        + ", breakerResetMs=" + breakerResetMs
        + ", maxRetries=" + maxRetries
        + ", retryBaseMs=" + retryBaseMs
        + ", retryMaxMs=" + retryMaxMs
        + ", tools=" + tools
        + ", assistantModel=" + assistantModel
        + "]";
  }

  private static String requireHttpUrl(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("baseUrl is required");
    }
    String trimmed = url.trim();
    try {
      URI uri = new URI(trimmed);
      boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
      if (!http || uri.getHost() == null) {
        throw new IllegalArgumentException("baseUrl must be an http(s) URL with a host: " + trimmed);
      }
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("baseUrl is not a URL: " + trimmed, e);
    }
    return trimmed;
  }

  private static String withoutTrailingSlashes(String url) {
    int end = url.length();
    while (end > 0 && url.charAt(end - 1) == '/') {
      end--;
    }
    return url.substring(0, end);
  }

  private static String string(JsonObject json, String key, String fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof String text) {
      return text;
    }
    throw new IllegalArgumentException(key + " must be a string");
  }

  private static long number(JsonObject json, String key, long fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    throw new IllegalArgumentException(key + " must be a whole number");
  }

  private static boolean bool(JsonObject json, String key, boolean fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    throw new IllegalArgumentException(key + " must be true or false");
  }

  private static void requirePositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
