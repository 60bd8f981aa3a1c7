package com.livechat.config;

import com.livechat.chat.provider.OpenAiSettings;
import com.livechat.ratelimit.IpRange;
import com.livechat.usage.Plans;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The typed view of the merged configuration; every key is described in docs/CONFIG.md. */
public record AppConfig(
    Http http,
    Path dataDir,
    Db db,
    Cluster cluster,
    Auth auth,
    Chat chat,
    OpenAiSettings openai,
    Ai ai,
    Track track,
    Realtime realtime,
    Plans plans,
    Admin admin,
    RateLimits rateLimits,
    Voice voice,
    Secrets secrets,
    Campaigns campaigns,
    Webhooks webhooks,
    Bridge bridge,
    Shutdown shutdown,
    MetricsEndpoint metrics,
    Log log,
    JsonObject raw) {

  /**
   * A graceful stop (SIGTERM): new requests are answered 503 {@code shutting_down} at once, the
   * ones in flight get up to {@code drainMs} to finish, then the rest are answered 503 too.
   */
  public record Shutdown(long drainMs) {}

  /**
   * Who may read GET /metrics (docs/CONFIG.md, "Metrics").
   *
   * @param access {@code key}: on the HTTP port with the operator key (none configured: 404);
   *     {@code port}: only on a listener of its own at {@code host}:{@code port}, without auth;
   *     {@code public}: on the HTTP port to anyone
   */
  public record MetricsEndpoint(String access, String host, int port) {
    public static final List<String> ACCESS = List.of("key", "port", "public");

    public MetricsEndpoint {
      if (!ACCESS.contains(access)) {
        throw new IllegalArgumentException("metrics.access must be one of " + ACCESS + ", was " + access);
      }
    }

    public boolean ownPort() {
      return access.equals("port");
    }
  }

  /** @param access one line per request on the {@code livechat.access} logger */
  public record Log(boolean access) {}

  /**
   * Outbound webhooks (shared/API.md Part 6, docs/WEBHOOKS.md).
   *
   * @param allowPrivateTargets lets an endpoint be http or a private, loopback or link-local address
   *     (development and tests; net.OutboundTargets)
   * @param timeoutMs a delivery's answer must come within this (15 s by the contract)
   * @param maxInFlight deliveries one node sends at once
   * @param pollMs how often a node looks for events without deliveries and for due deliveries when
   *     nothing told it of new ones
   * @param leaseSeconds a claimed delivery is its node's for this long (longer than the timeout: no
   *     other node sends it while an attempt may still be under way); a node that dies holding it
   *     loses it to another node after that
   */
  /**
   * One key of the TCP event-bus bridge (docs/EVENTBUS.md, "Workers over the TCP bridge").
   *
   * @param key the bearer key a worker's every frame carries; 24 characters at least
   * @param serve the addresses it may register (serve): {@code ai.provider.<name>}
   * @param tenants the tenants whose events ({@code bridge.events.<tenantId>}) it may hear; {@code
   *     "*"}: every tenant (a worker the operator trusts with all of them)
   */
  public record BridgeKey(String key, List<String> serve, List<String> tenants) {
    public static final int MIN_KEY_LENGTH = 24;

    @Override
    public String toString() {
      return "BridgeKey[key=***, serve=" + serve + ", tenants=" + tenants + "]";
    }
  }

  /**
   * The TCP event-bus bridge for workers in other languages; off by default.
   *
   * @param certPath PEM certificate (chain) for TLS, with {@code keyPath}; both empty: plain TCP
   */
  public record Bridge(boolean enabled, String host, int port, List<BridgeKey> keys, String certPath, String keyPath) {
    public boolean tls() {
      return !certPath.isEmpty();
    }

    @Override
    public String toString() {
      return "Bridge[enabled=" + enabled + ", host=" + host + ", port=" + port + ", keys=" + keys.size() + ", tls="
          + tls() + "]";
    }
  }

  public record Webhooks(boolean allowPrivateTargets, long timeoutMs, int maxInFlight, long pollMs, int leaseSeconds) {
    public Webhooks {
      if (leaseSeconds * 1000L <= timeoutMs) {
        throw new IllegalArgumentException("webhooks.leaseSeconds (" + leaseSeconds + ") must be longer than "
            + "webhooks.timeoutMs (" + timeoutMs + " ms)");
      }
    }
  }

  /**
   * Outbound campaigns (shared/API.md Part 5, docs/CAMPAIGNS.md).
   *
   * @param doNotCallPhrases a callee saying one of these is added to the tenant's do-not-call list
   * @param doNotCallMessage what they hear before the call ends
   * @param dialerPollMs how often each node's dialer looks for due attempts when it found none
   * @param dialerBatch attempts a node's dialer claims at once
   * @param dialLeaseSeconds how long a claimed attempt is a node's before another node may take it
   * @param maxBackoffSeconds the longest wait before asking a rate-limiting carrier again
   */
  public record Campaigns(List<String> doNotCallPhrases, String doNotCallMessage, long dialerPollMs, int dialerBatch,
      int dialLeaseSeconds, int maxBackoffSeconds) {}


  /**
   * Telephony (shared/API.md Part 4, docs/VOICE.md).
   *
   * @param publicUrl the service's public base URL (LIVECHAT_PUBLIC_URL); TwiML URLs are built from it and
   *     carrier signatures checked against it; empty = http://localhost:&lt;http.port&gt;
   * @param mode "relay" (ConversationRelay) or "gather" (the &lt;Gather&gt; loop)
   * @param twilio the server-wide carrier account; an empty authToken is generated into the data dir
   */
  public record Voice(String publicUrl, String mode, int leaseSeconds, long turnTimeoutMs, long holdingPhraseAfterMs,
      String holdingPhrase, String handoffMessage, int maxCallMinutes, String language, int maxPromptChars,
      Twilio twilio) {
    public static final List<String> MODES = List.of("relay", "gather");

    public Voice {
      if (!MODES.contains(mode)) {
        throw new IllegalArgumentException("voice.mode must be one of " + MODES + ", was " + mode);
      }
      if (!publicUrl.isEmpty() && !publicUrl.matches("https?://[^/?#\\s]+")) {
        throw new IllegalArgumentException("voice.publicUrl (LIVECHAT_PUBLIC_URL) must be http(s)://host[:port] "
            + "with no path, was " + publicUrl);
      }
      if (holdingPhrase == null || holdingPhrase.isBlank() || handoffMessage == null || handoffMessage.isBlank()) {
        throw new IllegalArgumentException("voice.holdingPhrase and voice.handoffMessage must not be empty");
      }
    }

    /** The public base URL, without a trailing slash. */
    public String baseUrl(int httpPort) {
      return publicUrl.isEmpty() ? "http://localhost:" + httpPort : publicUrl;
    }
  }

  /**
   * @param authToken empty means "generate one and keep it in the data dir" (a carrier simulator reads it there)
   * @param allowPrivateApiBaseUrl lets a tenant's own apiBaseUrl be http or a private address (development and
   *     tests; see net.OutboundTargets): the server-wide apiBaseUrl, the operator's, is never checked
   */
  public record Twilio(String accountSid, String authToken, String apiBaseUrl, boolean allowPrivateApiBaseUrl) {
    @Override
    public String toString() {
      return "Twilio[accountSid=" + accountSid + ", authToken=" + (authToken.isEmpty() ? "" : "***")
          + ", apiBaseUrl=" + apiBaseUrl + ", allowPrivateApiBaseUrl=" + allowPrivateApiBaseUrl + "]";
    }
  }

  /** @param key base64 of 32 bytes that encrypts stored secrets (store.SecretBox); empty = generated in the data dir */
  public record Secrets(String key) {
    @Override
    public String toString() {
      return "Secrets[key=" + (key.isEmpty() ? "" : "***") + "]";
    }
  }

  /** @param trustedProxies IPs and CIDR ranges whose X-Forwarded-For is believed (see ClientIpResolver) */
  public record Http(String host, int port, int instances, int bodyLimitBytes, List<String> trustedProxies) {}

  /** @param url empty means "start the embedded PostgreSQL under the data dir" */
  public record Db(String url, int poolSize, int embeddedPort) {
    public boolean embedded() {
      return url == null || url.isBlank();
    }
  }

  public record Cluster(boolean enabled, String name, String host, int port, List<String> members) {}

  /**
   * @param jwtSecret empty means "generate one and keep it in the data dir"
   * @param visitorTokenMinutes lifetime of a visitor token (secure mode), 1 to {@link #MAX_VISITOR_TOKEN_MINUTES}
   * @param signupEnabled false: POST /api/auth/signup answers 403 and only the operator creates tenants
   */
  public record Auth(String jwtSecret, int jwtExpiresMinutes, int passwordHashCost, int visitorTokenMinutes,
      boolean signupEnabled) {
    public static final int MAX_VISITOR_TOKEN_MINUTES = 1440;

    @Override
    public String toString() {
      return "Auth[jwtSecret=" + (jwtSecret.isEmpty() ? "" : "***") + ", jwtExpiresMinutes=" + jwtExpiresMinutes
          + ", passwordHashCost=" + passwordHashCost + ", visitorTokenMinutes=" + visitorTokenMinutes
          + ", signupEnabled=" + signupEnabled + "]";
    }
  }

  /**
   * @param historyTokenBudget recent messages go into a prompt newest first until this many tokens (estimated)
   * @param handoffPhrases a visitor message containing one of these asks for a person
   * @param handoffMessage what the visitor is told when the conversation goes to a person
   * @param knowledgePassages knowledge entries put into a prompt at most
   * @param phoneRegion region of phone numbers typed without a country code (ISO 3166, e.g. US)
   * @param offers what the visitor is told when the assistant cannot help or nobody can take over
   */
  public record Chat(long requestTimeoutMs, int historyMessages, int historyTokenBudget, List<String> handoffPhrases,
      String handoffMessage, int knowledgePassages, String phoneRegion, Offers offers) {
    public Chat {
      if (historyMessages < 0 || historyTokenBudget < 0 || knowledgePassages < 0 || knowledgePassages > 20) {
        throw new IllegalArgumentException("chat.historyMessages and chat.historyTokenBudget must be >= 0, "
            + "chat.knowledgePassages from 0 to 20");
      }
      if (handoffMessage == null || handoffMessage.isBlank()) {
        throw new IllegalArgumentException("chat.handoffMessage must not be empty");
      }
      if (phoneRegion == null || !com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance().getSupportedRegions()
          .contains(phoneRegion)) {
        throw new IllegalArgumentException("chat.phoneRegion must be an ISO 3166 region such as US or GB, was "
            + phoneRegion);
      }
    }
  }

  public record Track(int maxBatch, int maxInFlightBatches) {}

  /**
   * @param providers the remote providers in the order they are tried (the local assistant answers
   *     after them); empty = only the local assistant
   * @param chainTimeoutMs one chat turn's time budget across the remote providers
   */
  public record Ai(List<OpenAiSettings> providers, long chainTimeoutMs) {

    /** More would only add failover time to a turn that already failed that often. */
    public static final int MAX_PROVIDERS = 8;

    /**
     * {@code ai.providers} when it lists any; else {@code ai.openai} alone when it has an API key;
     * else none. Each entry is read over {@code ai.providerDefaults}.
     */
    static Ai from(ConfigReader ai, OpenAiSettings openai, Chat chat) {
      List<ConfigReader> entries = ai.sections("providers");
      if (entries.size() > MAX_PROVIDERS) {
        throw new IllegalArgumentException("ai.providers lists " + entries.size() + " providers; at most "
            + MAX_PROVIDERS + " are allowed");
      }
      ConfigReader providerDefaults = ai.section("providerDefaults");
      List<OpenAiSettings> providers = new ArrayList<>();
      Set<String> names = new HashSet<>();
      for (int i = 0; i < entries.size(); i++) {
        ConfigReader entry = entries.get(i);
        OpenAiSettings settings = OpenAiSettings.fromJson(entry, providerDefaults, "provider" + (i + 1));
        if (!names.add(settings.name())) {
          throw new IllegalArgumentException(entry.path() + ": the name " + settings.name() + " is used twice");
        }
        providers.add(settings);
      }
      if (providers.isEmpty() && openai.hasApiKey()) {
        providers.add(openai);
      }
      long timeout = ai.longNumber("chainTimeoutMs", 1, Long.MAX_VALUE);
      if (timeout >= chat.requestTimeoutMs()) {
        throw new IllegalArgumentException("ai.chainTimeoutMs must be a positive number of milliseconds below "
            + "chat.requestTimeoutMs (" + chat.requestTimeoutMs() + "), was " + timeout);
      }
      return new Ai(List.copyOf(providers), timeout);
    }
  }

  public record Realtime(long authTimeoutMs, long pingIntervalMs, long idleTimeoutMs, long gapWaitMs,
      long pollIntervalMs, int replayPageSize, int maxPendingEvents, int writeQueueMaxBytes, long presenceRefreshMs) {}

  /**
   * What the chat engine says after "I don't know that" or when a person was asked for (chat.offers).
   *
   * @param person an agent is online: would the visitor like one
   * @param followUp nobody is online (or the tenant never hands over): leave an email or phone number
   * @param nobodyAvailable a person was asked for and nobody is there: leave an email or phone number
   * @param nobodyAvailableNoted the same, when the conversation already has an email or phone number
   * @param leaveDetails a yes to the follow-up: please leave the details
   */
  public record Offers(String person, String followUp, String nobodyAvailable, String nobodyAvailableNoted,
      String leaveDetails) {
    public Offers {
      for (String text : List.of(person, followUp, nobodyAvailable, nobodyAvailableNoted, leaveDetails)) {
        if (text == null || text.isBlank()) {
          throw new IllegalArgumentException("chat.offers messages must not be empty");
        }
      }
    }
  }

  /** @param key the operator key of /api/admin; empty means the operator endpoints answer 404 */
  public record Admin(String key) {
    public boolean enabled() {
      return key != null && !key.isBlank();
    }

    @Override
    public String toString() {
      return "Admin[key=" + (enabled() ? "***" : "") + "]";
    }
  }

  /** @param capacity tokens a full bucket holds (the burst); 0 switches the limit off */
  public record Rate(int capacity, int perSeconds) {
    public boolean enabled() {
      return capacity > 0;
    }
  }

  /** The per-node rate limits (token buckets); {@code maxKeys} caps the keys each limiter tracks. */
  public record RateLimits(Rate chatPerSession, Rate chatPerIp, Rate loginPerIp, Rate loginFailuresPerEmail,
      Rate signupPerIp, int maxKeys) {}

  /**
   * Reads the merged configuration (conf/config.json with the file and variables over it), which
   * holds every key: there are no defaults here, so a key that is missing or of the wrong type is
   * refused with its name.
   */
  public static AppConfig from(JsonObject json) {
    ConfigReader config = ConfigReader.root(json);
    ConfigReader http = config.section("http");
    ConfigReader db = config.section("db");
    ConfigReader cluster = config.section("cluster");
    ConfigReader auth = config.section("auth");
    ConfigReader chat = config.section("chat");
    ConfigReader ai = config.section("ai");
    ConfigReader track = config.section("track");
    ConfigReader realtime = config.section("realtime");
    ConfigReader usage = config.section("usage");
    ConfigReader rateLimits = config.section("rateLimits");
    int instances = http.integer("instances", 0, Integer.MAX_VALUE);
    Chat chatConfig = new Chat(
        chat.longNumber("requestTimeoutMs", 1, Long.MAX_VALUE),
        chat.integer("historyMessages", 0, Integer.MAX_VALUE),
        chat.integer("historyTokenBudget", 0, Integer.MAX_VALUE),
        chat.strings("handoffPhrases"),
        chat.string("handoffMessage"),
        chat.integer("knowledgePassages", 0, 20),
        chat.string("phoneRegion"),
        offers(chat.section("offers")));
    OpenAiSettings openAi = OpenAiSettings.fromJson(ai.section("openai"), ai.section("providerDefaults"),
        OpenAiSettings.DEFAULT_NAME);
    return new AppConfig(
        new Http(
            http.string("host"),
            http.integer("port", 0, 65535),
            instances > 0 ? instances : Runtime.getRuntime().availableProcessors(),
            http.integer("bodyLimitBytes", 1, Integer.MAX_VALUE),
            trustedProxies(http)),
        Path.of(config.string("dataDir")),
        new Db(db.string("url"), db.integer("poolSize", 1, Integer.MAX_VALUE), db.integer("embeddedPort", 0, 65535)),
        new Cluster(
            cluster.bool("enabled"),
            cluster.string("name"),
            cluster.string("host"),
            cluster.integer("port", 0, 65535),
            cluster.strings("members")),
        new Auth(auth.string("jwtSecret"), auth.integer("jwtExpiresMinutes", 1, Integer.MAX_VALUE),
            auth.integer("passwordHashCost", 4, 31),
            auth.integer("visitorTokenMinutes", 1, Auth.MAX_VISITOR_TOKEN_MINUTES),
            auth.bool("signupEnabled")),
        chatConfig,
        openAi,
        Ai.from(ai, openAi, chatConfig),
        new Track(track.integer("maxBatch", 1, Integer.MAX_VALUE),
            track.integer("maxInFlightBatches", 1, Integer.MAX_VALUE)),
        // Vert.x timers need at least 1 ms
        new Realtime(
            realtime.longNumber("authTimeoutMs", 1, Long.MAX_VALUE),
            realtime.longNumber("pingIntervalMs", 1, Long.MAX_VALUE),
            realtime.longNumber("idleTimeoutMs", 1, Long.MAX_VALUE),
            realtime.longNumber("gapWaitMs", 1, Long.MAX_VALUE),
            realtime.longNumber("pollIntervalMs", 1, Long.MAX_VALUE),
            realtime.integer("replayPageSize", 1, Integer.MAX_VALUE),
            realtime.integer("maxPendingEvents", 1, Integer.MAX_VALUE),
            realtime.integer("writeQueueMaxBytes", 1, Integer.MAX_VALUE),
            realtime.longNumber("presenceRefreshMs", 100, Long.MAX_VALUE)),
        new Plans(usage.string("defaultPlan"), usage.section("plans").json()),
        new Admin(config.section("admin").string("key")),
        new RateLimits(
            rate(rateLimits.section("chatPerSession")),
            rate(rateLimits.section("chatPerIp")),
            rate(rateLimits.section("loginPerIp")),
            rate(rateLimits.section("loginFailuresPerEmail")),
            rate(rateLimits.section("signupPerIp")),
            rateLimits.integer("maxKeys", 1, Integer.MAX_VALUE)),
        voice(config.section("voice")),
        new Secrets(config.section("secrets").string("key")),
        campaigns(config.section("campaigns")),
        webhooks(config.section("webhooks")),
        bridge(config.section("bridge")),
        new Shutdown(config.section("shutdown").longNumber("drainMs", 0, 600_000)),
        new MetricsEndpoint(config.section("metrics").string("access"), config.section("metrics").string("host"),
            config.section("metrics").integer("port", 0, 65_535)),
        new Log(config.section("log").bool("access")),
        json);
  }


  private static Bridge bridge(ConfigReader b) {
    List<BridgeKey> keys = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ConfigReader k : b.sections("keys")) {
      String key = k.string("key");
      if (key.length() < BridgeKey.MIN_KEY_LENGTH) {
        throw new IllegalArgumentException(k.path() + ".key must be " + BridgeKey.MIN_KEY_LENGTH
            + " characters at least (a random one: openssl rand -base64 32)");
      }
      if (!seen.add(key)) {
        throw new IllegalArgumentException(k.path() + ".key is the key of another entry");
      }
      List<String> serve = k.json().containsKey("serve") ? k.strings("serve") : List.of();
      for (String address : serve) {
        if (!com.livechat.bus.Addresses.AI_PROVIDER_ADDRESS.matcher(address).matches()) {
          throw new IllegalArgumentException(k.path() + ".serve: " + address + " is not an address a worker may "
              + "serve (ai.provider.<name>)");
        }
      }
      List<String> tenants = k.json().containsKey("tenants") ? k.strings("tenants") : List.of();
      keys.add(new BridgeKey(key, List.copyOf(serve), List.copyOf(tenants)));
    }
    ConfigReader tls = b.section("tls");
    String certPath = tls.string("certPath").trim();
    String keyPath = tls.string("keyPath").trim();
    if (certPath.isEmpty() != keyPath.isEmpty()) {
      throw new IllegalArgumentException("bridge.tls.certPath and bridge.tls.keyPath go together (TLS), or neither");
    }
    Bridge bridge = new Bridge(b.bool("enabled"), b.string("host"), b.integer("port", 0, 65_535), List.copyOf(keys),
        certPath, keyPath);
    if (bridge.enabled() && keys.isEmpty()) {
      throw new IllegalArgumentException("bridge.enabled needs bridge.keys: no worker could connect without one");
    }
    return bridge;
  }

  private static Webhooks webhooks(ConfigReader w) {
    return new Webhooks(w.bool("allowPrivateTargets"), w.longNumber("timeoutMs", 100, 60_000),
        w.integer("maxInFlight", 1, 10_000), w.longNumber("pollMs", 10, 60_000), w.integer("leaseSeconds", 1, 3600));
  }

  private static Campaigns campaigns(ConfigReader c) {
    String message = c.string("doNotCallMessage");
    if (message.isBlank()) {
      throw new IllegalArgumentException("campaigns.doNotCallMessage must not be empty");
    }
    return new Campaigns(c.strings("doNotCallPhrases"), message, c.longNumber("dialerPollMs", 10, 60_000),
        c.integer("dialerBatch", 1, 1000), c.integer("dialLeaseSeconds", 20, 3600),
        c.integer("maxBackoffSeconds", 1, 3600));
  }

  private static Voice voice(ConfigReader voice) {
    ConfigReader twilio = voice.section("twilio");
    return new Voice(
        voice.string("publicUrl").strip().replaceAll("/+$", ""),
        voice.string("mode"),
        voice.integer("leaseSeconds", 1, 86_400),
        voice.longNumber("turnTimeoutMs", 1, 60_000),
        voice.longNumber("holdingPhraseAfterMs", 1, 60_000),
        voice.string("holdingPhrase"),
        voice.string("handoffMessage"),
        voice.integer("maxCallMinutes", 1, 24 * 60),
        voice.string("language"),
        voice.integer("maxPromptChars", 1, 100_000),
        new Twilio(twilio.string("accountSid"), twilio.string("authToken"), twilio.string("apiBaseUrl"),
            twilio.bool("allowPrivateApiBaseUrl")));
  }

  private static List<String> trustedProxies(ConfigReader http) {
    List<String> entries = new ArrayList<>();
    for (String text : http.strings("trustedProxies")) {
      try {
        IpRange.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("http.trustedProxies: " + e.getMessage(), e);
      }
      entries.add(text.strip());
    }
    return List.copyOf(entries);
  }

  private static Rate rate(ConfigReader rate) {
    int capacity = rate.integer("capacity", 0, Integer.MAX_VALUE);
    int perSeconds = rate.integer("perSeconds", 0, Integer.MAX_VALUE);
    if (capacity > 0 && perSeconds == 0) {
      throw new IllegalArgumentException(rate.path() + ".perSeconds must be at least 1 when capacity is above 0");
    }
    return new Rate(capacity, perSeconds);
  }

  public boolean openAiConfigured() {
    return openai.apiKey() != null && !openai.apiKey().isBlank();
  }

  private static Offers offers(ConfigReader offers) {
    return new Offers(offers.string("person"), offers.string("followUp"), offers.string("nobodyAvailable"),
        offers.string("nobodyAvailableNoted"), offers.string("leaveDetails"));
  }
}
