package com.livechat.support;

import com.livechat.LiveChatServer;
import com.livechat.config.AppConfig;
import com.livechat.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/** Builds a node for a test: defaults, a database of its own, a random port, fast password hashing. */
public final class TestServer {

  private TestServer() {}

  public static JsonObject config(String dbUrl) {
    try {
      JsonObject json = ConfigLoader.loadJson(Map.of());
      json.getJsonObject("http").put("port", 0).put("host", "127.0.0.1").put("instances", 2);
      json.put("dataDir", Files.createTempDirectory("livechat-test-data").toString());
      json.getJsonObject("db").put("url", dbUrl).put("poolSize", 8);
      // a test that stops its node with a request still running waits for it this long at most
      json.getJsonObject("shutdown").put("drainMs", 2_000);
      json.getJsonObject("auth").put("passwordHashCost", 4).put("jwtSecret", "test-secret-of-at-least-32-characters!");
      // tests sign many tenants up from 127.0.0.1: the rate limits are off (capacity 0) except where a
      // test turns them on (com.livechat.ratelimit.RateLimitApiTest)
      JsonObject rateLimits = json.getJsonObject("rateLimits");
      for (String limit : rateLimits.fieldNames()) {
        if (rateLimits.getValue(limit) instanceof JsonObject rate) {
          rate.put("capacity", 0);
        }
      }
      return json;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The configs of {@code nodes} nodes forming one cluster over one database: a cluster name of their
   * own (no other test's cluster can be joined), free Hazelcast ports on 127.0.0.1, TCP-IP join.
   */
  public static java.util.List<JsonObject> clusterConfigs(String dbUrl, int nodes) {
    String name = "livechat-test-" + java.util.UUID.randomUUID();
    int[] ports = new int[nodes];
    io.vertx.core.json.JsonArray members = new io.vertx.core.json.JsonArray();
    for (int i = 0; i < nodes; i++) {
      ports[i] = Ports.free();
      members.add("127.0.0.1:" + ports[i]);
    }
    java.util.List<JsonObject> configs = new java.util.ArrayList<>();
    for (int port : ports) {
      configs.add(config(dbUrl).put("cluster", new JsonObject().put("enabled", true).put("name", name)
          .put("host", "127.0.0.1").put("port", port).put("members", members.copy())));
    }
    return configs;
  }

  public static LiveChatServer start() {
    return start(config(TestDatabase.createDatabase()));
  }

  public static LiveChatServer start(JsonObject config) {
    return LiveChatServer.start(AppConfig.from(config));
  }

  /** Runs SQL against the node's own pool, for arranging state no API of this issue sets yet. */
  public static RowSet<Row> sql(LiveChatServer server, String sql, Object... params) {
    return server.wiring().pool().preparedQuery(sql).execute(Tuple.from(params)).await();
  }
}
