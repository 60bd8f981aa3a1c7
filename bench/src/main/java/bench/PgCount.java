package bench;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * Counts one tenant's rows. {@code PgCount <pgPort> <tenantId>}: its tracked_events rows.
 * {@code PgCount <pgPort> <tenantId,tenantId,...> chat}: one line {@code conversations=N visitor=N
 * assistant=N system=N usage_messages=N events=N} (the tenants' conversations, their messages by
 * role, the messages counted in their usage rows, their event-log entries), summed over the tenants.
 */
public final class PgCount {

  static final String CHAT = "SELECT (SELECT count(*) FROM conversations WHERE tenant_id = ANY($1)) AS conversations, "
      + "(SELECT count(*) FROM messages WHERE tenant_id = ANY($1) AND role = 'visitor') AS visitor, "
      + "(SELECT count(*) FROM messages WHERE tenant_id = ANY($1) AND role = 'assistant') AS assistant, "
      + "(SELECT count(*) FROM messages WHERE tenant_id = ANY($1) AND role = 'system') AS system, "
      + "(SELECT coalesce(sum(messages), 0) FROM usage WHERE tenant_id = ANY($1)) AS usage_messages, "
      + "(SELECT count(*) FROM tenant_events WHERE tenant_id = ANY($1)) AS events";

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
          .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(Integer.parseInt(args[0]))
              .setDatabase("postgres").setUser("postgres").setPassword("postgres"))
          .using(vertx).build();
      if (args.length > 2 && "chat".equals(args[2])) {
        Row r = pool.preparedQuery(CHAT).execute(Tuple.of((Object) args[1].split(","))).map(rows -> rows.iterator().next()).await();
        System.out.printf("conversations=%d visitor=%d assistant=%d system=%d usage_messages=%d events=%d%n",
            r.getLong("conversations"), r.getLong("visitor"), r.getLong("assistant"), r.getLong("system"),
            r.getLong("usage_messages"), r.getLong("events"));
        return;
      }
      long n = pool.preparedQuery("SELECT count(*) FROM tracked_events WHERE tenant_id = $1")
          .execute(Tuple.of(args[1])).map(rows -> rows.iterator().next().getLong(0)).await();
      System.out.println(n);
    } finally {
      vertx.close().await();
    }
  }
}
