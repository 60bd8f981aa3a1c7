package com.livechat.store;

import com.livechat.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the data lives: an external PostgreSQL named by a URL, or, with no URL, a real
 * PostgreSQL 17 started from the embedded binaries with its data directory under the data dir
 * (so data survives restarts). Either way the pool connects to it like to any other server.
 * The methods here block and run on the main thread or a worker, never on an event loop.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final EmbeddedPostgres embedded;
  private final PgConnectOptions connectOptions;

  private Database(EmbeddedPostgres embedded, PgConnectOptions connectOptions) {
    this.embedded = embedded;
    this.connectOptions = connectOptions;
  }

  public static Database open(AppConfig.Db db, Path dataDir) {
    if (!db.embedded()) {
      return new Database(null, withDefaults(PgConnectOptions.fromUri(db.url())));
    }
    Path pgData = dataDir.resolve("postgres").toAbsolutePath();
    try {
      Files.createDirectories(pgData);
      long started = System.nanoTime();
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(pgData)
          .setCleanDataDirectory(false)
          .setRegisterShutdownHook(false)
          .setPort(db.embeddedPort())
          // zonky starts PostgreSQL with fsync off and asynchronous commits, fine for throwaway test
          // databases but not for ours: an acknowledged write must survive a crash
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          // a new 16 MB WAL segment is otherwise zero-filled and fsynced while commits wait: under a
          // steady write load that stalls every commit for tens of ms every few seconds. ext4/xfs
          // allocate on write and fdatasync makes that durable, so the zero-fill buys nothing here.
          .setServerConfig("wal_init_zero", "off")
          .setServerConfig("listen_addresses", "127.0.0.1")
          .start();
      LOG.info("Embedded PostgreSQL 17 on 127.0.0.1:{} (data in {}) started in {} ms",
          pg.getPort(), pgData, (System.nanoTime() - started) / 1_000_000);
      PgConnectOptions options = new PgConnectOptions()
          .setHost("127.0.0.1")
          .setPort(pg.getPort())
          .setDatabase("postgres")
          .setUser("postgres")
          .setPassword("postgres");
      return new Database(pg, withDefaults(options));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + pgData, e);
    } catch (IllegalStateException | UnsupportedOperationException e) {
      // zonky's three ways of saying it has nothing for this platform
      String message = String.valueOf(e.getMessage());
      if (message.contains("Missing embedded postgres binaries") || message.startsWith("Unsupported architecture")
          || message.startsWith("Unknown OS")) {
        throw new IllegalStateException(noBinaries(), e);
      }
      throw e;
    }
  }

  /** What to do on a platform the build has no PostgreSQL binaries for (pom.xml's embedded-pg-* profiles). */
  static String noBinaries() {
    return "this build has no embedded PostgreSQL for " + System.getProperty("os.name") + "/"
        + System.getProperty("os.arch") + " (it ships Linux x86-64 and arm64, macOS x86-64 and arm64): "
        + "set LIVECHAT_DB_URL (db.url) to an external PostgreSQL (tested on 17), "
        + "or build on the target platform or with mvn -Pembedded-pg-all";
  }

  private static PgConnectOptions withDefaults(PgConnectOptions options) {
    return options.setCachePreparedStatements(true).setPreparedStatementCacheMaxSize(512);
  }

  public PgConnectOptions connectOptions() {
    return connectOptions;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/"
        + connectOptions.getDatabase();
  }

  /** Applies the numbered migrations of db/migration once each, recorded by Flyway. */
  public void migrate() {
    Flyway flyway = Flyway.configure()
        .dataSource(jdbcUrl(), connectOptions.getUser(), connectOptions.getPassword())
        .locations("classpath:db/migration")
        .load();
    var result = flyway.migrate();
    LOG.info("Database schema at version {} ({} migrations applied now)",
        flyway.info().current().getVersion(), result.migrationsExecuted);
  }

  public Pool createPool(Vertx vertx, int maxSize) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxSize).setName("livechat-pg").setShared(false))
        .connectingTo(connectOptions)
        .using(vertx)
        .build();
  }

  /**
   * Opens every connection of the pool now, all at once, and gives them back idle. A pool fills
   * lazily otherwise: under the first burst of traffic each new connection costs a TCP handshake,
   * a backend fork and a SCRAM key derivation (thousands of HMAC rounds), on the event loop, while
   * requests queue behind it. Fails when the database cannot be reached.
   */
  public static Future<Void> warm(Pool pool, int connections) {
    List<Future<SqlConnection>> opening = new ArrayList<>(connections);
    for (int i = 0; i < connections; i++) {
      opening.add(pool.getConnection());
    }
    return Future.join(opening).transform(ar -> {
      List<Future<Void>> closing = new ArrayList<>(connections);
      for (Future<SqlConnection> f : opening) {
        if (f.succeeded()) {
          closing.add(f.result().close());
        }
      }
      return Future.join(closing).transform(v -> ar.succeeded() ? Future.<Void>succeededFuture()
          : Future.<Void>failedFuture(ar.cause()));
    });
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
      }
    }
  }
}
