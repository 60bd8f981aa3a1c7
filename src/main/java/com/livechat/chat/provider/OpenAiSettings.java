package com.livechat.chat.provider;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * How to reach an OpenAI-compatible Chat Completions API: OpenAI itself, or Ollama, vLLM and the
 * like, which speak the same wire format.
 *
 * @param baseUrl API root including the version, e.g. {@code https://api.openai.com/v1} or {@code
 *     http://127.0.0.1:11434/v1}; requests go to {@code baseUrl + "/chat/completions"}
 * @param apiKey bearer token; empty when the server needs none (Ollama), and then no Authorization
 *     header is sent
 * @param model model used when an assistant names none
 * @param timeoutMs how long one completion may take before it counts as failed
 * @param maxConnections HTTP/1 connections kept to the provider; each in-flight completion holds one
 *     for its whole duration, so this caps concurrent replies per node
 * @param breakerMaxFailures failures (within the breaker's rolling window) that open the circuit
 * @param breakerResetMs how long an open circuit fails fast before letting one probe through
 */
public record OpenAiSettings(
    String baseUrl,
    String apiKey,
    String model,
    long timeoutMs,
    int maxConnections,
    int breakerMaxFailures,
    long breakerResetMs) {

  public static final long DEFAULT_TIMEOUT_MS = 30_000;
  public static final int DEFAULT_MAX_CONNECTIONS = 256;
  public static final int DEFAULT_BREAKER_MAX_FAILURES = 5;
  public static final long DEFAULT_BREAKER_RESET_MS = 30_000;

  public OpenAiSettings {
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
  }

  /** Settings with the default timeout, pool size and breaker thresholds. */
  public static OpenAiSettings of(String baseUrl, String apiKey, String model) {
    return new OpenAiSettings(
        baseUrl,
        apiKey,
        model,
        DEFAULT_TIMEOUT_MS,
        DEFAULT_MAX_CONNECTIONS,
        DEFAULT_BREAKER_MAX_FAILURES,
        DEFAULT_BREAKER_RESET_MS);
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
    return "OpenAiSettings[baseUrl=" + baseUrl
        + ", apiKey=" + (hasApiKey() ? "***" : "")
        + ", model=" + model
        + ", timeoutMs=" + timeoutMs
        + ", maxConnections=" + maxConnections
        + ", breakerMaxFailures=" + breakerMaxFailures
        + ", breakerResetMs=" + breakerResetMs
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

  private static void requirePositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
