package com.livechat.config;

import com.livechat.chat.provider.OpenAiSettings;
import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The block a node logs once it is ready: the configuration in effect, so that an operator sees
 * what a node runs with (the AI chain, the cluster, what is open) without reading files and
 * variables. Never a secret: a key, token, password or secret shows only as set or not.
 */
public final class StartupSummary {

  private StartupSummary() {}

  /**
   * @param httpPort the bound HTTP port
   * @param metricsPort the bound port of the metrics listener (metrics.access = port), else 0
   * @param nodeId the node's cluster id ("standalone" when not clustered)
   */
  public static String text(AppConfig config, int httpPort, int metricsPort, String nodeId) {
    StringBuilder out = new StringBuilder("Effective configuration:");
    line(out, "http", config.http().host() + ":" + httpPort + " (" + config.http().instances() + " instances)");
    line(out, "public URL", config.voice().baseUrl(httpPort)
        + (config.voice().publicUrl().isEmpty() ? " (voice.publicUrl unset: the default)" : ""));
    line(out, "trusted proxies", config.http().trustedProxies().isEmpty() ? "none (the peer is the client)"
        : String.join(", ", config.http().trustedProxies()));
    line(out, "database", database(config.db()) + ", pool " + config.db().poolSize());
    line(out, "data dir", config.dataDir().toAbsolutePath().normalize().toString());
    line(out, "AI chain", aiChain(config.ai().providers()));
    AppConfig.Cluster cluster = config.cluster();
    line(out, "cluster", cluster.enabled() ? "on, name " + cluster.name() + ", node " + nodeId + " at "
        + cluster.host() + ":" + cluster.port() + ", members " + String.join(", ", cluster.members()) : "off");
    AppConfig.Bridge bridge = config.bridge();
    line(out, "bridge", bridge.enabled() ? "on, " + bridge.host() + ":" + bridge.port() + (bridge.tls() ? " (TLS)" : "")
        + ", " + bridge.keys().size() + " key(s)" : "off");
    line(out, "operator key", config.admin().enabled() ? "set (/api/admin on)" : "not set (/api/admin answers 404)");
    line(out, "sign-up", config.auth().signupEnabled() ? "open" : "closed (operator creates tenants)");
    line(out, "metrics", metrics(config.metrics(), metricsPort));
    line(out, "access log", config.log().access() ? "on (livechat.access)" : "off");
    line(out, "JWT secret", config.auth().jwtSecret().isEmpty() ? "generated (in the data dir)" : "set");
    line(out, "secrets key", config.secrets().key().isEmpty() ? "generated (in the data dir)" : "set");
    line(out, "carrier auth token", config.voice().twilio().authToken().isEmpty() ? "generated (in the data dir)"
        : "set");
    return out.toString();
  }

  private static void line(StringBuilder out, String name, String value) {
    out.append("\n  ").append(name).append(": ").append(value);
  }

  private static String database(AppConfig.Db db) {
    if (db.embedded()) {
      return "embedded PostgreSQL" + (db.embeddedPort() > 0 ? " on 127.0.0.1:" + db.embeddedPort() : "");
    }
    try {
      URI uri = URI.create(db.url().trim());
      // host, port and database only: the user and password stay out
      return "external " + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
          + (uri.getPath() == null ? "" : uri.getPath());
    } catch (IllegalArgumentException e) {
      return "external (db.url not shown)";
    }
  }

  private static String aiChain(List<OpenAiSettings> providers) {
    String remote = providers.stream().map(p -> p.name() + " (" + (p.bus() ? "bus" : "http " + baseUrl(p.baseUrl()))
        + ", model " + p.model() + (p.bus() ? "" : ", key " + (p.hasApiKey() ? "set" : "none")) + ")")
        .collect(Collectors.joining(" -> "));
    return remote.isEmpty() ? "local assistant only" : remote + " -> local assistant";
  }

  /** The URL without user info, query or fragment, where a key could hide. */
  static String baseUrl(String url) {
    try {
      URI uri = URI.create(url);
      if (uri.getHost() == null) {
        return "(base URL not shown)";
      }
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
          + (uri.getRawPath() == null ? "" : uri.getRawPath());
    } catch (IllegalArgumentException e) {
      return "(base URL not shown)";
    }
  }

  private static String metrics(AppConfig.MetricsEndpoint metrics, int metricsPort) {
    return switch (metrics.access()) {
      case "port" -> "own listener " + metrics.host() + ":" + (metricsPort > 0 ? metricsPort : metrics.port())
          + ", no auth";
      case "public" -> "public on the HTTP port";
      default -> "operator key on the HTTP port";
    };
  }
}
