package com.livechat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.livechat.auth.JwtService;
import com.livechat.chat.ContactExtractor;
import com.livechat.config.AppConfig;
import com.livechat.config.StartupSummary;
import com.livechat.ops.NodeVerticle;
import com.livechat.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node: the database (embedded or external, migrated), Vert.x (standalone or joined to the
 * Hazelcast cluster), the node's object graph ({@link Wiring}) and its verticles. Start and stop it
 * from a plain thread (main, a test), never from an event loop: starting blocks while PostgreSQL
 * and the cluster come up.
 */
public final class LiveChatServer {

  private static final Logger LOG = LoggerFactory.getLogger(LiveChatServer.class);
  /** WebSocket close code 1012: the server restarts; a client reconnects. */
  public static final short SERVICE_RESTART = 1012;
  /** How long a shutdown waits for the sockets' close handshakes. */
  static final long SOCKETS_CLOSE_MS = 2_000;

  private final Database database;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
  private final Wiring wiring;
  private final AtomicInteger port = new AtomicInteger();

  private LiveChatServer(Database database, Vertx vertx, HazelcastClusterManager clusterManager, Wiring wiring) {
    this.database = database;
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.wiring = wiring;
  }

  public static LiveChatServer start(AppConfig config) {
    Database database = Database.open(config.db(), config.dataDir());
    Vertx vertx = null;
    try {
      database.migrate();
      ContactExtractor.preloadPhoneMetadata();
      String jwtSecret = JwtService.resolveSecret(config.auth().jwtSecret(), config.dataDir());
      HazelcastClusterManager clusterManager = config.cluster().enabled() ? clusterManager(config.cluster()) : null;
      vertx = buildVertx(config, clusterManager);
      Pool pool = database.createPool(vertx, config.db().poolSize());
      Database.warm(pool, config.db().poolSize()).await();
      Wiring wiring = new Wiring(config, vertx, pool, clusterManager, jwtSecret);
      LiveChatServer server = new LiveChatServer(database, vertx, clusterManager, wiring);
      wiring.deploy(server.port).await();
      NodeVerticle.selfCheck(vertx).otherwiseEmpty().await();
      wiring.readiness().markStarted();
      LOG.info("Live chat node ready on http://{}:{}{}", config.http().host(), server.port(),
          clusterManager != null ? " (cluster " + config.cluster().name() + ", node " + clusterManager.getNodeId() + ")" : "");
      LOG.info(StartupSummary.text(config, server.port(), wiring.metricsPort(), wiring.nodeId()));
      return server;
    } catch (RuntimeException e) {
      if (vertx != null) {
        vertx.close().await();
      }
      database.close();
      throw e;
    }
  }

  private static Vertx buildVertx(AppConfig config, HazelcastClusterManager clusterManager) {
    VertxOptions options = new VertxOptions();
    if (clusterManager == null) {
      return Vertx.builder().with(options).build();
    }
    options.getEventBusOptions().setHost(config.cluster().host()).setPort(0);
    return Vertx.builder().with(options).withClusterManager(clusterManager).buildClustered().await();
  }

  /** cluster.xml as packaged, with the network taken from config: TCP-IP to the member list, no multicast. */
  private static HazelcastClusterManager clusterManager(AppConfig.Cluster cluster) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cluster.name());
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.host()));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    return new HazelcastClusterManager(hz);
  }

  public int port() {
    return port.get();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The node's object graph, for tests and tools that reach into a running node. */
  public Wiring wiring() {
    return wiring;
  }

  public HazelcastClusterManager clusterManager() {
    return clusterManager;
  }

  public String nodeId() {
    return wiring.nodeId();
  }

  /**
   * Stops the node gracefully: reports not ready, closes every socket with 1012 service restart (so
   * clients reconnect, to another node, and resume; at most {@link #SOCKETS_CLOSE_MS} are waited
   * for), then stops the HTTP server and the verticles, leaves the cluster cleanly, closes the pool
   * and stops the embedded database.
   */
  public void close() {
    try {
      wiring.readiness().markStopping();
      try {
        int closed = wiring.hub().closeAll(SERVICE_RESTART, "service restart").await(SOCKETS_CLOSE_MS, TimeUnit.MILLISECONDS);
        LOG.debug("Closed {} sockets for the shutdown", closed);
      } catch (TimeoutException | RuntimeException e) {
        // a client that does not answer its close frame is cut when the server stops
        LOG.debug("Sockets not all closed within {} ms: {}", SOCKETS_CLOSE_MS, e.getMessage());
      }
      wiring.close();
      vertx.close().await();
    } finally {
      database.close();
    }
  }
}
