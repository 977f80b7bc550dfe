package io.openmms.bench.snapshot;

import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.DocumentCursor;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * Writes a head's content as a mongodump directory: {@code <db>/<collection>.bson} holds the
 * collection's documents as concatenated BSON, {@code <db>/<collection>.metadata.json} its
 * options, indexes and UUID in canonical extended JSON, as {@code mongodump} writes them. The
 * documents are in the head's {@code _id} order; the benchmark's {@code _id}s grow with insertion
 * time, so that is also the natural order mongodump would dump them in. This is what restic backs
 * up: the same logical data as the snapshot stream. Every call rewrites every file, as each
 * mongodump run does.
 */
final class Dump {
  private static final JsonWriterSettings JSON = JsonWriterSettings.builder()
      .outputMode(JsonMode.EXTENDED).build();

  private Dump() {}

  /** Writes {@code head} under {@code dir}; returns the bytes of all the files. */
  static long write(HeadReader head, Path dir) throws IOException {
    long bytes = 0;
    for (Namespace ns : head.namespaces()) {
      CollectionInfo info = head.collection(ns).orElseThrow();
      Path db = Files.createDirectories(dir.resolve(ns.db()));
      Path bson = db.resolve(ns.collection() + ".bson");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bson), 1 << 20);
          DocumentCursor docs = head.scan(ns)) {
        byte[] buf = new byte[64 << 10];
        while (docs.hasNext()) {
          RawBsonDocument d = docs.next();
          ByteBuffer b = d.getByteBuffer().asNIO();
          int n = b.remaining();
          if (n > buf.length) {
            buf = new byte[n];
          }
          b.get(buf, 0, n);
          out.write(buf, 0, n);
        }
      }
      Path metadata = db.resolve(ns.collection() + ".metadata.json");
      Files.writeString(metadata, metadata(info), StandardCharsets.UTF_8);
      bytes += Files.size(bson) + Files.size(metadata);
    }
    return bytes;
  }

  private static String metadata(CollectionInfo info) {
    BsonDocument m = new BsonDocument("indexes", new BsonArray(new ArrayList<>(info.indexes())));
    info.uuid().ifPresent(u -> m.append("uuid", new BsonString(u.toString().replace("-", ""))));
    m.append("collectionName", new BsonString(info.ns().collection()))
        .append("type", new BsonString("collection"))
        .append("options", info.options());
    return m.toJson(JSON);
  }
}
