package io.openmms.server.backup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;
import org.bson.Document;
import org.bson.types.Binary;

/**
 * The files of HTTP restore deliveries, kept in the application database so that any instance of
 * the Backup HTTP service can serve any download (docs/restores.md, "Download"). A file is named
 * by its job and the attempt that wrote it ({@link RestoreJobs.Job#fileId()}:
 * {@code "<jobId>.<attempt>"}), so a daemon paused past its lease never writes over the file of
 * the daemon that took the job over. It is stored in parts of {@link #PART} bytes
 * ({@code {_id: "<fileId>#<n>", data}}); the part holding byte {@code i} is {@code i / PART}, so
 * a range request reads only the parts it needs. Files are deleted when their link expires.
 * Thread-safe.
 */
public final class RestoreFiles {
  /** Bytes per part: well under MongoDB's 16 MiB document limit. */
  public static final int PART = 4 << 20;

  private final MongoCollection<Document> parts;

  public RestoreFiles(AppDatabase db) {
    this.parts = db.collection(Collections.RESTORE_FILE_PARTS);
  }

  /**
   * Stores {@code in} as the file {@code fileId}, reporting the bytes stored so far; returns the
   * number of bytes. Parts are upserted, so a retried upload overwrites a partial one.
   */
  public long write(String fileId, InputStream in, LongConsumer progress) throws IOException {
    byte[] buf = new byte[PART];
    long total = 0;
    for (int n = 0; ; n++) {
      int len = in.readNBytes(buf, 0, PART);
      if (len == 0 && n > 0) {
        return total;
      }
      byte[] data = len == PART ? buf : java.util.Arrays.copyOf(buf, len);
      parts.replaceOne(Filters.eq("_id", id(fileId, n)),
          new Document("_id", id(fileId, n)).append("data", new Binary(data)),
          new ReplaceOptions().upsert(true));
      total += len;
      progress.accept(total);
      if (len < PART) {
        return total;
      }
    }
  }

  /** The stored file from byte {@code from} for {@code length} bytes, read part by part. */
  public InputStream open(String fileId, long from, long length) {
    return new InputStream() {
      private long position = from;
      private final long end = from + length;
      private byte[] part;
      private long partStart = -1;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (position >= end) {
          return -1;
        }
        if (len == 0) {
          return 0;
        }
        long index = position / PART;
        if (partStart != index * PART) {
          Document d = parts.find(Filters.eq("_id", id(fileId, index))).first();
          if (d == null) {
            throw new IOException("part " + index + " of restore file " + fileId
                + " is missing (the link expired or the file was deleted)");
          }
          part = d.get("data", Binary.class).getData();
          partStart = index * PART;
        }
        int at = (int) (position - partStart);
        int n = (int) Math.min(Math.min(len, part.length - at), end - position);
        if (n <= 0) {
          throw new IOException("restore file " + fileId + " is shorter than recorded");
        }
        System.arraycopy(part, at, b, off, n);
        position += n;
        return n;
      }
    };
  }

  /**
   * Deletes the files of every attempt of job {@code jobId}, or, given a file id, that attempt's
   * file only; returns the number of parts removed.
   */
  public long delete(String jobIdOrFileId) {
    return parts.deleteMany(Filters.regex("_id", "^"
        + java.util.regex.Pattern.quote(jobIdOrFileId) + "[.#]")).getDeletedCount();
  }

  private static String id(String fileId, long n) {
    return fileId + "#" + n;
  }
}
