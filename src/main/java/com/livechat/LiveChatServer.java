package com.livechat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.livechat.auth.JwtService;
import com.livechat.chat.ContactExtractor;
import com.livechat.config.AppConfig;
import com.livechat.http.InFlight;
import com.livechat.ops.FreePorts;
import com.livechat.config.StartupSummary;
import com.livechat.ops.NodeVerticle;
import com.livechat.ops.StartupFailure;
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
  /** WebSocket close code 1001: the server goes away; a client reconnects (to another node) and resumes. */
  public static final short GOING_AWAY = 1001;
  /** How long a shutdown waits for the sockets' close handshakes. */
  static final long SOCKETS_CLOSE_MS = 2_000;
  private static final String HTTP_SERVER = "the HTTP server";
  private static final String HTTP_SETTINGS = "http.host, http.port / LIVECHAT_HTTP_PORT";
  private static final String CLUSTER_MEMBER = "the cluster member";
  private static final String CLUSTER_SETTINGS = "cluster.host, cluster.port / LIVECHAT_CLUSTER_HOST, LIVECHAT_CLUSTER_PORT";
  /** How long a failed start waits for Vert.x (and the cluster member) to close before giving up. */
  private static final long START_ABORT_CLOSE_MS = 10_000;

  private final Database database;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
  private final Wiring wiring;
  private final AtomicInteger port = new AtomicInteger();
  private final long drainMs;

  private LiveChatServer(Database database, Vertx vertx, HazelcastClusterManager clusterManager, Wiring wiring,
      long drainMs) {
    this.database = database;
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.wiring = wiring;
    this.drainMs = drainMs;
  }

  /**
   * @throws StartupFailure when something the node needs cannot be had (a port, the database, the
   *     cluster, its data dir), with what was started stopped again: the embedded database first
   * @throws IllegalArgumentException for a bad setting
   */
  public static LiveChatServer start(AppConfig config) {
    requireFreePorts(config);
    Database database = Database.open(config.db(), config.dataDir());
    // a node stopped while it starts (Ctrl-C during a slow cluster join) stops its database too;
    // once started, Main's hook closes the whole node instead
    Thread stopDatabase = new Thread(database::close, "livechat-start-abort");
    Runtime.getRuntime().addShutdownHook(stopDatabase);
    Vertx vertx = null;
    try {
      database.migrate();
      ContactExtractor.preloadPhoneMetadata();
      String jwtSecret = JwtService.resolveSecret(config.auth().jwtSecret(), config.dataDir());
      HazelcastClusterManager clusterManager = config.cluster().enabled() ? clusterManager(config.cluster()) : null;
      vertx = buildVertx(config, clusterManager);
      Pool pool = database.createPool(vertx, config.db().poolSize());
      try {
        Database.warm(pool, config.db().poolSize()).await();
      } catch (Throwable e) {
        throw database.unreachable(e);
      }
      Wiring wiring = new Wiring(config, vertx, pool, clusterManager, jwtSecret);
      LiveChatServer server = new LiveChatServer(database, vertx, clusterManager, wiring,
          config.shutdown().drainMs());
      wiring.deploy(server.port).await();
      NodeVerticle.selfCheck(vertx).otherwiseEmpty().await();
      wiring.readiness().markStarted();
      LOG.info("Live chat node ready on http://{}:{}{}", config.http().host(), server.port(),
          clusterManager != null ? " (cluster " + config.cluster().name() + ", node " + clusterManager.getNodeId() + ")" : "");
      removeHook(stopDatabase);
      LOG.info(StartupSummary.text(config, server.port(), wiring.metricsPort(), wiring.nodeId()));
      return server;
    } catch (Throwable e) {
      // await() rethrows a failed future's cause as it is, checked ones too (a BindException)
      removeHook(stopDatabase);
      database.close();
      if (vertx != null) {
        try {
          vertx.close().await(START_ABORT_CLOSE_MS, TimeUnit.MILLISECONDS);
        } catch (Throwable closing) {
          LOG.debug("Vert.x did not close cleanly after the failed start", closing);
        }
      }
      if (e instanceof RuntimeException || e instanceof Error) {
        throw e;
      }
      throw new StartupFailure("the node did not start: " + StartupFailure.rootMessage(e), e);
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs already
    }
  }

  private static void requireFreePorts(AppConfig config) {
    FreePorts.require(HTTP_SERVER, config.http().host(), config.http().port(), HTTP_SETTINGS);
    if (config.cluster().enabled()) {
      FreePorts.require(CLUSTER_MEMBER, config.cluster().host(), config.cluster().port(), CLUSTER_SETTINGS);
    }
    if (config.bridge().enabled()) {
      FreePorts.require("the event-bus bridge", config.bridge().host(), config.bridge().port(),
          "bridge.host, bridge.port / LIVECHAT_BRIDGE_HOST, LIVECHAT_BRIDGE_PORT");
    }
  }

  private static Vertx buildVertx(AppConfig config, HazelcastClusterManager clusterManager) {
    VertxOptions options = new VertxOptions();
    if (clusterManager == null) {
      return Vertx.builder().with(options).build();
    }
    options.getEventBusOptions().setHost(config.cluster().host()).setPort(0);
    AppConfig.Cluster cluster = config.cluster();
    try {
      return Vertx.builder().with(options).withClusterManager(clusterManager).buildClustered().await();
    } catch (Throwable e) {
      throw new StartupFailure(StartupFailure.portInUse(e)
          ? CLUSTER_MEMBER + " cannot listen on " + cluster.host() + ":" + cluster.port() + " (" + CLUSTER_SETTINGS
              + "): " + StartupFailure.rootMessage(e)
          : "cannot join the cluster " + cluster.name() + " from " + cluster.host() + ":" + cluster.port()
              + " (cluster.* / LIVECHAT_CLUSTER_*): " + StartupFailure.rootMessage(e), e);
    }
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

  private void drain() {
    InFlight inFlight = wiring.inFlight();
    try {
      inFlight.close().await(drainMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      try {
        int cut = inFlight.cut().await(SOCKETS_CLOSE_MS, TimeUnit.MILLISECONDS);
        LOG.warn("{} requests still in flight after shutdown.drainMs ({} ms): answered 503 shutting_down", cut, drainMs);
      } catch (TimeoutException | RuntimeException again) {
        LOG.debug("Requests in flight not all answered: {}", again.getMessage());
      }
    }
  }

  /**
   * Stops the node gracefully: reports not ready and answers every new request 503 {@code
   * shutting_down}; lets the requests in flight (chat turns) finish, for at most {@code
   * shutdown.drainMs}, then answers the rest 503 too; closes every socket with 1001 going away (so
   * clients reconnect, to another node, and resume; at most {@link #SOCKETS_CLOSE_MS} are waited
   * for); then closes the AI clients, stops the verticles and the HTTP server, leaves the cluster
   * cleanly, closes the pool and stops the embedded database.
   */
  public void close() {
    try {
      wiring.readiness().markStopping();
      drain();
      try {
        int closed = wiring.hub().closeAll(GOING_AWAY, "going away").await(SOCKETS_CLOSE_MS, TimeUnit.MILLISECONDS);
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
