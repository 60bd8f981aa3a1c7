package com.livechat;

import com.livechat.account.AccountRoutes;
import com.livechat.bridge.BridgeVerticle;
import com.livechat.account.AccountStore;
import com.livechat.account.Accounts;
import com.livechat.account.TeamRoutes;
import com.livechat.account.UserStore;
import com.livechat.admin.AdminRoutes;
import com.livechat.analytics.AnalyticsRoutes;
import com.livechat.analytics.AnalyticsStore;
import com.livechat.assistant.AssistantCache;
import com.livechat.assistant.AssistantRoutes;
import com.livechat.assistant.AssistantStore;
import com.livechat.assistant.Assistants;
import com.livechat.assistant.KnowledgeRoutes;
import com.livechat.assistant.KnowledgeStore;
import com.livechat.auth.DashboardAuth;
import com.livechat.auth.JwtService;
import com.livechat.auth.OperatorKey;
import com.livechat.auth.PasswordHasher;
import com.livechat.auth.VisitorTokens;
import com.livechat.chat.CallTurns;
import com.livechat.campaign.CampaignRoutes;
import com.livechat.campaign.CampaignStore;
import com.livechat.campaign.Campaigns;
import com.livechat.campaign.DncRoutes;
import com.livechat.chat.ChatService;
import com.livechat.chat.HandoffMode;
import com.livechat.chat.Staffing;
import com.livechat.chat.Phrases;
import com.livechat.chat.ContactExtractor;
import com.livechat.chat.ChatVerticle;
import com.livechat.chat.TurnRecorder;
import com.livechat.chat.LocalAssistant;
import com.livechat.chat.provider.BusStreams;
import com.livechat.chat.provider.OpenAiProvider;
import com.livechat.chat.provider.ProviderChain;
import com.livechat.config.AppConfig;
import com.livechat.conversation.ConversationRoutes;
import com.livechat.conversation.ConversationStore;
import com.livechat.conversation.Conversations;
import com.livechat.events.EventLog;
import com.livechat.events.Outbox;
import com.livechat.http.HttpVerticle;
import com.livechat.http.InFlight;
import com.livechat.http.RouteGroup;
import com.livechat.ops.Metrics;
import com.livechat.ops.MetricsVerticle;
import com.livechat.ops.NodeVerticle;
import com.livechat.ops.OpsRoutes;
import com.livechat.ops.Readiness;
import com.livechat.dialer.Dialing;
import com.livechat.queue.JobQueue;
import com.livechat.webhook.WebhookRoutes;
import com.livechat.webhook.Webhooking;
import com.livechat.ratelimit.RateLimiters;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.livechat.realtime.AgentPresence;
import com.livechat.realtime.PresenceRoutes;
import com.livechat.realtime.RealtimeVerticle;
import com.livechat.realtime.TenantHub;
import com.livechat.realtime.LiveSignals;
import com.livechat.realtime.Sockets;
import com.livechat.realtime.TenantSocketHandler;
import com.livechat.realtime.VisitorSocketHandler;
import com.livechat.store.SecretBox;
import com.livechat.tenant.TelephonyStore;
import com.livechat.tenant.TenantChanges;
import com.livechat.tenant.TenantRoutes;
import com.livechat.tenant.TenantSettings;
import com.livechat.tenant.TenantStore;
import com.livechat.usage.UsageRoutes;
import com.livechat.usage.UsageStore;
import com.livechat.realtime.VisitorAccess;
import com.livechat.voice.BrowserCallHandler;
import com.livechat.voice.Calls;
import com.livechat.voice.CarrierAccounts;
import com.livechat.voice.LiveCalls;
import com.livechat.voice.VoiceRoutes;
import com.livechat.voice.VoiceSessions;
import com.livechat.voice.VoiceStore;
import com.livechat.voice.VoiceVerticle;
import com.livechat.voice.twilio.TwilioSignature;
import com.livechat.widget.TrackStore;
import com.livechat.widget.TrackWriter;
import com.livechat.widget.WidgetCache;
import com.livechat.widget.WidgetRoutes;
import com.livechat.widget.WidgetStore;
import com.livechat.web.StaticPages;
import com.livechat.web.WebAssets;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's object graph, built once: every store, service and cache of the node (one of each,
 * shared by the verticle instances), and the verticles, each constructed with exactly the
 * collaborators it uses. This is the one place that knows how the pieces fit together.
 */
public final class Wiring {

