package io.openmms.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** A one-line description of the machine a benchmark ran on, for its table's heading. */
public final class Machine {
  private Machine() {}

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
}
