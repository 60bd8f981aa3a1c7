package com.livechat.bus;

/** Every event-bus address the server uses, in one place. Bodies are always JSON. */
public final class Addresses {

  /** Request-reply: the HTTP verticle asks the chat verticle (node-local) for an AI reply. */
  public static final String CHAT_REPLY = "chat.reply";

  /** Publish, cluster-wide: a tenant's widget config or tokens changed; body {"tenantId"}. */
  public static final String TENANT_CHANGED = "tenant.changed";

  /** Request-reply, cluster-wide: any node answers; used by the start-up self-check and tests. */
  public static final String NODE_PING = "node.ping";

  /** Publish, cluster-wide: the committed events of one tenant, in the body of TenantEvent#toJson. */
  public static String tenantEvents(String tenantId) {
    return "tenant.events." + tenantId;
  }

  private Addresses() {}
}
