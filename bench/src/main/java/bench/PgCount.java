package bench;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

/** Prints the number of tracked_events rows of one tenant: {@code PgCount <pgPort> <tenantId>}. */
public final class PgCount {
  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
          .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(Integer.parseInt(args[0]))
              .setDatabase("postgres").setUser("postgres").setPassword("postgres"))
          .using(vertx).build();
      long n = pool.preparedQuery("SELECT count(*) FROM tracked_events WHERE tenant_id = $1")
          .execute(Tuple.of(args[1])).map(rows -> rows.iterator().next().getLong(0)).await();
      System.out.println(n);
    } finally {
      vertx.close().await();
    }
  }
}
