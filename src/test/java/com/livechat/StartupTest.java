package com.livechat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.config.AppConfig;
import com.livechat.ops.StartupFailure;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that cannot start says why in one line naming the setting, stops what it started and
 * exits; a node killed with -9 leaves its embedded PostgreSQL running, and the next start on that
 * data dir stops it and starts normally. Nodes run as real child JVMs (com.livechat.Main).
 */
class StartupTest {

  /** A node started by Main in a JVM of its own, its output collected line by line. */
  private static final class ChildNode implements AutoCloseable {
    final Process process;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch ready = new CountDownLatch(1);

    ChildNode(Map<String, String> env) {
      String java = ProcessHandle.current().info().command().orElse("java");
      ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
          "-cp", System.getProperty("java.class.path"), Main.class.getName()).redirectErrorStream(true);
      builder.environment().keySet().removeIf(k -> k.startsWith("LIVECHAT_"));
      builder.environment().putAll(env);
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            lines.add(line);
            if (line.contains("Live chat node ready")) {
              ready.countDown();
            }
          }
        } catch (IOException ignored) {
          // the child is gone
        }
      }, "child-node-output");
      reader.setDaemon(true);
      reader.start();
    }

    boolean awaitReady(long seconds) throws InterruptedException {
      return ready.await(seconds, TimeUnit.SECONDS);
    }

    String output() {
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  private static Map<String, String> env(Path dataDir, String... more) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("LIVECHAT_DATA_DIR", dataDir.toString(),
        "LIVECHAT_HTTP_PORT", "0", "LIVECHAT_JWT_SECRET", "test-secret-of-at-least-32-characters!"));
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  /** The postmaster running on this data dir, if any. */
  private static Optional<ProcessHandle> postgresOn(Path dataDir) {
    String pgData = dataDir.resolve("postgres").toAbsolutePath().toString();
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
        .filter(p -> p.info().arguments().map(args -> List.of(args).contains(pgData)).orElse(false))
        .findFirst();
  }

  private static void assertOneErrorLineAndNoStackTrace(String output, String... naming) {
    List<String> errors = output.lines().filter(l -> l.contains(" ERROR ")).toList();
    assertThat(errors).as(output).hasSize(1);
    assertThat(errors.get(0)).contains(naming);
    assertThat(output).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception in thread");
  }

  @Test
  void aBusyHttpPortIsOneLineNamingTheSettingAndExitCode1(@TempDir Path dataDir) throws Exception {
    try (ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress("0.0.0.0", 0));
      int port = busy.getLocalPort();
      try (ChildNode node = new ChildNode(env(dataDir, "LIVECHAT_HTTP_PORT", Integer.toString(port)))) {
        assertThat(node.process.waitFor(60, TimeUnit.SECONDS)).as("exited, output so far:\n" + node.output()).isTrue();
        assertThat(node.process.exitValue()).as(node.output()).isEqualTo(1);
        Thread.sleep(200); // the last lines may still be on their way through the pipe
        assertOneErrorLineAndNoStackTrace(node.output(), "the HTTP server cannot listen on 0.0.0.0:" + port,
            "http.port", "LIVECHAT_HTTP_PORT");
      }
    }
    assertThat(postgresOn(dataDir)).isEmpty();
  }

  @Test
  void aBusyClusterPortIsOneLineNamingTheSettingAndNothingIsStarted(@TempDir Path dataDir) throws Exception {
    try (ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = busy.getLocalPort();
      try (ChildNode node = new ChildNode(env(dataDir, "LIVECHAT_CLUSTER", "true", "LIVECHAT_CLUSTER_PORT",
          Integer.toString(port), "LIVECHAT_CLUSTER_MEMBERS", "127.0.0.1:" + port))) {
        assertThat(node.process.waitFor(60, TimeUnit.SECONDS)).as(node.output()).isTrue();
        assertThat(node.process.exitValue()).as(node.output()).isEqualTo(1);
        Thread.sleep(200);
        assertOneErrorLineAndNoStackTrace(node.output(), "the cluster member cannot listen on 127.0.0.1:" + port,
            "cluster.port", "LIVECHAT_CLUSTER_PORT");
        assertThat(node.output()).doesNotContain("Embedded PostgreSQL 17 on");
      }
    }
  }

  @Test
  void anUnreachableDatabaseIsOneLineNamingDbUrlWithoutItsPassword(@TempDir Path dataDir) throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (ChildNode node = new ChildNode(env(dataDir, "LIVECHAT_DB_URL",
        "postgresql://user:hunter2-password@127.0.0.1:" + closedPort + "/livechat"))) {
      assertThat(node.process.waitFor(60, TimeUnit.SECONDS)).as(node.output()).isTrue();
      assertThat(node.process.exitValue()).as(node.output()).isEqualTo(1);
      Thread.sleep(200);
      assertOneErrorLineAndNoStackTrace(node.output(), "cannot reach the database 127.0.0.1:" + closedPort,
          "db.url", "LIVECHAT_DB_URL");
      assertThat(node.output()).doesNotContain("hunter2-password");
    }
  }

  @Test
  void aFailureAfterTheEmbeddedDatabaseStartedStopsItAndExits(@TempDir Path dataDir) throws Exception {
    // a malformed secrets key is only read once the database is up
    try (ChildNode node = new ChildNode(env(dataDir, "LIVECHAT_SECRETS_KEY", "not-base64-of-32-bytes"))) {
      assertThat(node.process.waitFor(90, TimeUnit.SECONDS)).as(node.output()).isTrue();
      assertThat(node.process.exitValue()).as(node.output()).isEqualTo(2);
      Thread.sleep(200);
      assertThat(node.output()).contains("Embedded PostgreSQL 17 on").contains("Bad configuration: ");
      assertOneErrorLineAndNoStackTrace(node.output(), "secrets.key");
    }
    assertThat(postgresOn(dataDir)).isEmpty();
  }

  @Test
  void aNodeKilledWith9LeavesItsPostgresRunningAndTheNextStartStopsItAndStarts(@TempDir Path dataDir)
      throws Exception {
    JsonObject config = TestServer.config("");
    config.put("dataDir", dataDir.toString());
    long childPid;
    ProcessHandle orphan;
    try (ChildNode node = new ChildNode(env(dataDir))) {
      assertThat(node.awaitReady(120)).as(node.output()).isTrue();
      childPid = node.process.pid();
      // while that node lives, the data dir is its own
      assertThatThrownBy(() -> LiveChatServer.start(AppConfig.from(config)))
          .isInstanceOf(StartupFailure.class)
          .hasMessageContaining("data dir " + dataDir.toAbsolutePath() + " is in use by another node (pid "
              + childPid + ")");
      node.process.destroyForcibly();
      assertThat(node.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      orphan = postgresOn(dataDir).orElseThrow(() -> new AssertionError("kill -9 left no PostgreSQL behind?"));
    }

    LiveChatServer server = LiveChatServer.start(AppConfig.from(config));
    try {
      assertThat(orphan.isAlive()).isFalse();
      assertThat(new Api(server.port()).signup("after-kill@example.com").getString("token")).isNotBlank();
    } finally {
      server.close();
    }
    assertThat(postgresOn(dataDir)).isEmpty();
  }

  @Test
  void aPostmasterPidFileNamingAnotherLiveProgramIsRemovedAndTheNodeStarts(@TempDir Path dataDir) throws Exception {
    JsonObject config = TestServer.config("");
    config.put("dataDir", dataDir.toString());
    LiveChatServer.start(AppConfig.from(config)).close();
    // after a reboot the pid a crashed postmaster left may be another program's: PostgreSQL alone
    // would refuse to start ("lock file postmaster.pid already exists")
    Process other = new ProcessBuilder("sleep", "120").start();
    try {
      java.nio.file.Files.writeString(dataDir.resolve("postgres").resolve("postmaster.pid"),
          other.pid() + "\n" + dataDir.resolve("postgres").toAbsolutePath() + "\n1796232480\n5432\n/tmp\n127.0.0.1\n"
              + "  2155562         4\nready   \n");
      LiveChatServer server = LiveChatServer.start(AppConfig.from(config));
      try {
        assertThat(new Api(server.port()).get("/ready").status()).isEqualTo(200);
        assertThat(other.isAlive()).isTrue();
      } finally {
        server.close();
      }
    } finally {
      other.destroyForcibly();
    }
  }
}
