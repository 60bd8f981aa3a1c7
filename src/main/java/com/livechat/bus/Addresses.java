package com.livechat.bus;

import java.util.List;

/**
 * Every event-bus address the server uses, in one place, with its contract: whether it reaches only
 * this node or the cluster, and whether it is a request answered by a reply or a publication.
 * docs/EVENTBUS.md describes each one (bodies, replies, failures) for a worker in any language;
 * EventBusContractTest fails when this list and that document disagree. Bodies are always JSON.
 */
public final class Addresses {

  /** Where a message on the address can come from and go to. */
  public enum Scope { NODE, CLUSTER }

  /**
   * Request-reply (one consumer answers), send (one consumer gets it, nobody answers) or publish
   * (every consumer hears it, no reply).
   */
  public enum Style { REQUEST, SEND, PUBLISH }

  /**
   * What a worker on the TCP bridge (bridge.BridgeVerticle) may do with the address: nothing
   * ({@code NONE}: internal), send or publish to it ({@code IN}), or register on it and hear or
   * answer what the server sends there ({@code OUT}).
   */
  public enum Bridged { NONE, IN, OUT }

  /** One address of the contract; {@code <tenantId>} stands for the tenant's id in a per-tenant address. */
  public record Contract(String address, Scope scope, Style style, Bridged bridged) {
    public Contract(String address, Scope scope, Style style) {
      this(address, scope, style, Bridged.NONE);
    }
  }

  /** Request: the HTTP verticles ask this node's chat verticle for the answer to a visitor's message. */
  public static final String CHAT_REPLY = "chat.reply";

  /** Publish: a tenant's widget config or tokens changed; every node drops its cached copy. */
  public static final String TENANT_CHANGED = "tenant.changed";

  /** Publish: an assistant was replaced or deleted; every node drops its cached copy. */
  public static final String ASSISTANT_CHANGED = "assistant.changed";

  /** Request: any node answers with its id; the start-up self-check and operators use it. */
  public static final String NODE_PING = "node.ping";

  /**
   * Publish: stop the AI turn of a conversation (an agent took it over: from the node that committed
   * the change, cluster-wide) or one turn (its HTTP client went away: node-local). Every node's chat
   * verticles hear it; the node running the turn stops its provider request.
   */
  public static final String CHAT_CANCEL = "chat.cancel";

  /**
   * Request: the HTTP verticles pass a carrier's webhook ({kind, url, params, signature}) to this
   * node's voice verticle, which answers {"twiml"} (voice.VoiceVerticle).
   */
  public static final String VOICE_WEBHOOK = "voice.webhook";

  /**
   * Publish, node-local: a tenant's transaction committed events on this node ({"tenantId"};
   * events.Outbox), or its webhook settings changed (webhook.Webhooks): this node's webhook verticle
   * brings the tenant's endpoints up to its event log at once and sends what is due.
   */
  public static final String OUTBOX_COMMITTED = "outbox.committed";

  /**
   * Publish, cluster-wide: how many dashboards of each tenant a node has open, a change as it happens
   * and all of them periodically (realtime.AgentPresence); every node keeps every node's counts.
   */
  public static final String AGENTS_PRESENCE = "agents.presence";

  private static final String CHAT_STREAM_PREFIX = "chat.stream.";

  /**
   * Node-local, one short-lived consumer per streamed turn (an HTTP chat request, a call's turn): the pieces of its reply,
   * {"delta"}, sent by the chat verticle running the turn.
   */
  public static String chatStream(String turnId) {
    return CHAT_STREAM_PREFIX + turnId;
  }

  private static final String AI_PROVIDER_PREFIX = "ai.provider.";

  /** An {@link #aiProvider} address: a provider's name is 1–64 of {@code [A-Za-z0-9_.-]}. */
  public static final java.util.regex.Pattern AI_PROVIDER_ADDRESS =
      java.util.regex.Pattern.compile("ai\\.provider\\.[A-Za-z0-9_.-]{1,64}");
  private static final String AI_STREAM_PREFIX = "ai.stream.";
  private static final String BRIDGE_EVENTS_PREFIX = "bridge.events.";

  /**
   * Request, cluster-wide: a bus provider of the AI chain ({@code "type": "bus"} in ai.providers)
   * asks whoever serves it (a worker on the TCP bridge) for a Chat Completions response.
   */
  public static String aiProvider(String name) {
    return AI_PROVIDER_PREFIX + name;
  }

  /**
   * Send, cluster-wide, one consumer per node: the chunks of streamed bus-provider replies whose
   * turns run on that node, each naming its stream ({@code stream-id} header).
   */
  public static String aiStream(String nodeId) {
    return AI_STREAM_PREFIX + nodeId;
  }

  /** Publish, node-local: a tenant's events, one message each, for the workers of the bridge on this node. */
  public static String bridgeEvents(String tenantId) {
    return BRIDGE_EVENTS_PREFIX + tenantId;
  }

  /** The tenant of a {@link #bridgeEvents} address, or null when it is not one. */
  public static String tenantOfBridgeEvents(String address) {
    return address != null && address.startsWith(BRIDGE_EVENTS_PREFIX) && address.length() > BRIDGE_EVENTS_PREFIX.length()
        ? address.substring(BRIDGE_EVENTS_PREFIX.length()) : null;
  }

  private static final String TENANT_EVENTS_PREFIX = "tenant.events.";
  private static final String TENANT_LIVE_PREFIX = "tenant.live.";

  /** Publish: the events one transaction committed for a tenant, as one batch (events.Outbox). */
  public static String tenantEvents(String tenantId) {
    return TENANT_EVENTS_PREFIX + tenantId;
  }

  /** Publish: a tenant's ephemeral frames (typing, message:delta), never stored (realtime.LiveSignals). */
  public static String tenantLive(String tenantId) {
    return TENANT_LIVE_PREFIX + tenantId;
  }

  public static final List<Contract> CONTRACTS = List.of(
      new Contract(CHAT_REPLY, Scope.NODE, Style.REQUEST),
      new Contract(TENANT_CHANGED, Scope.CLUSTER, Style.PUBLISH),
      new Contract(ASSISTANT_CHANGED, Scope.CLUSTER, Style.PUBLISH),
      new Contract(NODE_PING, Scope.CLUSTER, Style.REQUEST),
      new Contract(tenantEvents("<tenantId>"), Scope.CLUSTER, Style.PUBLISH),
      new Contract(tenantLive("<tenantId>"), Scope.CLUSTER, Style.PUBLISH),
      new Contract(CHAT_CANCEL, Scope.CLUSTER, Style.PUBLISH),
      new Contract(chatStream("<turnId>"), Scope.NODE, Style.PUBLISH),
      new Contract(VOICE_WEBHOOK, Scope.NODE, Style.REQUEST),
      new Contract(OUTBOX_COMMITTED, Scope.NODE, Style.PUBLISH),
      new Contract(AGENTS_PRESENCE, Scope.CLUSTER, Style.PUBLISH),
      new Contract(aiProvider("<name>"), Scope.CLUSTER, Style.REQUEST, Bridged.OUT),
      new Contract(aiStream("<nodeId>"), Scope.CLUSTER, Style.SEND, Bridged.IN),
      new Contract(bridgeEvents("<tenantId>"), Scope.NODE, Style.PUBLISH, Bridged.OUT));

  private Addresses() {}
}
