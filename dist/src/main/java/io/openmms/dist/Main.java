package io.openmms.dist;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code openmms} launcher: one command with a subcommand per part of the product. */
@Command(name = "openmms", mixinStandardHelpOptions = true, version = "openmms 0.1.0",
    description = "On-premises monitoring and backup for MongoDB.",
    subcommands = {DemoCommand.class, ServerCommand.class, DaemonCommand.class, AgentCommand.class,
        StopCommand.class, SnapshotCommand.class, VerifyCommand.class, RestoreCommand.class,
        ConfigReferenceCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (0 on success). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof io.openmms.common.config.ConfigException) {
        cmd.getErr().println("Configuration error: " + e.getMessage());
        return 2;
      }
      cmd.getErr().println("openmms " + cmd.getCommandName() + " failed: " + e.getMessage());
      return 1;
    });
    return cl.execute(args);
  }
}
