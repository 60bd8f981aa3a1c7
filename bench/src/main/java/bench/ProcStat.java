package bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** CPU time (utime + stime, clock ticks) of Linux processes, from /proc. */
final class ProcStat {

  static final int HZ = 100; // USER_HZ on Linux x86-64

  /** pid -> {ppid, utime + stime} of every live process. */
  final Map<Integer, long[]> procs = new HashMap<>();

  private ProcStat() {}

  static ProcStat take() {
    ProcStat s = new ProcStat();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : dir) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          // the command name is in parentheses and may hold spaces: parse after the last ')'
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          int pid = Integer.parseInt(p.getFileName().toString());
          s.procs.put(pid, new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]) + Long.parseLong(f[12])});
        } catch (IOException | RuntimeException gone) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return s;
  }

  /** The process and its live descendants. */
  Set<Integer> tree(int root) {
    Map<Integer, List<Integer>> children = new HashMap<>();
    procs.forEach((pid, v) -> children.computeIfAbsent((int) v[0], k -> new ArrayList<>()).add(pid));
    Set<Integer> out = new HashSet<>();
    Deque<Integer> todo = new ArrayDeque<>();
    todo.add(root);
    while (!todo.isEmpty()) {
      int pid = todo.pop();
      if (out.add(pid)) {
        todo.addAll(children.getOrDefault(pid, List.of()));
      }
    }
    return out;
  }

  /** Ticks used between {@code before} and this snapshot by the given pids (new ones count whole). */
  long ticksSince(ProcStat before, Set<Integer> pids) {
    long sum = 0;
    for (int pid : pids) {
      long[] now = procs.get(pid);
      if (now == null) {
        continue;
      }
      long[] then = before.procs.get(pid);
      sum += Math.max(0, now[1] - (then != null ? then[1] : 0));
    }
    return sum;
  }
}
