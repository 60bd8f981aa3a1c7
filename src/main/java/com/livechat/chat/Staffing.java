package com.livechat.chat;

import io.vertx.core.Future;

/** What a tenant wants when its assistant cannot help, and whether one of its agents is there to take over. */
public interface Staffing {

  /** The tenant's {@code handoff.mode}; {@link HandoffMode#DEFAULT} for a tenant that has none. */
  Future<HandoffMode> handoffMode(String tenantId);

  /** Whether someone of the tenant has the dashboard open, on any node. */
  boolean agentOnline(String tenantId);
}
