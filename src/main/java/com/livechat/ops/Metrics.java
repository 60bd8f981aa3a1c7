package com.livechat.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The node's meters, exposed in Prometheus text format on GET /metrics. */
public final class Metrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger sockets = new AtomicInteger();
  private final AtomicInteger channels = new AtomicInteger();
  private final Counter chatAnswered;
  private final Counter chatHandoff;
  private final Counter chatFailed;
  private final Timer chatTime;
  private final Counter trackStored;
  private final DistributionSummary trackBatch;
  private final Counter eventsDelivered;
  private final Counter slowSocketsClosed;
  private final Counter busEventsReceived;
  private final Counter busMessagesReceived;
  private final Counter liveFramesReceived;
  /** By provider name, or provider and failure reason: both sets are small and fixed by config. */
  private final Map<String, Counter> aiCounters = new ConcurrentHashMap<>();

  public Metrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    registry.gauge("livechat_ws_sockets", sockets);
    registry.gauge("livechat_tenant_channels", channels);
    chatAnswered = Counter.builder("livechat_chat_turns").tag("outcome", "answered")
        .description("widget chat turns").register(registry);
    chatHandoff = Counter.builder("livechat_chat_turns").tag("outcome", "handoff").register(registry);
    chatFailed = Counter.builder("livechat_chat_turns").tag("outcome", "failed").register(registry);
    chatTime = Timer.builder("livechat_chat_turn").description("time to answer a widget chat turn")
        .publishPercentiles(0.5, 0.99).register(registry);
    trackStored = Counter.builder("livechat_tracked_events").description("tracked events committed")
        .register(registry);
    trackBatch = DistributionSummary.builder("livechat_track_batch_rows")
        .description("rows per tracked-event INSERT").register(registry);
    eventsDelivered = Counter.builder("livechat_ws_events_sent")
        .description("tenant events written to dashboard sockets").register(registry);
    slowSocketsClosed = Counter.builder("livechat_ws_slow_closed")
        .description("dashboard sockets closed for not keeping up").register(registry);
    // one per event per node with sockets of the tenant: a node's share of the cluster's fan-out traffic
    busEventsReceived = Counter.builder("livechat_tenant_bus_events_received")
        .description("tenant events received by this node's clustered tenant consumers").register(registry);
    // one per committed transaction per node with sockets of the tenant: the cluster messages themselves
    busMessagesReceived = Counter.builder("livechat_tenant_bus_messages_received")
        .description("tenant event batches (one per transaction) received by this node's clustered tenant consumers")
        .register(registry);
    // typing and reply deltas: only nodes with sockets of the tenant receive them
    liveFramesReceived = Counter.builder("livechat_tenant_live_frames_received")
        .description("ephemeral frames (typing, message:delta) received by this node's clustered tenant consumers")
        .register(registry);
  }

  /** The node's calls in progress over a relay or browser socket (voice.LiveCalls). */
  public void liveCalls(java.util.function.IntSupplier count) {
    io.micrometer.core.instrument.Gauge.builder("livechat_voice_live_calls", count::getAsInt)
        .description("calls in progress on this node's relay and browser sockets").register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  public void chatTurn(String outcome, long nanos) {
    switch (outcome) {
      case "answered" -> chatAnswered.increment();
      case "handoff" -> chatHandoff.increment();
      default -> chatFailed.increment();
    }
    chatTime.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  public void trackBatchStored(int rows) {
    trackStored.increment(rows);
    trackBatch.record(rows);
  }

  /** A chat reply written by this provider ("local" for the local assistant). */
  public void aiReply(String provider) {
    aiCounters.computeIfAbsent(provider, p -> Counter.builder("livechat_ai_replies").tag("provider", p)
        .description("chat replies by the AI provider that wrote them").register(registry)).increment();
  }

  /**
   * A reply of this provider was cut short after part of it had been streamed (the stream broke or
   * the turn was called off); it is also counted by {@link #aiReply}.
   */
  public void aiReplyInterrupted(String provider) {
    aiCounters.computeIfAbsent(provider + "\ninterrupted", k -> Counter.builder("livechat_ai_replies_interrupted")
        .tag("provider", provider)
        .description("chat replies cut short after part of them had been streamed").register(registry))
        .increment();
  }

  /** A remote AI provider gave no reply and the chain moved on; reason is an AiProviderException.Reason label. */
  public void aiProviderFailure(String provider, String reason) {
    aiCounters.computeIfAbsent(provider + '\n' + reason, k -> Counter.builder("livechat_ai_provider_failures")
        .tag("provider", provider).tag("reason", reason)
        .description("AI provider failures that moved a chat turn to the next provider").register(registry))
        .increment();
  }

  public void eventSent() {
    eventsDelivered.increment();
  }

  /** One cluster message of a tenant channel, carrying {@code events} events. */
  public void busBatchReceived(int events) {
    busMessagesReceived.increment();
    busEventsReceived.increment(events);
  }

  /** One ephemeral frame (typing, message:delta) of a tenant channel. */
  public void liveFrameReceived() {
    liveFramesReceived.increment();
  }

  public double liveFramesReceived() {
    return liveFramesReceived.count();
  }

  public void slowSocketClosed() {
    slowSocketsClosed.increment();
  }

  /** The counter of requests refused by one rate limit: {@code livechat_rate_limited_total{limit=...}}. */
  public Counter rateLimited(String limit) {
    return Counter.builder("livechat_rate_limited").tag("limit", limit)
        .description("requests refused with 429 rate_limited").register(registry);
  }

  public void socketOpened() {
    sockets.incrementAndGet();
  }

  public void socketClosed() {
    sockets.decrementAndGet();
  }

  public void channelCount(int count) {
    channels.set(count);
  }
}
