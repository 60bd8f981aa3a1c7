package com.livechat.store;

import com.livechat.config.AppConfig;
import com.livechat.ops.StartupFailure;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs only the embedded PostgreSQL, so that several local nodes can share one database
 * (scripts/cluster.sh). Arguments: data dir, port. Stops cleanly on SIGTERM / Ctrl-C.
 */
public final class DatabaseMain {

  private DatabaseMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: DatabaseMain <data dir> <port>");
      System.exit(2);
    }
    Database database;
    try {
      database = Database.open(new AppConfig.Db("", 1, Integer.parseInt(args[1])), Path.of(args[0]));
    } catch (StartupFailure e) {
      System.err.println("Cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    try {
      database.migrate();
    } catch (StartupFailure e) {
      database.close();
      System.err.println("Cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      database.close();
      stopped.countDown();
    }, "database-shutdown"));
    System.out.println("PostgreSQL ready: postgresql://postgres:postgres@127.0.0.1:" + args[1] + "/postgres");
    stopped.await();
  }
}
