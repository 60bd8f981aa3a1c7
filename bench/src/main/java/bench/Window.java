package bench;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The measured window of a closed-loop generator (StreamGen, VoiceGen), one sequence for both so that
 * their figures mean the same: a warm-up that is not measured (the JIT, connections, pools), the
 * measured seconds between two CPU snapshots, then a bounded drain of the work still in flight (no
 * new work starts). Work that starts inside the window is measured (its latencies); throughput is
 * the work that ends inside it. The phase and the bounds are read on the workers' event loops, hence
 * volatile.
 */
final class Window {

  enum Phase { WARMUP, MEASURE, DRAIN, DONE }

  private volatile Phase phase = Phase.WARMUP;
  private volatile long startNanos;
  private volatile long endNanos;
  private LoadGen.CpuSnapshot cpu0;
  private LoadGen.CpuSnapshot cpu1;
  /** The measured window and the drain after it, in seconds (set by {@link #run}). */
  double seconds;
  double drained;

  Phase phase() {
    return phase;
  }

  /** Whether new work may start: in the warm-up and the window, not in the drain. */
  boolean open() {
    return phase == Phase.WARMUP || phase == Phase.MEASURE;
  }

  /** Whether work that starts at {@code now} is measured. */
  boolean measures(long now) {
    return phase == Phase.MEASURE && now >= startNanos;
  }

  /** Whether work that ends at {@code now} ended inside the window (it counts toward throughput). */
  boolean contains(long now) {
    return startNanos != 0 && now >= startNanos && (endNanos == 0 || now < endNanos);
  }

  /** After the drain: what arrives now is not counted (the caller's last figures are being read). */
  void done() {
    phase = Phase.DONE;
  }

  /**
   * Warm-up, the window between two CPU snapshots, then the drain: until none of {@code workers} has
   * work in flight, {@code s.drainSeconds} at the most. Returns in the drain phase.
   */
  void run(GenSettings s, List<? extends LoopWorker<?>> workers) throws InterruptedException {
    LoadGen.Settings cpu = s.cpuSettings();
    Thread.sleep(s.warmupSeconds * 1000L);
    cpu0 = LoadGen.CpuSnapshot.take(cpu);
    startNanos = System.nanoTime();
    phase = Phase.MEASURE;
    Thread.sleep(s.durationSeconds * 1000L);
    endNanos = System.nanoTime();
    phase = Phase.DRAIN;
    cpu1 = LoadGen.CpuSnapshot.take(cpu);
    seconds = (endNanos - startNanos) / 1e9;

    long drainStart = System.nanoTime();
    long drainDeadline = drainStart + TimeUnit.SECONDS.toNanos(s.drainSeconds);
    while (System.nanoTime() < drainDeadline && workers.stream().anyMatch(w -> w.inFlight.get() > 0)) {
      Thread.sleep(10);
    }
    drained = (System.nanoTime() - drainStart) / 1e9;
  }

  /** The CPU over the window, per process and core; first a warning when other processes were busy (a noisy figure). */
  void printCpu() {
    String cpuReport = LoadGen.CpuSnapshot.report(cpu0, cpu1, seconds);
    double other = LoadGen.CpuSnapshot.processes(cpu0, cpu1, seconds).get("other");
    if (other > 10) {
      System.out.printf(Locale.ROOT, "# WARNING: other processes used %.0f%% of a core during the window: this figure is "
          + "noisy, rerun on an idle machine%n", other);
    }
    System.out.println("# cpu over the window (100% = one core; processes exact, cores tick-sampled): " + cpuReport);
  }

  /** The generator process's own CPU over the window, % of one core. */
  double genCpuPct() {
    return (cpu1.selfCpuNanos - cpu0.selfCpuNanos) / 1e9 / seconds * 100;
  }

  /** The CPU figures of the RESULT line ({@code cpu_<name>_pct=... core<n>_busy_pct=...}). */
  String cpuKeyValues() {
    return LoadGen.CpuSnapshot.keyValues(cpu0, cpu1, seconds);
  }
}
