package io.openmms.dist;

/** Helpers for closing components from shutdown hooks. */
final class Lifecycle {
  private Lifecycle() {}

  static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      System.err.println("Error while stopping: " + e.getMessage());
    }
  }
}
