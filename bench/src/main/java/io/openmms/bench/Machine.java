package io.openmms.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The machine a benchmark runs on, for its table's heading and footer. */
public final class Machine {
  private Machine() {}

  /** A one-line description: OS, CPUs and their model, JVM and maximum heap. */
  public static String describe() {
    String cpu = "unknown CPU";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name")).map(l -> l.replaceFirst(".*:\\s*", ""))
          .findFirst().orElse(cpu);
    } catch (IOException | RuntimeException e) {
      // not Linux: the CPU model stays unknown
    }
    Runtime rt = Runtime.getRuntime();
    return String.format(Locale.ROOT, "%s %s %s, %d CPUs (%s), %s %s, max heap %d MB",
        System.getProperty("os.name"), System.getProperty("os.version"),
        System.getProperty("os.arch"), rt.availableProcessors(), cpu,
        System.getProperty("java.vm.name"), System.getProperty("java.version"),
        rt.maxMemory() >> 20);
  }

  /** The system load average of the last minute (negative where it is not available). */
  public static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
