package io.openmms.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One openmms component ({@code openmms server|daemon|agent ...}) in its own JVM, for crash
 * tests: started with this JVM's java and class path, its output appended to one log file
 * across restarts, ready once its start-up line has appeared once more per start, and killed
 * with SIGKILL ({@link Process#destroyForcibly()}).
 */
final class ChildJvm implements AutoCloseable {
  private final String name;
  private final List<String> args;
  private final Path log;
  private final String readyLine;
  private Process process;
  private int starts;

  /**
   * @param readyLine text the component prints once it is up
   */
  ChildJvm(String name, Path log, String readyLine, List<String> args) {
    this.name = name;
    this.log = log;
    this.readyLine = readyLine;
    this.args = List.copyOf(args);
  }

  /** Starts the JVM and waits until it says it is up. */
  void start(Duration ready) throws IOException, InterruptedException {
    launch();
    awaitReady(ready);
  }

  /** Starts the JVM without waiting. */
  void launch() throws IOException {
    starts++;
    Files.writeString(log, "===== start " + starts + " of " + name + "\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    List<String> cmd = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(args);
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  /** Waits until the JVM last launched says it is up; fails if it exits first. */
  void awaitReady(Duration ready) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + ready.toNanos();
    while (readyLines() < starts) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue()
            + " during start-up; its log ends with:\n" + tail(40));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " did not start within " + ready.toSeconds() + " s");
      }
      Thread.sleep(100);
    }
  }

  private long readyLines() throws IOException {
    return Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
        .filter(l -> l.contains(readyLine)).count();
  }

  /** SIGKILL, and waits until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " survived SIGKILL for 30 s");
    }
  }

  /** Waits (bounded) for the process to exit on its own, say after {@code openmms stop}. */
  boolean awaitExit(Duration max) throws InterruptedException {
    return process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  String name() {
    return name;
  }

  /** The last {@code lines} lines of the log. */
  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** Lines of the log containing {@code text}. */
  List<String> grep(String text) throws IOException {
    return Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
        .filter(l -> l.contains(text)).toList();
  }

  @Override
  public void close() throws InterruptedException {
    if (alive()) {
      kill();
    }
  }
}
