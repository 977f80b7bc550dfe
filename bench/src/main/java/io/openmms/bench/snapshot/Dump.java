package io.openmms.bench.snapshot;

import io.openmms.common.util.FileTrees;
import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.DocumentCursor;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.restore.dump.DumpCollection;
import io.openmms.daemon.restore.dump.DumpDirectory;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a head's content as a mongodump directory, with the restore's {@link DumpDirectory}
 * (file names and {@code .metadata.json} text as {@code mongodump} writes them). The documents
 * are in the head's {@code _id} order; the benchmark's {@code _id}s grow with insertion time, so
 * that is also the natural order mongodump would dump them in. This is what restic backs up: the
 * same logical data as the snapshot stream. Every call writes the directory anew, as each
 * mongodump run into an emptied directory does, so restic reads every file again.
 */
final class Dump {
  private Dump() {}

  /** Writes {@code head} into {@code dir}, replacing what it held; returns the bytes written. */
  static long write(HeadReader head, Path dir) throws IOException {
    FileTrees.delete(dir);
    try (DumpDirectory.Writer out = DumpDirectory.create(dir)) {
      for (Namespace ns : head.namespaces()) {
        CollectionInfo info = head.collection(ns).orElseThrow();
        out.begin(new DumpCollection(ns.db(), ns.collection(), info.uuid(), info.options(),
            info.indexes()));
        try (DocumentCursor docs = head.scan(ns)) {
          while (docs.hasNext()) {
            out.document(docs.next());
          }
        }
        out.end();
      }
      return out.bytesWritten();
    }
  }
}
