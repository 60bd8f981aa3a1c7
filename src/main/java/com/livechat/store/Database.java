package com.livechat.store;

import com.livechat.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import com.livechat.ops.FreePorts;
import com.livechat.ops.StartupFailure;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
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
  private final EmbeddedDataDir dataDir;
  private final PgConnectOptions connectOptions;

  private Database(EmbeddedPostgres embedded, EmbeddedDataDir dataDir, PgConnectOptions connectOptions) {
    this.embedded = embedded;
    this.dataDir = dataDir;
    this.connectOptions = connectOptions;
  }

  public static Database open(AppConfig.Db db, Path dataDir) {
    if (!db.embedded()) {
      return new Database(null, null, withDefaults(PgConnectOptions.fromUri(db.url())));
    }
    // zonky waits for "its" server on that port: another program there makes it hang, not fail
    FreePorts.require("the embedded PostgreSQL", "127.0.0.1", db.embeddedPort(), "db.embeddedPort");
    Path pgData = dataDir.resolve("postgres").toAbsolutePath();
    try {
      Files.createDirectories(pgData);
    } catch (IOException e) {
      throw new StartupFailure("cannot create " + pgData + " (dataDir / LIVECHAT_DATA_DIR): "
          + StartupFailure.rootMessage(e), e);
    }
    EmbeddedDataDir owned = EmbeddedDataDir.claim(dataDir, pgData);
    try {
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
      return new Database(pg, owned, withDefaults(options));
    } catch (IOException | RuntimeException e) {
      // pg_ctl may have left a postmaster starting; the data dir is still ours, so it is an orphan now
      try {
        owned.stopOrphanedPostmaster();
      } catch (IOException | RuntimeException again) {
        LOG.debug("Could not stop the embedded PostgreSQL after its failed start", again);
      }
      owned.close();
      String message = String.valueOf(e.getMessage());
      // zonky's three ways of saying it has nothing for this platform
      if (message.contains("Missing embedded postgres binaries") || message.startsWith("Unsupported architecture")
          || message.startsWith("Unknown OS")) {
        throw new StartupFailure(noBinaries(), e);
      }
      throw new StartupFailure("the embedded PostgreSQL did not start in " + pgData + " (dataDir /"
          + " LIVECHAT_DATA_DIR, db.embeddedPort): " + StartupFailure.rootMessage(e), e);
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

  /**
   * Applies the numbered migrations of db/migration once each, recorded by Flyway.
   *
   * @throws StartupFailure when the database cannot be reached or a migration fails
   */
  public void migrate() {
    Flyway flyway = Flyway.configure()
        .dataSource(jdbcUrl(), connectOptions.getUser(), connectOptions.getPassword())
        .locations("classpath:db/migration")
        .load();
    MigrateResult result;
    try {
      result = flyway.migrate();
    } catch (FlywayException e) {
      throw isConnectionFailure(e) ? unreachable(e)
          : new StartupFailure("the database migrations failed: " + StartupFailure.rootMessage(e), e);
    }
    LOG.info("Database schema at version {} ({} migrations applied now)",
        flyway.info().current().getVersion(), result.migrationsExecuted);
  }

  private static boolean isConnectionFailure(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof java.sql.SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("28")
          || sql.getSQLState().equals("3D000"))) {
        return true;
      }
      if (e instanceof java.net.ConnectException || e instanceof java.net.UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /** The database does not answer: the setting to look at, and never the URL's password. */
  public StartupFailure unreachable(Throwable error) {
    String where = connectOptions.getHost() + ":" + connectOptions.getPort() + "/" + connectOptions.getDatabase();
    return new StartupFailure(embedded != null
        ? "the embedded PostgreSQL on " + where + " does not answer: " + StartupFailure.rootMessage(error)
        : "cannot reach the database " + where + " (db.url / LIVECHAT_DB_URL): " + StartupFailure.rootMessage(error),
        error);
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

  /** Stops the embedded PostgreSQL, then gives its data dir up; idempotent. */
  @Override
  public synchronized void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
      } finally {
        dataDir.close();
      }
    }
  }
}
