package com.livechat.realtime;

import com.livechat.config.AppConfig;
import com.livechat.events.EventLog;
import com.livechat.ops.Metrics;
import io.vertx.core.Vertx;

/**
 * What every socket of the node needs, whichever kind: the hub its stream comes through, the event
 * log it replays from, the ephemeral signals, the realtime settings and the meters. One per node.
 */
public record Sockets(Vertx vertx, TenantHub hub, EventLog log, LiveSignals live, AppConfig.Realtime config,
    Metrics metrics) {}
