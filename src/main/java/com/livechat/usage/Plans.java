package com.livechat.usage;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The plans of the service, from config: each names monthly limits of messages, AI tokens and
 * voice calls, and a cap on the voice calls in progress at once (null = unlimited). Every node must
 * have the same plans: PostgreSQL evaluates them together with each tenant's override (see
 * migration V5) in the statement that counts usage.
 */
public record Plans(String defaultPlan, JsonObject plans) {

  public static final String MESSAGES = "messagesPerMonth";
  public static final String TOKENS = "tokensPerMonth";
  public static final String VOICE_CALLS = "voiceCallsPerMonth";
  /** Not a monthly count: the voice calls a tenant may have in progress at the same time. */
  public static final String CONCURRENT_CALLS = "maxConcurrentCalls";
  public static final List<String> KEYS = List.of(MESSAGES, TOKENS, VOICE_CALLS, CONCURRENT_CALLS);

  /** Far beyond any real month, small enough that PostgreSQL's bigint sums never overflow. */
  public static final long MAX_LIMIT = 1_000_000_000_000L;

  public Plans {
    if (plans == null || plans.isEmpty()) {
      throw new IllegalArgumentException("usage.plans must name at least one plan");
    }
    for (Map.Entry<String, Object> plan : plans) {
      if (!(plan.getValue() instanceof JsonObject limits)) {
        throw new IllegalArgumentException("usage.plans." + plan.getKey() + " must be an object of limits");
      }
      validateLimits(limits, "usage.plans." + plan.getKey());
    }
    if (defaultPlan == null || !plans.containsKey(defaultPlan)) {
      throw new IllegalArgumentException("usage.defaultPlan must be one of usage.plans: " + plans.fieldNames());
    }
  }

  public boolean has(String plan) {
    return plans.containsKey(plan);
  }

  /**
   * Checks a set of limits (a plan's, or an operator's override): only the {@link #KEYS}, each null or
   * an integer from 0 to {@link #MAX_LIMIT}. Throws IllegalArgumentException naming {@code where}.
   */
  public static void validateLimits(JsonObject limits, String where) {
    for (Map.Entry<String, Object> e : limits) {
      if (!KEYS.contains(e.getKey())) {
        throw new IllegalArgumentException(where + ": unknown limit " + e.getKey() + "; known: " + KEYS);
      }
      Object v = e.getValue();
      if (v == null) {
        continue;
      }
      if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
          || n.doubleValue() < 0 || n.doubleValue() > MAX_LIMIT) {
        throw new IllegalArgumentException(where + "." + e.getKey() + " must be null (unlimited) or an integer from 0 to "
            + MAX_LIMIT);
      }
    }
  }

  /** The limits of a plan, with every key (null = unlimited); unknown plans fall back to the default plan. */
  public JsonObject limitsOf(String plan) {
    JsonObject limits = plans.getJsonObject(has(plan) ? plan : defaultPlan);
    JsonObject out = new JsonObject();
    for (String key : KEYS) {
      out.put(key, limits.getValue(key));
    }
    return out;
  }
}
