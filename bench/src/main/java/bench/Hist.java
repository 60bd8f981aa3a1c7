package bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The latency histograms of the closed-loop generators (StreamGen, VoiceGen) and how they are
 * printed, one way for both so that their summaries read alike: microseconds from 0 to 120 s (a
 * stuck stream or turn is clamped, not lost) at 3 significant digits.
 */
final class Hist {

  static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

  private Hist() {}

  static Histogram create() {
    return new Histogram(MAX_MICROS, 3);
  }

  /** Nanoseconds as a histogram value: microseconds, clamped to 0 .. 120 s. */
  static long micros(long nanos) {
    return Math.min(MAX_MICROS, Math.max(0, nanos / 1000));
  }

  /** {@code # <what> (us): p50=.. p90=.. p99=.. p99.9=.. max=.. mean=.. n=..}. */
  static void print(String what, Histogram h) {
    System.out.printf(Locale.ROOT, "# %s (us): p50=%d p90=%d p99=%d p99.9=%d max=%d mean=%.0f n=%d%n", what,
        h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
        h.getMaxValue(), h.getMean(), h.getTotalCount());
  }

  /** {@code  <name>_p50_us=.. <name>_p90_us=.. <name>_p99_us=.. <name>_max_us=.. <name>_n=..} for a RESULT line. */
  static String keys(String name, Histogram h) {
    return String.format(Locale.ROOT, " %1$s_p50_us=%2$d %1$s_p90_us=%3$d %1$s_p99_us=%4$d %1$s_max_us=%5$d %1$s_n=%6$d", name,
        h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue(),
        h.getTotalCount());
  }
}
