package com.livechat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.livechat.auth.JwtService;
import com.livechat.auth.PasswordHasher;
import com.livechat.bus.Addresses;
import com.livechat.bus.EventPublisher;
import com.livechat.chat.ChatVerticle;
import com.livechat.chat.ContactExtractor;
import com.livechat.chat.LocalAssistant;
import com.livechat.chat.provider.OpenAiProvider;
import com.livechat.chat.provider.ProviderChain;
import com.livechat.config.AppConfig;
import com.livechat.http.HttpVerticle;
import com.livechat.ops.Metrics;
import com.livechat.ops.Readiness;
import com.livechat.ratelimit.RateLimiters;
import com.livechat.realtime.TenantHub;
import com.livechat.store.AccountStore;
import com.livechat.store.AnalyticsStore;
import com.livechat.store.AssistantStore;
import com.livechat.store.ChatStore;
import com.livechat.store.ConversationStore;
import com.livechat.store.Database;
import com.livechat.store.EventLog;
import com.livechat.store.KnowledgeStore;
import com.livechat.store.TenantStore;
import com.livechat.store.TrackStore;
import com.livechat.store.UserStore;
import com.livechat.store.UsageStore;
import com.livechat.store.WidgetStore;
import com.livechat.widget.TenantCache;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node: the database (embedded or external, migrated), Vert.x (standalone or joined to the
 * Hazelcast cluster), and the verticles. Start and stop it from a plain thread (main, a test),
 * never from an event loop: starting blocks while PostgreSQL and the cluster come up.
 */
public final class LiveChatServer {

  private static final Logger LOG = LoggerFactory.getLogger(LiveChatServer.class);

  private final AppConfig config;
  private final Database database;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
  private final Services services;
  private final ProviderChain ai;
  private final AtomicInteger port = new AtomicInteger();

  private LiveChatServer(AppConfig config, Database database, Vertx vertx, HazelcastClusterManager clusterManager,
      Services services, ProviderChain ai) {
    this.config = config;
    this.database = database;
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.services = services;
    this.ai = ai;
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
      EventLog eventLog = new EventLog(pool);
      Metrics metrics = new Metrics();
      UsageStore usage = new UsageStore(pool, config.plans());
      ProviderChain ai = providerChain(vertx, config, metrics);
      Services services = new Services(config, pool, new AccountStore(pool), new ChatStore(pool, usage),
          new ConversationStore(pool), new AnalyticsStore(pool),
          new TrackStore(pool), eventLog, new EventPublisher(vertx),
          new TenantHub(vertx, eventLog, config.realtime(), metrics), new TenantCache(new WidgetStore(pool)),
          new JwtService(vertx, jwtSecret, config.auth().jwtExpiresMinutes()),
          new PasswordHasher(vertx, config.auth().passwordHashCost()),
          new Readiness(pool, clusterManager), metrics,
          new UserStore(pool), new TenantStore(pool), new AssistantStore(pool), usage,
          new RateLimiters(config.rateLimits(), config.http().trustedProxies(), metrics), ai,
          new KnowledgeStore(pool));
      LiveChatServer server = new LiveChatServer(config, database, vertx, clusterManager, services, ai);
      server.deploy().await();
      services.readiness().markStarted();
      LOG.info("Live chat node ready on http://{}:{}{}", config.http().host(), server.port(),
          clusterManager != null ? " (cluster " + config.cluster().name() + ", node " + clusterManager.getNodeId() + ")" : "");
      return server;
    } catch (RuntimeException e) {
      if (vertx != null) {
        vertx.close().await();
      }
      database.close();
      throw e;
    }
  }

  /**
   * Built outside any verticle, once per node: the providers' clients and breakers serve every chat
   * verticle instance, and undeploying one does not close them.
   */
  private static ProviderChain providerChain(Vertx vertx, AppConfig config, Metrics metrics) {
    return new ProviderChain(
        config.ai().providers().stream().map(settings -> new OpenAiProvider(vertx, settings)).toList(),
        new LocalAssistant(), config.ai().chainTimeoutMs(), metrics);
  }

  private Future<?> deploy() {
    int instances = config.http().instances();
    Future<?> started = vertx.eventBus().<JsonObject>consumer(Addresses.TENANT_CHANGED,
        msg -> services.tenants().invalidate(msg.body().getString("tenantId"))).completion();
    started = started.compose(x -> vertx.eventBus().<JsonObject>consumer(Addresses.NODE_PING,
        msg -> msg.reply(new JsonObject().put("nodeId", nodeId()))).completion());
    started = started.compose(x -> vertx.deployVerticle(() -> new ChatVerticle(services),
        new DeploymentOptions().setInstances(instances)));
    started = started.compose(x -> vertx.deployVerticle(() -> new HttpVerticle(services, port),
        new DeploymentOptions().setInstances(instances)));
    return started;
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
    network.getInterfaces().setEnabled(true).setInterfaces(java.util.List.of(cluster.host()));
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

  public Services services() {
    return services;
  }

  public HazelcastClusterManager clusterManager() {
    return clusterManager;
  }

  public String nodeId() {
    return clusterManager != null ? clusterManager.getNodeId() : "standalone";
  }

  /** Leaves the cluster cleanly, closes the pool and stops the embedded database. */
  public void close() {
    try {
      ai.close();
      vertx.close().await();
    } finally {
      database.close();
    }
  }
}
