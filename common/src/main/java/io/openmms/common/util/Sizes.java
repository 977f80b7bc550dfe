package io.openmms.common.util;

import java.util.Locale;

/** Byte counts for people: {@code 512 B}, {@code 38.2 MiB} (binary units, one decimal). */
public final class Sizes {
  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB"};

  private Sizes() {}

  public static String binary(long n) {
    if (n < 1024) {
      return n + " B";
    }
    double v = n;
    int i = -1;
    while (v >= 1024 && i < UNITS.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, UNITS[i]);
  }
}
