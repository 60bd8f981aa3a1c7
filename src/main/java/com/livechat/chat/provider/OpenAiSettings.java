package com.livechat.chat.provider;

import com.livechat.config.ConfigLoader;
import com.livechat.config.ConfigReader;
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
 * @param stream whether replies are asked for as Server-Sent Events and passed on as they are
 *     written; false for a server that cannot stream (then the whole reply comes at once)
 * @param firstTokenTimeoutMs streaming: how long after the request the first text or tool-call
 *     fragment may take; a provider slower than that is not retried, the next one answers
 * @param chunkTimeoutMs streaming: the longest silence between two chunks once the response
 *     started; past it the reply ends with what was sent (or, if nothing was, the next provider answers)
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
    boolean assistantModel,
    boolean stream,
    long firstTokenTimeoutMs,
    long chunkTimeoutMs) {

  /** The name of {@code ai.openai}; an entry of {@code ai.providers} is named by its position. */
  public static final String DEFAULT_NAME = "openai";

  /** The tuning a provider has unless it sets its own: {@code ai.providerDefaults} of conf/config.json. */
  private static final ConfigReader PACKAGED_DEFAULTS =
      ConfigReader.root(ConfigLoader.defaults()).section("ai").section("providerDefaults");

  /** {@code ai.providerDefaults.maxConnections} of conf/config.json. */
  public static final int DEFAULT_MAX_CONNECTIONS = PACKAGED_DEFAULTS.integer("maxConnections", 1, Integer.MAX_VALUE);

  /** {@code ai.providerDefaults.stream} of conf/config.json. */
  public static final boolean DEFAULT_STREAM = PACKAGED_DEFAULTS.bool("stream");

  /** {@code ai.providerDefaults.firstTokenTimeoutMs} of conf/config.json. */
  public static final long DEFAULT_FIRST_TOKEN_TIMEOUT_MS =
      PACKAGED_DEFAULTS.longNumber("firstTokenTimeoutMs", 1, Long.MAX_VALUE);

  /** {@code ai.providerDefaults.chunkTimeoutMs} of conf/config.json. */
  public static final long DEFAULT_CHUNK_TIMEOUT_MS = PACKAGED_DEFAULTS.longNumber("chunkTimeoutMs", 1, Long.MAX_VALUE);

  /** Beyond this, retries only delay the failover to the next provider. */
  public static final int MAX_RETRIES = 10;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  /**
   * A bus provider's baseUrl: {@code bus:ai.provider.<name>}, the event-bus address its workers
   * serve (docs/EVENTBUS.md); its requests go over the event bus, not HTTP.
   */
  static final String BUS_SCHEME = "bus:";

  /** Whether this provider is served over the event bus (a worker on the TCP bridge), not HTTP. */
  public boolean bus() {
    return baseUrl.startsWith(BUS_SCHEME);
  }

  /** A bus provider's address, {@code ai.provider.<name>}. */
  public String busAddress() {
    return baseUrl.substring(BUS_SCHEME.length());
  }

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
    requirePositive("firstTokenTimeoutMs", firstTokenTimeoutMs);
    requirePositive("chunkTimeoutMs", chunkTimeoutMs);
  }

  /** Settings with the streaming of conf/config.json's {@code ai.providerDefaults}. */
  public OpenAiSettings(String name, String baseUrl, String apiKey, String model, long timeoutMs, int maxConnections,
      int breakerMaxFailures, long breakerResetMs, int maxRetries, long retryBaseMs, long retryMaxMs, boolean tools,
      boolean assistantModel) {
    this(name, baseUrl, apiKey, model, timeoutMs, maxConnections, breakerMaxFailures, breakerResetMs, maxRetries,
        retryBaseMs, retryMaxMs, tools, assistantModel, DEFAULT_STREAM, DEFAULT_FIRST_TOKEN_TIMEOUT_MS,
        DEFAULT_CHUNK_TIMEOUT_MS);
  }

  /** Settings named "openai" with the tuning of conf/config.json's {@code ai.providerDefaults}. */
  public static OpenAiSettings of(String baseUrl, String apiKey, String model) {
    JsonObject identity = new JsonObject().put("baseUrl", baseUrl).put("apiKey", apiKey).put("model", model);
    return fromJson(ConfigReader.root(identity), PACKAGED_DEFAULTS, DEFAULT_NAME);
  }

  /**
   * Reads one provider object of the configuration ({@code ai.openai} or an entry of {@code
   * ai.providers}). Its baseUrl and model are its own (only name and apiKey may be left out); a
   * tuning key it leaves out comes from {@code defaults}, i.e. {@code ai.providerDefaults}.
   *
   * @throws IllegalArgumentException naming the key when a value is missing, of the wrong type or
   *     out of range
   */
  public static OpenAiSettings fromJson(ConfigReader provider, ConfigReader defaults, String defaultName) {
    String name = provider.optionalString("name").orElse(defaultName);
    String type = provider.optionalString("type").orElse("http");
    if (!type.equals("http") && !type.equals("bus")) {
      throw new IllegalArgumentException(provider.path() + ".type must be \"http\" (an OpenAI-compatible endpoint) "
          + "or \"bus\" (a worker on the event bus), was " + type);
    }
    boolean bus = type.equals("bus");
    // a bus provider is served at ai.provider.<name>; its model is whatever its worker names
    String baseUrl = bus ? BUS_SCHEME + "ai.provider." + name : provider.string("baseUrl");
    String apiKey = bus ? "" : provider.optionalString("apiKey").orElse("");
    String model = bus ? provider.optionalString("model").orElse(name) : provider.string("model");
    ConfigReader tuning = provider.withDefaults(defaults);
    long timeoutMs = tuning.longNumber("timeoutMs", 1, Long.MAX_VALUE);
    int maxConnections = tuning.integer("maxConnections", 1, Integer.MAX_VALUE);
    int breakerMaxFailures = tuning.integer("breakerMaxFailures", 1, Integer.MAX_VALUE);
    long breakerResetMs = tuning.longNumber("breakerResetMs", 1, Long.MAX_VALUE);
    int maxRetries = tuning.integer("maxRetries", 0, MAX_RETRIES);
    long retryBaseMs = tuning.longNumber("retryBaseMs", 1, Long.MAX_VALUE);
    long retryMaxMs = tuning.longNumber("retryMaxMs", 1, Long.MAX_VALUE);
    boolean tools = tuning.bool("tools");
    boolean assistantModel = tuning.bool("assistantModel");
    boolean stream = tuning.bool("stream");
    long firstTokenTimeoutMs = tuning.longNumber("firstTokenTimeoutMs", 1, Long.MAX_VALUE);
    long chunkTimeoutMs = tuning.longNumber("chunkTimeoutMs", 1, Long.MAX_VALUE);
    try {
      return new OpenAiSettings(name, baseUrl, apiKey, model, timeoutMs, maxConnections, breakerMaxFailures,
          breakerResetMs, maxRetries, retryBaseMs, retryMaxMs, tools, assistantModel, stream, firstTokenTimeoutMs,
          chunkTimeoutMs);
    } catch (IllegalArgumentException e) {
      // the checks of the constructor name a component, not where the object sits in the configuration
      if (provider.path().isEmpty()) {
        throw e;
      }
      throw new IllegalArgumentException(provider.path() + ": " + e.getMessage(), e);
    }
  }

  /** A copy with another retry policy; handy for tests and tuning. */
  public OpenAiSettings withRetries(int maxRetries, long retryBaseMs, long retryMaxMs) {
    return new OpenAiSettings(name, baseUrl, apiKey, model, timeoutMs, maxConnections, breakerMaxFailures,
        breakerResetMs, maxRetries, retryBaseMs, retryMaxMs, tools, assistantModel, stream, firstTokenTimeoutMs,
        chunkTimeoutMs);
  }

  /** A copy with other streaming settings; handy for tests and tuning. */
  public OpenAiSettings withStreaming(boolean stream, long firstTokenTimeoutMs, long chunkTimeoutMs) {
    return new OpenAiSettings(name, baseUrl, apiKey, model, timeoutMs, maxConnections, breakerMaxFailures,
        breakerResetMs, maxRetries, retryBaseMs, retryMaxMs, tools, assistantModel, stream, firstTokenTimeoutMs,
        chunkTimeoutMs);
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
        + ", stream=" + stream
        + ", firstTokenTimeoutMs=" + firstTokenTimeoutMs
        + ", chunkTimeoutMs=" + chunkTimeoutMs
        + "]";
  }

  private static String requireHttpUrl(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("baseUrl is required");
    }
    String trimmed = url.trim();
    if (trimmed.startsWith(BUS_SCHEME)) {
      if (!com.livechat.bus.Addresses.AI_PROVIDER_ADDRESS.matcher(trimmed.substring(BUS_SCHEME.length())).matches()) {
        throw new IllegalArgumentException("a bus provider's address must be ai.provider.<name>, was "
            + trimmed.substring(BUS_SCHEME.length()));
      }
      return trimmed;
    }
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
