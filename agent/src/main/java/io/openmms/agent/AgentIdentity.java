package io.openmms.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Supplier;

/** The agent's stable id, kept in {@code {agent.data.dir}/agent-id} and created on first start. */
final class AgentIdentity {
  static final String FILE = "agent-id";

  private AgentIdentity() {}

  static String load(Path dataDir, Supplier<String> newId) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      String id = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!id.isEmpty()) {
        return id;
      }
    }
    String id = newId.get();
    Path tmp = dataDir.resolve(FILE + ".tmp");
    Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return id;
  }
}
