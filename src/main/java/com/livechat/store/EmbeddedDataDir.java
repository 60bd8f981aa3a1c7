package com.livechat.store;

import com.livechat.ops.StartupFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL's data directory, owned by one process at a time: the one holding the
 * OS lock on {@code <dataDir>/postgres.lock} (it writes its pid there). The OS drops the lock when
 * its holder dies, even by kill -9, while the postmaster it started lives on, detached, with its
 * {@code postmaster.pid} in the directory: so a postmaster found there by the lock's new holder
 * has no owner left, and is stopped before a new one starts (else pg_ctl start fails and zonky
 * only reports that it "gave up waiting for server to start").
 */
final class EmbeddedDataDir implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDataDir.class);
  static final String LOCK_FILE = "postgres.lock";
  /** How long an orphaned postmaster gets to stop (a shutdown checkpoint), then to die once killed. */
  private static final long STOP_SECONDS = 30;
  private static final long KILL_SECONDS = 10;

  private final FileChannel channel;
  private final FileLock lock;
  private final Path pgData;

  private EmbeddedDataDir(FileChannel channel, FileLock lock, Path pgData) {
    this.channel = channel;
    this.lock = lock;
    this.pgData = pgData;
  }

  /**
   * Takes the data dir for this process, and stops a postmaster a killed owner left running there.
   *
   * @throws StartupFailure when another live process holds the data dir
   */
  static EmbeddedDataDir claim(Path dataDir, Path pgData) {
    Path lockFile = dataDir.resolve(LOCK_FILE);
    FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // another node in this same JVM (tests) holds it
      }
      if (lock == null) {
        String holder = Files.readString(lockFile, StandardCharsets.UTF_8).trim();
        channel.close();
        throw new StartupFailure("data dir " + dataDir.toAbsolutePath() + " is in use by another node (pid "
            + (holder.isEmpty() ? "unknown" : holder) + "): stop that node, or give this one its own dataDir"
            + " (LIVECHAT_DATA_DIR)");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      channel.force(false);
      EmbeddedDataDir owned = new EmbeddedDataDir(channel, lock, pgData);
      owned.stopOrphanedPostmaster();
      return owned;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StartupFailure("cannot lock the data dir " + dataDir.toAbsolutePath() + " (dataDir /"
          + " LIVECHAT_DATA_DIR): " + StartupFailure.rootMessage(e), e);
    }
  }

  /**
   * Stops the postmaster that {@code postmaster.pid} names, when it is alive and runs on this data
   * dir (we hold the lock, so nobody owns it), and removes a pid file whose process is gone or is
   * another program now (a pid reused after a reboot would make PostgreSQL refuse to start).
   */
  void stopOrphanedPostmaster() throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    Optional<ProcessHandle> postmaster = postmaster(pidFile);
    if (postmaster.isEmpty()) {
      LOG.warn("Removing the stale {} (no PostgreSQL of this data dir runs as the pid it names)", pidFile);
      Files.deleteIfExists(pidFile);
      return;
    }
    ProcessHandle orphan = postmaster.get();
    LOG.warn("An embedded PostgreSQL (pid {}) was left running on {} by a node that did not stop: stopping it",
        orphan.pid(), pgData);
    // SIGTERM is PostgreSQL's smart shutdown: it waits for clients, and they died with their node
    orphan.destroy();
    if (!awaitExit(orphan, STOP_SECONDS)) {
      LOG.warn("The PostgreSQL left running as pid {} did not stop within {} s: killing it", orphan.pid(), STOP_SECONDS);
      List<ProcessHandle> children = orphan.descendants().toList();
      orphan.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
      awaitExit(orphan, KILL_SECONDS);
      for (ProcessHandle child : children) {
        awaitExit(child, KILL_SECONDS);
      }
      if (orphan.isAlive()) {
        throw new IOException("the PostgreSQL left running as pid " + orphan.pid() + " does not stop");
      }
    }
    Files.deleteIfExists(pidFile);
  }

  private Optional<ProcessHandle> postmaster(Path pidFile) throws IOException {
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    long pid;
    try {
      pid = lines.isEmpty() ? 0 : Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (pid <= 0 || pid == ProcessHandle.current().pid()) {
      return Optional.empty();
    }
    String dir = pgData.toString();
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> {
      ProcessHandle.Info info = p.info();
      boolean postgres = info.command().map(c -> Path.of(c).getFileName().toString().equals("postgres")).orElse(false);
      // without its arguments (another user's process) it cannot be shown to be ours
      boolean here = info.arguments().map(args -> List.of(args).contains(dir)).orElse(false);
      return postgres && here;
    });
  }

  private static boolean awaitExit(ProcessHandle process, long seconds) {
    try {
      process.onExit().get(seconds, TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing held yet
      }
    }
  }

  /** Gives the data dir up: after the postmaster stopped. */
  @Override
  public synchronized void close() {
    if (!channel.isOpen()) {
      return;
    }
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
