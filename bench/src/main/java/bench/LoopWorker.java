package bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * One event loop of a closed-loop generator (StreamGen, VoiceGen): its state is touched only on that
 * loop (the main thread goes through {@link #onContext}), its work in flight is counted (the drain
 * waits for none), and its own lag is probed in the window with a 1 ms timer, since a late generator
 * would show up as server latency.
 */
abstract class LoopWorker<F extends Figures> extends VerticleBase {

  final AtomicLong inFlight = new AtomicLong();
  final Window window;
  /** This worker's histograms, its lag among them. */
  final F figures;

  LoopWorker(Window window, F figures) {
    this.window = window;
    this.figures = figures;
  }

  /** Starts the load (streams, loops of turns); runs on this worker's event loop. */
  abstract void startLoad();

  /** Runs on this worker's event loop. */
  <T> Future<T> onContext(Callable<T> task) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(task.call());
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  void probe() {
    long armed = System.nanoTime();
    vertx.setTimer(1, id -> {
      if (window.phase() == Window.Phase.MEASURE) {
        figures.lag.recordValue(Hist.micros(System.nanoTime() - armed - 1_000_000));
      }
      if (window.phase() != Window.Phase.DONE) {
        probe();
      }
    });
  }

  /** Worker {@code i}'s share of {@code n} (streams, calls, sockets) over {@code workers} workers. */
  static int share(int n, int workers, int i) {
    return n / workers + (i < n % workers ? 1 : 0);
  }

  /** One verticle per event loop (assigned round robin), each with its own clients and connections. */
  static void deployAll(Vertx vertx, List<? extends LoopWorker<?>> workers) {
    for (LoopWorker<?> w : workers) {
      vertx.deployVerticle(w, new DeploymentOptions()).await();
    }
  }

  /** Starts every worker's lag probe and load, each on its event loop. */
  static void startAll(List<? extends LoopWorker<?>> workers) {
    for (LoopWorker<?> w : workers) {
      w.onContext(() -> {
        w.probe();
        w.startLoad();
        return null;
      });
    }
  }

  /**
   * Runs {@code task} on every worker's event loop at once and adds up what they come back with (how
   * many connections failed), waiting up to {@code timeoutSeconds} for each.
   */
  static <W extends LoopWorker<?>> int sum(List<W> workers, Function<W, Future<Integer>> task, int timeoutSeconds)
      throws TimeoutException {
    List<Future<Integer>> all = new ArrayList<>();
    for (W w : workers) {
      all.add(w.onContext(() -> task.apply(w)).compose(f -> f));
    }
    int sum = 0;
    for (Future<Integer> f : all) {
      sum += f.await(timeoutSeconds, TimeUnit.SECONDS);
    }
    return sum;
  }

  /** Runs {@code task} on each worker's event loop in turn (e.g. to read its histograms), up to {@code timeoutSeconds} each. */
  static <W extends LoopWorker<?>> void each(List<W> workers, Consumer<W> task, int timeoutSeconds) throws TimeoutException {
    for (W w : workers) {
      w.onContext(() -> {
        task.accept(w);
        return null;
      }).await(timeoutSeconds, TimeUnit.SECONDS);
    }
  }

  /** Adds up every worker's histograms into {@code total} (a fresh set), each on its worker's event loop. */
  static <F extends Figures> F addUp(List<? extends LoopWorker<F>> workers, F total) throws TimeoutException {
    each(workers, w -> total.add(w.figures), 10);
    return total;
  }

  /** {@code generator event-loop lag (1 ms timer) p99=.. us max=.. us}, over every worker's {@link Figures#lag}. */
  static String lagReport(Histogram lag) {
    return String.format(Locale.ROOT, "generator event-loop lag (1 ms timer) p99=%d us max=%d us", lag.getValueAtPercentile(99),
        lag.getMaxValue());
  }

  /**
   * Prints the RESULT line, the last one the scripts read, and ends the process: the close of the
   * event loops is bounded (sockets' close handshakes), nothing is left to measure.
   */
  static void exit(Vertx vertx, String resultLine) {
    System.out.println(resultLine);
    System.out.flush();
    try {
      vertx.close().await(5, TimeUnit.SECONDS);
    } catch (Exception slow) {
      // nothing is left to measure
    }
    System.exit(0);
  }
}