  private final AppConfig config;
  private final Vertx vertx;
  private final Pool pool;
  private final String nodeId;
  private final BusStreams busStreams;
  private final Metrics metrics = new Metrics();
  private final Readiness readiness;
  private final JwtService jwt;
  private final VisitorTokens visitorTokens;
  private final DashboardAuth dashboardAuth;
  private final RateLimiters rateLimits;
  private final EventLog eventLog;
  private final WidgetCache widgets;
  private final AssistantCache assistantCache;
  private final KnowledgeStore knowledge;
  private final UsageStore usage;
  private final AnalyticsStore analytics;
  private final TrackStore tracking;
  private final TenantHub hub;
  private final LiveSignals live;
  private final Sockets sockets;
  private final ProviderChain ai;
  private final Accounts accounts;
  private final Assistants assistants;
  private final Conversations conversations;
  private final TenantSettings tenantSettings;
  private final SecretBox secretBox;
  private final TelephonyStore telephony;
  private final VoiceSessions voice;
  private final CarrierAccounts carrierAccounts;
  private final Calls calls;
  private final Dialing dialing;
  private final Webhooking webhooking;
  private final LiveCalls liveCalls = new LiveCalls();
  private final InFlight inFlight = new InFlight();
  /** The port of the metrics listener, once bound (metrics.access = port). */
  private final AtomicInteger metricsPort = new AtomicInteger();
  private final OperatorKey operatorKey;
  /** The HTTP port, once bound (the public URL defaults to it). */
  private final AtomicInteger boundPort = new AtomicInteger();
  private final ChatService chat;
  private final WebAssets webAssets;
  private final JobQueue jobs;
  private final CampaignStore campaignStore;
  private final Campaigns campaigns;

