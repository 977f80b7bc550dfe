package io.openmms.common.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;

/** Files that hold secrets: written atomically (temp file + rename) with mode 600. */
public final class PrivateFiles {
  private PrivateFiles() {}

  public static void write(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    }
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Writes {@code key=value} lines in the map's order, readable by {@link #readProperties}. */
  public static void writeProperties(Path file, Map<String, String> values, String comment)
      throws IOException {
    StringBuilder b = new StringBuilder("# ").append(comment).append('\n');
    values.forEach((k, v) -> b.append(k).append('=')
        .append(v == null ? "" : v.replace("\\", "\\\\")).append('\n'));
    write(file, b.toString());
  }

  public static Properties readProperties(Path file) throws IOException {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return p;
  }
}
