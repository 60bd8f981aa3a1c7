package bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The latency histograms of one generator worker (touched only on its event loop), added up over
 * the workers after the run. A generator declares its own as fields made with {@link #histogram()};
 * the sum goes by position (two sets of one class make theirs in the same order), so that no list of
 * them is kept by hand next to the fields.
 */
class Figures {

  private final List<Histogram> all = new ArrayList<>();
  /** The worker's event-loop lag: its 1 ms probe timer's delay, in the window. */
  final Histogram lag = histogram();

  final Histogram histogram() {
    Histogram h = Hist.create();
    all.add(h);
    return h;
  }

  /** Adds every histogram of {@code other}, a set of the same class, to this set's. */
  final void add(Figures other) {
    for (int i = 0; i < all.size(); i++) {
      all.get(i).add(other.all.get(i));
    }
  }
}
