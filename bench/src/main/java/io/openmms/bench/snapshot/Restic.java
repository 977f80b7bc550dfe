package io.openmms.bench.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openmms.common.util.FileTrees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer: the {@code restic} command (the Debian package), run as a user would run it on a
 * mongodump directory. Repositories are format version 2 (compression); every command gets
 * {@code --no-cache} (the repository is local, a cache would only duplicate it) and a fixed
 * {@code --host} so that a second backup of the same directory finds the first as its parent.
 * "Single-threaded" runs set {@code GOMAXPROCS=1}: restic 0.14 has no flag for its read or
 * compression concurrency, so this limits its Go code to one core. The password is a constant
 * passed in {@code RESTIC_PASSWORD}: restic always encrypts.
 */
final class Restic {
  static final String COMMAND = System.getProperty("bench.restic", "restic");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** USER_HZ, the unit of the CPU times in /proc: 100 on every Linux architecture in use. */
  private static final int CLOCK_TICKS = 100;

  /**
   * One backup: wall time of the process (start-up, key derivation and index loading included),
   * restic's own {@code total_duration}, what it read and added, and the repository size after.
   */
  record Backup(double wallSeconds, double cpuSeconds, double resticSeconds,
      long bytesProcessed, long dataBlobs, long repoBytes) {}

  private Restic() {}

  static String version() throws IOException {
    return run(List.of(COMMAND, "version"), false).get(0).trim();
  }

  static void init(Path repo) throws IOException {
    run(List.of(COMMAND, "init", "--repository-version", "2", "-q", "-r", repo.toString()),
        false);
  }

  /** Restores the latest snapshot of {@code repo} into {@code target}. */
  static void restore(Path repo, Path target) throws IOException {
    run(List.of(COMMAND, "-r", repo.toString(), "--no-cache", "restore", "latest", "--target",
        target.toString()), false);
  }

  /**
   * Backs up {@code source} into {@code repo} with {@code compression} (auto, max or off), on one
   * core when {@code singleThreaded}. The CPU time is restic's user and system time, from this
   * process's reaped-children counters ({@code /proc/self/stat}).
   */
  static Backup backup(Path repo, Path source, String compression, boolean singleThreaded)
      throws IOException {
    double cpuBefore = childrenCpuSeconds();
    long start = System.nanoTime();
    List<String> out = run(List.of(COMMAND, "-r", repo.toString(), "--no-cache",
        "--compression", compression, "backup", "--json", "--host", "openmms-bench",
        source.toString()), singleThreaded);
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = childrenCpuSeconds() - cpuBefore;
    JsonNode summary = null;
    for (String line : out) {
      if (line.startsWith("{") && line.contains("\"summary\"")) {
        summary = JSON.readTree(line);
      }
    }
    if (summary == null) {
      throw new IOException("restic backup printed no summary: " + String.join("\n", out));
    }
    return new Backup(wall, cpu, summary.path("total_duration").asDouble(),
        summary.path("total_bytes_processed").asLong(), summary.path("data_blobs").asLong(),
        FileTrees.size(repo));
  }

  /** User plus system CPU seconds of this process's children that have ended. */
  private static double childrenCpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields 16 and 17 of proc(5), cutime and cstime, are f[13] and f[14] after "pid (comm) "
    return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / (double) CLOCK_TICKS;
  }

  private static List<String> run(List<String> command, boolean singleThreaded)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("RESTIC_PASSWORD", "openmms-bench");
    if (singleThreaded) {
      pb.environment().put("GOMAXPROCS", "1");
    } else {
      pb.environment().remove("GOMAXPROCS");
    }
    Path errors = Files.createTempFile("restic-", ".err");
    pb.redirectError(errors.toFile());
    Process p = pb.start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.contains("\"message_type\":\"status\"")) {
          lines.add(line);
        }
      }
      int rc = p.waitFor();
      if (rc != 0) {
        throw new IOException(String.join(" ", command) + " exited with " + rc + ": "
            + Files.readString(errors));
      }
      return lines;
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + String.join(" ", command), e);
    } finally {
      Files.deleteIfExists(errors);
    }
  }
}
