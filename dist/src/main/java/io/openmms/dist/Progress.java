package io.openmms.dist;

import java.io.PrintStream;

/** A one-line progress bar for long commands: rewritten in place on a terminal. */
final class Progress {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private final String what;
  private final boolean terminal = System.console() != null;
  private String last = "";

  Progress(PrintStream out, String what) {
    this.out = out;
    this.what = what;
  }

  void show(long done, long total) {
    int pct = total <= 0 ? 0 : (int) Math.min(100, done * 100 / total);
    int filled = pct * WIDTH / 100;
    line(String.format("%s [%s%s] %3d%%  %s of ~%s", what, "#".repeat(filled),
        ".".repeat(WIDTH - filled), pct, bytes(done), bytes(total)));
  }

  void waiting(String message) {
    line(what + ": " + message);
  }

  private void line(String s) {
    if (s.equals(last)) {
      return;
    }
    if (terminal) {
      out.print("\r" + s + " ".repeat(Math.max(0, last.length() - s.length())));
    } else {
      out.println(s);
    }
    out.flush();
    last = s;
  }

  void done() {
    if (terminal && !last.isEmpty()) {
      out.println();
    }
    last = "";
  }

  static String bytes(long n) {
    return io.openmms.common.util.Sizes.binary(n);
  }

}
