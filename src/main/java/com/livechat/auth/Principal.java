package com.livechat.auth;

import com.livechat.error.AppError;
import java.util.Set;

/** Who a dashboard request or socket acts as, from a verified JWT. */
public record Principal(String userId, String tenantId, String role, long expiresAtEpochSeconds) {

  public static final Set<String> ROLES = Set.of("owner", "admin", "agent");

  /** Owners and admins manage users, assistants, knowledge, config and tokens; agents may not. */
  public boolean canManage() {
    return role.equals("owner") || role.equals("admin");
  }

  public void requireManager() {
    if (!canManage()) {
      throw AppError.forbidden("forbidden", "This action needs the owner or admin role.");
    }
  }
}
