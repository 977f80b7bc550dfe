package io.openmms.bench.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The printed tables: a label, then openmms, restic, their ratio, the goal and the verdict, and
 * the list of goal checks for the summary. Not thread-safe.
 */
final class Report {
  private static final int LABEL = 44;
  private static final int[] WIDTHS = {19, 19, 15, 7, 6};
  private static final String[] HEADERS = {"openmms", "restic", "openmms/restic", "goal", ""};

  /** One comparison against the goal. */
  record Check(String what, boolean pass) {}

  private final List<String> lines = new ArrayList<>();
  private final List<Check> checks = new ArrayList<>();

  void section(String title) {
    if (!lines.isEmpty()) {
      lines.add("");
    }
    lines.add(title);
    StringBuilder h = new StringBuilder(pad("", LABEL));
    for (int i = 0; i < HEADERS.length; i++) {
      h.append(padLeft(HEADERS[i], WIDTHS[i]));
    }
    lines.add(h.toString().stripTrailing());
  }

  void subtitle(String text) {
    lines.add("  " + text);
  }

  /** A row without a goal. */
  void row(String label, String openmms, String restic) {
    lines.add((pad(label, LABEL) + padLeft(openmms, WIDTHS[0]) + padLeft(restic, WIDTHS[1]))
        .stripTrailing());
  }

  /** A timed run: logical bytes, wall and CPU seconds. */
  record Timing(long bytes, double wallSeconds, double cpuSeconds) {
    double mbps() {
      return bytes / 1e6 / wallSeconds;
    }

    double mbPerCpuSecond() {
      return bytes / 1e6 / cpuSeconds;
    }
  }

  /**
   * A throughput row, PASS when openmms's MB/s of wall time is at least twice restic's, and
   * under it the CPU time each used (no goal: it shows the cost per byte whatever else runs on
   * the machine).
   */
  void throughput(String label, String check, Timing openmms, Timing restic) {
    double ratio = openmms.mbps() / restic.mbps();
    boolean pass = ratio >= 2.0;
    checks.add(new Check(check + ": throughput " + fmt("%.2fx", ratio), pass));
    lines.add(pad(label, LABEL)
        + padLeft(fmt("%.1f (%.1f s)", openmms.mbps(), openmms.wallSeconds()), WIDTHS[0])
        + padLeft(fmt("%.1f (%.1f s)", restic.mbps(), restic.wallSeconds()), WIDTHS[1])
        + padLeft(fmt("%.2fx", ratio), WIDTHS[2]) + padLeft(">= 2x", WIDTHS[3])
        + padLeft(pass ? "PASS" : "FAIL", WIDTHS[4]));
    lines.add(pad(label.replaceAll("\\S.*", "") + "  CPU s (MB per CPU s)", LABEL)
        + padLeft(fmt("%.1f (%.0f)", openmms.cpuSeconds(), openmms.mbPerCpuSecond()), WIDTHS[0])
        + padLeft(fmt("%.1f (%.0f)", restic.cpuSeconds(), restic.mbPerCpuSecond()), WIDTHS[1])
        + padLeft(fmt("%.2fx", openmms.mbPerCpuSecond() / restic.mbPerCpuSecond()),
            WIDTHS[2]));
  }

  /** A stored-bytes row: PASS when openmms stores no more than restic. */
  void stored(String label, String check, long openmms, long restic) {
    double ratio = (double) openmms / restic;
    boolean pass = openmms <= restic;
    checks.add(new Check(check + ": stored bytes " + fmt("%.2fx", ratio), pass));
    lines.add(pad(label, LABEL) + padLeft(mb(openmms), WIDTHS[0]) + padLeft(mb(restic), WIDTHS[1])
        + padLeft(fmt("%.2fx", ratio), WIDTHS[2]) + padLeft("<= 1x", WIDTHS[3])
        + padLeft(pass ? "PASS" : "FAIL", WIDTHS[4]));
  }

  List<String> lines() {
    return lines;
  }

  List<Check> checks() {
    return checks;
  }

  static String mb(long bytes) {
    return fmt("%,.2f MB", bytes / 1e6);
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }

  private static String padLeft(String s, int width) {
    return s.length() >= width ? " " + s : " ".repeat(width - s.length()) + s;
  }
}
