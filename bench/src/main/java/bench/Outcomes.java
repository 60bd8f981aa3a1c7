package bench;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What became of a closed-loop generator's units of work (StreamGen's streams, VoiceGen's turns),
 * counted one way for both: every one ended ok or with an error (the failures by kind, all phases,
 * for the summary), those measured (started in the window: their errors are the run's errors), and
 * those that ended ok inside the window (throughput). Updated from every event loop.
 */
final class Outcomes {

  final AtomicLong inWindow = new AtomicLong();
  final AtomicLong totalOk = new AtomicLong();
  final AtomicLong totalErrors = new AtomicLong();
  final AtomicLong measuredOk = new AtomicLong();
  final AtomicLong measuredErrors = new AtomicLong();
  final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
  private final Window window;

  Outcomes(Window window) {
    this.window = window;
  }

  /**
   * Counts one that ended at {@code now} ({@code failure} null: ok); true when it was measured and
   * ended ok, so that its figures go into the histograms.
   */
  boolean end(long now, boolean measured, Throwable failure) {
    boolean ok = failure == null;
    (ok ? totalOk : totalErrors).incrementAndGet();
    if (!ok) {
      failures.computeIfAbsent(failure.getClass().getSimpleName() + ": " + truncate(String.valueOf(failure.getMessage())),
          k -> new AtomicLong()).incrementAndGet();
    }
    if (ok && window.contains(now)) {
      inWindow.incrementAndGet();
    }
    if (measured) {
      (ok ? measuredOk : measuredErrors).incrementAndGet();
    }
    return measured && ok;
  }

  /** The measured ones that failed or were still unfinished after the drain. */
  long errors(long unfinished) {
    return measuredErrors.get() + unfinished;
  }

  /** Throughput: those that ended ok inside the window, per second. */
  double perSecond() {
    return inWindow.get() / window.seconds;
  }

  /**
   * "# {what} started in the window: {ok} {ended}, {errors} errors (u unfinished after d s of drain)",
   * then the failures; ok and errors as read once for this line and the RESULT line.
   */
  void print(String what, long ok, String ended, long errors, long unfinished) {
    System.out.printf(Locale.ROOT, "# %s started in the window: %d %s, %d errors (%d unfinished after %.1f s of drain)%s%n",
        what, ok, ended, errors, unfinished, window.drained, failures.isEmpty() ? "" : "; failures (all phases): " + failures);
  }

  /** One line of at most 200 characters, for a failure's kind or an error message. */
  static String truncate(String text) {
    String one = text.replace('\n', ' ');
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }
}
