package io.openmms.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The benchmark's printed table: sections, then rows with one column per application database. */
final class Table {
  private static final int LABEL = 38;
  private static final int COLUMN = 24;

  private final BenchServer.AppDb[] columns;
  private final List<String> lines = new ArrayList<>();

  Table(BenchServer.AppDb[] columns) {
    this.columns = columns;
  }

  /** Starts a section; {@code columns} false for one whose rows are all {@link #single}. */
  void section(String title, boolean withColumns) {
    if (!lines.isEmpty()) {
      lines.add("");
    }
    lines.add(title);
    if (!withColumns) {
      return;
    }
    StringBuilder header = new StringBuilder(pad("", LABEL));
    for (BenchServer.AppDb c : columns) {
      header.append(padLeft(c.label, COLUMN));
    }
    lines.add(header.toString());
  }

  <R> void row(String label, Map<BenchServer.AppDb, R> results, Function<R, String> cell) {
    StringBuilder line = new StringBuilder(pad("  " + label, LABEL));
    for (BenchServer.AppDb c : columns) {
      R r = results.get(c);
      line.append(padLeft(r == null ? "-" : cell.apply(r), COLUMN));
    }
    lines.add(line.toString());
  }

  /** A row with one value that does not depend on the application database. */
  void single(String label, String value) {
    lines.add(pad("  " + label, LABEL) + "  " + value);
  }

  void print(PrintStream out) {
    lines.forEach(out::println);
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }

  private static String padLeft(String s, int width) {
    return s.length() >= width ? " " + s : " ".repeat(width - s.length()) + s;
  }
}
