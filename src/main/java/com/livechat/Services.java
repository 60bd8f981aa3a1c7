package com.livechat;

import com.livechat.auth.JwtService;
import com.livechat.bus.EventPublisher;
import com.livechat.chat.provider.AiProvider;
import com.livechat.auth.PasswordHasher;
import com.livechat.config.AppConfig;
import com.livechat.ops.Metrics;
import com.livechat.ops.Readiness;
import com.livechat.ratelimit.RateLimiters;
import com.livechat.realtime.TenantHub;
import com.livechat.store.AccountStore;
import com.livechat.store.AnalyticsStore;
import com.livechat.store.AssistantStore;
import com.livechat.store.ChatStore;
import com.livechat.store.ConversationStore;
import com.livechat.store.EventLog;
import com.livechat.store.KnowledgeStore;
import com.livechat.store.TenantStore;
import com.livechat.store.TrackStore;
import com.livechat.store.UserStore;
import com.livechat.store.UsageStore;
import com.livechat.widget.TenantCache;
import io.vertx.sqlclient.Pool;

/**
 * The node-wide collaborators the verticles are built with (one of each per node).
 *
 * @param ai the provider chain (remote providers, then the local assistant): one per node, so one
 *     circuit breaker and one connection pool per provider per node
 */
public record Services(
    AppConfig config,
    Pool pool,
    AccountStore accounts,
    ChatStore chats,
    ConversationStore conversations,
    AnalyticsStore analytics,
    TrackStore tracking,
    EventLog eventLog,
    EventPublisher events,
    TenantHub hub,
    TenantCache tenants,
    JwtService jwt,
    PasswordHasher passwords,
    Readiness readiness,
    Metrics metrics,
    UserStore users,
    TenantStore tenantSettings,
    AssistantStore assistants,
    UsageStore usage,
    RateLimiters rateLimits,
    AiProvider ai,
    KnowledgeStore knowledge) {}