  /** @param clusterManager null when the node runs standalone */
  public Wiring(AppConfig config, Vertx vertx, Pool pool, ClusterManager clusterManager, String jwtSecret) {
    this.config = config;
    this.vertx = vertx;
    this.pool = pool;
    this.nodeId = clusterManager != null ? clusterManager.getNodeId() : "standalone";
    this.readiness = new Readiness(pool, clusterManager);
    this.jwt = new JwtService(vertx, jwtSecret, config.auth().jwtExpiresMinutes());
    this.visitorTokens = new VisitorTokens(vertx, jwtSecret, config.auth().visitorTokenMinutes());
    this.dashboardAuth = new DashboardAuth(jwt);
    this.operatorKey = new OperatorKey(config.admin());
    this.rateLimits = new RateLimiters(config.rateLimits(), config.http().trustedProxies(), metrics);
    this.eventLog = new EventLog(pool);
    Outbox outbox = new Outbox(pool, vertx);
    this.jobs = new JobQueue(pool);
    this.campaignStore = new CampaignStore(pool);
    this.campaigns = new Campaigns(campaignStore, outbox, jobs, new ContactExtractor(config.chat().phoneRegion()),
        vertx);
    this.widgets = new WidgetCache(new WidgetStore(pool));
    TenantChanges tenantChanges = new TenantChanges(vertx, widgets);
    AssistantStore assistantStore = new AssistantStore(pool);
    this.assistantCache = new AssistantCache(assistantStore);
    this.knowledge = new KnowledgeStore(pool);
    this.usage = new UsageStore(pool, config.plans());
    this.analytics = new AnalyticsStore(pool);
    this.tracking = new TrackStore(pool);
    this.hub = new TenantHub(vertx, eventLog, config.realtime(), metrics,
        new AgentPresence(vertx, nodeId, config.realtime().presenceRefreshMs()));
    if (clusterManager instanceof HazelcastClusterManager hazelcast) {
      // the cluster manager's own NodeListener slot is Vert.x's; Hazelcast takes any number of listeners
      hazelcast.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {}

        @Override
        public void memberRemoved(MembershipEvent event) {
          // vertx-hazelcast keeps the Vert.x node id as a member attribute
          String left = event.getMember().getAttribute("__vertx.nodeId");
          hub.presence().nodeLeft(left != null ? left : event.getMember().getUuid().toString());
        }
      });
    }
    // one per node: one circuit breaker and one connection pool per provider per node
    // a bus provider's streamed chunks come back to this node's own address
    this.busStreams = config.ai().providers().stream().anyMatch(p -> p.bus() && p.stream())
        ? new BusStreams(vertx, nodeId) : null;
    this.ai = new ProviderChain(
        config.ai().providers().stream().map(settings -> new OpenAiProvider(vertx, settings, busStreams)).toList(),
        new LocalAssistant(), config.ai().chainTimeoutMs(), metrics);
    UserStore users = new UserStore(pool);
    ConversationStore conversationStore = new ConversationStore(pool);
    this.accounts = new Accounts(new AccountStore(pool), users, new PasswordHasher(vertx,
        config.auth().passwordHashCost()), jwt, tenantChanges, config.plans().defaultPlan());
    this.assistants = new Assistants(assistantStore, assistantCache, tenantChanges, vertx);
    this.conversations = new Conversations(conversationStore, users, outbox, vertx);
    this.live = new LiveSignals(vertx, conversationStore);
    this.sockets = new Sockets(vertx, hub, eventLog, live, config.realtime(), metrics);
    this.secretBox = SecretBox.fromConfig(config.secrets(), config.dataDir());
    this.telephony = new TelephonyStore(pool, secretBox, config.voice().twilio().apiBaseUrl());
    this.tenantSettings = new TenantSettings(new TenantStore(pool), tenantChanges, telephony, config.voice().twilio());
    VoiceStore voiceStore = new VoiceStore(pool);
    CallTurns.DoNotCallList doNotCall = (tenantId, phone) -> campaignStore.addDnc(pool, tenantId, phone, "call");
    this.voice = new VoiceSessions(assistants, conversationStore, voiceStore, usage, outbox,
        config.voice().leaseSeconds());
    this.chat = new ChatService(vertx, conversationStore, assistants, knowledge, ai,
        new TurnRecorder(outbox, conversationStore, usage), live, config.chat(),
        new CallTurns(config.voice().handoffMessage(), new Phrases(config.campaigns().doNotCallPhrases()),
            config.campaigns().doNotCallMessage(), doNotCall), staffing());
    this.webAssets = WebAssets.load(Wiring.class.getClassLoader(), "webroot");
    this.carrierAccounts = new CarrierAccounts(telephony, config.voice().twilio(),
        TwilioSignature.serverAuthToken(config.voice().twilio().authToken(), config.dataDir()));
    metrics.liveCalls(liveCalls::size);
    this.calls = new Calls(vertx, voiceStore, carrierAccounts, assistants, conversationStore, usage, outbox,
        new ContactExtractor(config.chat().phoneRegion()), config.voice(),
        () -> config.voice().baseUrl(boundPort.get() > 0 ? boundPort.get() : config.http().port()),
        config.chat().requestTimeoutMs());
    this.dialing = new Dialing(vertx, pool, campaignStore, jobs, conversationStore, usage, voiceStore, carrierAccounts,
        outbox, assistants, new ContactExtractor(config.chat().phoneRegion()), config, calls::baseUrl, nodeId,
        Clock.systemUTC());
    calls.placesCallsWith(dialing.outboundCalls());
    this.webhooking = new Webhooking(vertx, pool, jobs, secretBox, config.webhooks(), nodeId, Clock.systemUTC());
  }

  /** The chat engine's view of a tenant's handoff mode (from the widget cache) and of its agents online. */
  private Staffing staffing() {
    return new Staffing() {
      @Override
      public Future<HandoffMode> handoffMode(String tenantId) {
        return widgets.get(tenantId).map(w -> w == null || w.tenant().handoffMode() == null ? HandoffMode.DEFAULT
            : w.tenant().handoffMode());
      }

      @Override
      public boolean agentOnline(String tenantId) {
        return hub.presence().online(tenantId) > 0;
      }
    };
  }

  /** Deploys the node's verticles: its own consumers and the tenant channels first, HTTP last. */
  public Future<?> deploy(AtomicInteger port) {
    int instances = config.http().instances();
    AtomicInteger bound = port;
    Future<?> started = vertx.deployVerticle(new NodeVerticle(nodeId, widgets, assistantCache));
    started = started.compose(x -> vertx.deployVerticle(new RealtimeVerticle(hub)));
    started = started.compose(x -> vertx.deployVerticle(() -> new ChatVerticle(chat, metrics),
        new DeploymentOptions().setInstances(instances)));
    started = started.compose(x -> vertx.deployVerticle(() -> new VoiceVerticle(calls, liveCalls),
        new DeploymentOptions().setInstances(instances)));
    started = started.compose(x -> vertx.deployVerticle(dialing.verticle()));
    started = started.compose(x -> vertx.deployVerticle(webhooking.verticle()));
    if (config.metrics().ownPort()) {
      started = started.compose(x -> vertx.deployVerticle(new MetricsVerticle(config.metrics(), metrics, metricsPort)));
    }
    if (config.bridge().enabled()) {
      started = started.compose(x -> vertx.deployVerticle(new BridgeVerticle(config.bridge())));
    }
    started = started.compose(x -> vertx.deployVerticle(() -> new HttpVerticle(config.http(), config.log(), this::routeGroups, port, inFlight),
        new DeploymentOptions().setInstances(instances)));
    return started.onSuccess(x -> boundPort.set(bound.get()));
  }

  /**
   * One HTTP verticle instance's routes, in the order the router tries them: the widget routes take
   * nearly all the traffic (every page view and event of every tenant's site), so they come first;
   * the web pages last.
   */
  private List<RouteGroup> routeGroups(BodyHandler body) {
    var track = config.track();
    // the track writer batches one event loop's requests: one per instance
    TrackWriter trackWriter = new TrackWriter(tracking, metrics, track.maxBatch(), track.maxInFlightBatches());
    var widgetUses = new WidgetRoutes.Collaborators(rateLimits, trackWriter, voice, assistants, conversations,
        visitorTokens, new ContactExtractor(config.chat().phoneRegion()));
    return List.of(
        new WidgetRoutes(vertx, widgets, widgetUses, body, config.chat().requestTimeoutMs()),
        new OpsRoutes(readiness, metrics, config.metrics(), operatorKey),
        new AccountRoutes(accounts, rateLimits, body, config.auth().signupEnabled()),
        new ConversationRoutes(conversations, body, dashboardAuth),
        new AnalyticsRoutes(analytics, dashboardAuth),
        new UsageRoutes(usage, dashboardAuth),
        new TeamRoutes(accounts, body, dashboardAuth),
        new TenantRoutes(tenantSettings, body, dashboardAuth),
        new AssistantRoutes(assistants, body, dashboardAuth),
        new KnowledgeRoutes(knowledge, body, dashboardAuth),
        new CampaignRoutes(campaigns, body, dashboardAuth),
        new DncRoutes(campaigns, body, dashboardAuth),
        new WebhookRoutes(webhooking.webhooks(), body, dashboardAuth),
        new AdminRoutes(operatorKey, usage, accounts, body),
        new PresenceRoutes(hub.presence(), dashboardAuth),
        new TenantSocketHandler(sockets, jwt),
        new VisitorSocketHandler(sockets, widgets, visitorTokens),
        new VoiceRoutes(vertx, body, calls, liveCalls, config.voice(), config.realtime().authTimeoutMs(),
            config.chat().requestTimeoutMs()),
        new BrowserCallHandler(vertx, new VisitorAccess(widgets, visitorTokens), calls, liveCalls, config.voice(),
            config.realtime().authTimeoutMs(), config.chat().requestTimeoutMs()),
        new StaticPages(webAssets));
  }

  public Readiness readiness() {
    return readiness;
  }

  /** The node's HTTP requests in flight, and the gate a graceful stop closes. */
  public InFlight inFlight() {
    return inFlight;
  }

  public String nodeId() {
    return nodeId;
  }

  /** Closes the remote AI providers' clients and breakers (not owned by any verticle). */
  public void close() {
    ai.close();
    if (busStreams != null) {
      busStreams.close();
    }
    dialing.close();
    webhooking.close();
  }

  // for tests and tools that reach into a running node

  public Pool pool() {
    return pool;
  }

  public JwtService jwt() {
    return jwt;
  }

  public VisitorTokens visitorTokens() {
    return visitorTokens;
  }

  public KnowledgeStore knowledge() {
    return knowledge;
  }

  public WidgetCache widgets() {
    return widgets;
  }

  public TenantHub hub() {
    return hub;
  }

  public ChatService chat() {
    return chat;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** The port GET /metrics is served on with metrics.access = port (0 before it is bound, or without it). */
  public int metricsPort() {
    return metricsPort.get();
  }

  public LiveCalls liveCalls() {
    return liveCalls;
  }

  public CarrierAccounts carrierAccounts() {
    return carrierAccounts;
  }

  /** Each tenant's own carrier account (null = the server-wide voice.twilio one applies). */
  public TelephonyStore telephony() {
    return telephony;
  }

  /** Seals the secrets the database keeps (secrets.key). */
  public SecretBox secretBox() {
    return secretBox;
  }

  /** The durable job queue (campaign dial attempts, webhook deliveries), shared by the node. */
  public JobQueue jobs() {
    return jobs;
  }
}
