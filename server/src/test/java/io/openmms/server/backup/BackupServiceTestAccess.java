package io.openmms.server.backup;

import java.util.List;
import org.bson.BsonDocument;

/** Builds backup batch bodies for tests outside this package. */
public final class BackupServiceTestAccess {
  private BackupServiceTestAccess() {}

  public static byte[] stream(BsonDocument header) {
    return BackupServiceTest.stream(header, List.of());
  }
}
