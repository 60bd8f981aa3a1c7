package com.livechat.widget;

import com.livechat.chat.HandoffMode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads a tenant as the widget endpoints see it. */
public final class WidgetStore {

  private static final String TENANT =
      "SELECT id, name, widget_config, allowed_origins, require_visitor_token, handoff_mode FROM tenants WHERE id = $1";
  private static final String LIVE_TOKENS =
      "SELECT token_hash, expires_at FROM widget_tokens WHERE tenant_id = $1 "
          + "AND (expires_at IS NULL OR expires_at > now())";

  private final Pool pool;

  public WidgetStore(Pool pool) {
    this.pool = pool;
  }

  /** @return the tenant, or null when no tenant has this id */
  public Future<WidgetTenant> find(String tenantId) {
    return pool.preparedQuery(TENANT).execute(Tuple.of(tenantId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row t = rows.iterator().next();
      return pool.preparedQuery(LIVE_TOKENS).execute(Tuple.of(tenantId)).map(tokenRows -> {
        List<WidgetTenant.TokenHash> tokens = new ArrayList<>();
        for (Row r : tokenRows) {
          Buffer hash = r.getBuffer("token_hash");
          OffsetDateTime expires = r.getOffsetDateTime("expires_at");
          tokens.add(new WidgetTenant.TokenHash(hash.getBytes(), expires == null ? null : expires.toInstant()));
        }
        String[] origins = t.getArrayOfStrings("allowed_origins");
        return new WidgetTenant(t.getString("id"), t.getString("name"), t.getJsonObject("widget_config"),
            origins == null ? List.of() : Arrays.asList(origins), tokens, t.getBoolean("require_visitor_token"),
            HandoffMode.of(t.getString("handoff_mode")));
      });
    });
  }
}
