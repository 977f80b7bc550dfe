package io.openmms.bench.backup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * CPU time of this JVM's threads, grouped by the component that owns them (by thread name), over
 * a phase of the benchmark. Every thread is sampled every 200 ms and its last reading kept, so a
 * thread that ends during the phase still counts up to its last sample. What the
 * {@link ThreadMXBean} cannot see — GC and JIT threads, RocksDB's native compaction and flush
 * threads — is the process CPU time minus the sum, reported as "other".
 *
 * <p>The groups: the stand-in replica set's netty threads; the backup agent (its workers, oplog
 * reader and the JDK HTTP client threads); the server (Jetty's pool serving 8080 and 8081); the
 * embedded application database (mongo-java-server's netty threads, which also serve the
 * daemon's reads of stored batches); the daemon (its head workers and lease thread); the
 * benchmark's own load and probe threads; the driver's monitor threads of every client in the
 * JVM. A thread the rules do not know goes to "unclassified"; {@code -Dbench.debug=true} prints
 * them.
 */
final class ThreadCpu implements AutoCloseable {
  static final List<String> GROUPS = List.of("stand-in", "agent", "server", "app db", "daemon",
      "load", "driver monitors", "unclassified", "other");

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final Map<Long, Long> startCpu = new HashMap<>();
  private final Map<Long, Long> lastCpu = new HashMap<>();
  private final Map<Long, String> names = new HashMap<>();
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-cpu-sampler");
    t.setDaemon(true);
    return t;
  });
  private final long processStart;
  private final long gcStart = gcMillis();
  private final long jitStart = jitMillis();
  private long gcEnd;
  private long jitEnd;
  private final long wallStart = System.nanoTime();
  private long processEnd;
  private long wallEnd;

  /** Starts sampling; the phase ends at {@link #stop()}. */
  ThreadCpu() {
    THREADS.setThreadCpuTimeEnabled(true);
    processStart = OS.getProcessCpuTime();
    synchronized (this) {
      for (long id : THREADS.getAllThreadIds()) {
        long cpu = THREADS.getThreadCpuTime(id);
        if (cpu >= 0) {
          startCpu.put(id, cpu);
          lastCpu.put(id, cpu);
        }
      }
    }
    sampler.scheduleAtFixedRate(this::sample, 200, 200, TimeUnit.MILLISECONDS);
  }

  private synchronized void sample() {
    for (long id : THREADS.getAllThreadIds()) {
      long cpu = THREADS.getThreadCpuTime(id);
      if (cpu < 0) {
        continue;
      }
      lastCpu.put(id, cpu);
      if (!names.containsKey(id)) {
        var info = THREADS.getThreadInfo(id);
        if (info != null) {
          names.put(id, info.getThreadName());
        }
      }
    }
  }

  /** Ends the phase: one last sample, then the totals are fixed. */
  ThreadCpu stop() {
    sample();
    sampler.shutdownNow();
    processEnd = OS.getProcessCpuTime();
    gcEnd = gcMillis();
    jitEnd = jitMillis();
    wallEnd = System.nanoTime();
    return this;
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }

  double wallSeconds() {
    return (wallEnd - wallStart) / 1e9;
  }

  /** CPU seconds by group, in {@link #GROUPS} order, "other" included. */
  synchronized Map<String, Double> seconds() {
    Map<String, Double> out = new LinkedHashMap<>();
    GROUPS.forEach(g -> out.put(g, 0.0));
    long sum = 0;
    for (var e : lastCpu.entrySet()) {
      long used = e.getValue() - startCpu.getOrDefault(e.getKey(), 0L);
      String name = names.getOrDefault(e.getKey(), "?");
      out.merge(group(name), used / 1e9, Double::sum);
      sum += used;
    }
    out.put("other", Math.max(0, processEnd - processStart - sum) / 1e9);
    return out;
  }

  /** Time the GC MXBeans report (pauses and concurrent cycles), in seconds. */
  double gcSeconds() {
    return (gcEnd - gcStart) / 1e3;
  }

  /** Time the JIT compilers report, in seconds. */
  double jitSeconds() {
    return (jitEnd - jitStart) / 1e3;
  }

  private static long gcMillis() {
    long sum = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  private static long jitMillis() {
    var jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit.getTotalCompilationTime() : 0;
  }

  double processSeconds() {
    return (processEnd - processStart) / 1e9;
  }

  /** Threads by name with their CPU seconds, most first, for {@code -Dbench.debug}. */
  synchronized List<String> listing() {
    Map<String, Double> byName = new TreeMap<>();
    for (var e : lastCpu.entrySet()) {
      String name = names.getOrDefault(e.getKey(), "?");
      byName.merge(group(name) + " | " + name.replaceAll("\\d+", "#"),
          (e.getValue() - startCpu.getOrDefault(e.getKey(), 0L)) / 1e9, Double::sum);
    }
    List<String> out = new ArrayList<>();
    byName.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
        .forEach(e -> out.add(String.format(java.util.Locale.ROOT, "%8.2f s  %s", e.getValue(),
            e.getKey())));
    return out;
  }

  static String group(String name) {
    if (name.startsWith("openmms-standin-")) {
      return "stand-in";
    }
    if (name.startsWith("openmms-backup-") || name.startsWith("HttpClient-")) {
      return "agent";
    }
    if (name.startsWith("openmms-head-") || name.startsWith("openmms-daemon-")) {
      return "daemon";
    }
    if (name.startsWith("bench-")) {
      return "load";
    }
    if (name.startsWith("JettyServerThreadPool") || name.startsWith("qtp")
        || name.startsWith("openmms-rollup") || name.startsWith("Jetty")
        || name.startsWith("javalin")) {
      return "server";
    }
    if (name.startsWith("mongo-server") || name.startsWith("nioEventLoopGroup")
        || name.startsWith("defaultEventLoopGroup") || name.startsWith("multiThreadIoEventLoop")
        || name.startsWith("MVStore") || name.matches("H2-.*|H\\d+-.*")) {
      return "app db";
    }
    if (name.startsWith("cluster-") || name.startsWith("AsyncGetter")
        || name.startsWith("MaintenanceTimer")) {
      return "driver monitors";
    }
    return "unclassified";
  }
}
