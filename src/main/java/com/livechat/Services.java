package com.livechat;

import com.livechat.auth.JwtService;
import com.livechat.auth.PasswordHasher;
import com.livechat.config.AppConfig;
import com.livechat.ops.Readiness;
import com.livechat.store.AccountStore;
import com.livechat.store.ChatStore;
import com.livechat.store.TrackStore;
import com.livechat.widget.TenantCache;
import io.vertx.sqlclient.Pool;

/** The node-wide collaborators the verticles are built with (one of each per node). */
public record Services(
    AppConfig config,
    Pool pool,
    AccountStore accounts,
    ChatStore chats,
    TrackStore tracking,
    TenantCache tenants,
    JwtService jwt,
    PasswordHasher passwords,
    Readiness readiness) {}
