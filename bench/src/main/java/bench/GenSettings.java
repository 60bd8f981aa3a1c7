package bench;

import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The settings every closed-loop generator (StreamGen, VoiceGen) takes, under the same flags, so that
 * the scripts drive them alike: what to load ({@code --target}, {@code --url}, {@code --body-file}:
 * the request of the direct baseline), on how many event loops ({@code --threads}), the window
 * ({@code --warmup}, {@code --duration}, {@code --drain}, seconds), the run's {@code --label}, and
 * what the CPU figures cover ({@code --cores}, {@code --gen-core}, {@code --watch name=pid}).
 */
class GenSettings {

  /** A generator's own flags: false when {@code flag} is not one of them. */
  interface Flags {
    boolean take(String flag, String value) throws Exception;
  }

  String target;
  URI url;
  Buffer body;
  int threads = 1;
  int warmupSeconds;
  int durationSeconds;
  int drainSeconds = 30;
  String label = "run";
  String cores = "";
  String genCore = "";
  Map<String, Integer> watch = new TreeMap<>();

  /** The generator's defaults: its usual target and window. */
  GenSettings(String target, int warmupSeconds, int durationSeconds) {
    this.target = target;
    this.warmupSeconds = warmupSeconds;
    this.durationSeconds = durationSeconds;
  }

  /** Reads {@code args}, flag/value pairs: the common flags here, the generator's own with {@code own}; --url is required. */
  void parse(String[] args, Flags own) throws Exception {
    for (int i = 0; i < args.length; i += 2) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      if (!common(a, v) && !own.take(a, v)) {
        throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    if (url == null) {
      throw new IllegalArgumentException("--url is required");
    }
  }

  private boolean common(String a, String v) throws Exception {
    switch (a) {
      case "--target" -> target = v;
      case "--url" -> url = URI.create(v);
      case "--body-file" -> body = Buffer.buffer(Files.readAllBytes(Path.of(v)));
      case "--threads" -> threads = Integer.parseInt(v);
      case "--warmup" -> warmupSeconds = Integer.parseInt(v);
      case "--duration" -> durationSeconds = Integer.parseInt(v);
      case "--drain" -> drainSeconds = Integer.parseInt(v);
      case "--label" -> label = v;
      case "--cores" -> cores = v;
      case "--gen-core" -> genCore = v;
      case "--watch" -> {
        int eq = v.indexOf('=');
        watch.put(v.substring(0, eq), Integer.parseInt(v.substring(eq + 1)));
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** Whether a duration is out of its bounds: each 0..600 s, the measured one above 0. */
  boolean durationsOutOfBounds() {
    return durationSeconds <= 0 || durationSeconds > 600 || warmupSeconds < 0 || warmupSeconds > 600 || drainSeconds < 0
        || drainSeconds > 600;
  }

  /** The settings of the CPU snapshots (LoadGen's): the cores, the generator's own core, the watched processes. */
  LoadGen.Settings cpuSettings() {
    LoadGen.Settings cpu = new LoadGen.Settings();
    cpu.cores = cores;
    cpu.genCore = genCore;
    cpu.watch = watch;
    return cpu;
  }
}
