package io.openmms.server.backup;

import io.openmms.server.http.ApiException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInvalidOperationException;
import org.bson.RawBsonDocument;

/**
 * The body of a backup agent request (docs/backup-protocol.md): a BSON header document followed
 * by BSON documents, each in plain BSON framing. Parsing checks every length against the buffer
 * and the limits, so a truncated or hostile body is refused with a 400 naming the position.
 *
 * @param header the first document
 * @param documents the documents after it, as raw BSON (their bytes are stored unchanged)
 */
public record BsonStream(BsonDocument header, List<RawBsonDocument> documents) {
  static final int MAX_DOCUMENT = 16 * 1024 * 1024 + 16 * 1024;

  /** Parses {@code body} (already decompressed). */
  public static BsonStream parse(byte[] body, int maxDocuments) {
    ByteBuffer buf = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
    if (body.length < 5) {
      throw bad("The body holds no BSON header document");
    }
    BsonDocument header = next(buf, body, 0);
    List<RawBsonDocument> docs = new ArrayList<>();
    while (buf.hasRemaining()) {
      if (docs.size() == maxDocuments) {
        throw new ApiException(413, "TOO_MANY_DOCUMENTS", "A request may hold at most "
            + maxDocuments + " documents (server.backup.max.documents)");
      }
      docs.add(next(buf, body, docs.size() + 1));
    }
    return new BsonStream(header, docs);
  }

  private static RawBsonDocument next(ByteBuffer buf, byte[] body, int index) {
    int at = buf.position();
    if (buf.remaining() < 5) {
      throw bad("Document " + index + " at byte " + at + " is truncated");
    }
    int len = buf.getInt(at);
    if (len < 5 || len > MAX_DOCUMENT || len > buf.remaining() || body[at + len - 1] != 0) {
      throw bad("Document " + index + " at byte " + at + " has an invalid length " + len);
    }
    RawBsonDocument d = new RawBsonDocument(body, at, len);
    try {
      d.size(); // walks every element: rejects corrupt documents now, not when read later
      d.forEach((k, v) -> { });
    } catch (BsonInvalidOperationException | org.bson.BsonSerializationException
        | IllegalStateException | IndexOutOfBoundsException e) {
      throw bad("Document " + index + " at byte " + at + " is not valid BSON: " + e.getMessage());
    }
    buf.position(at + len);
    return d;
  }

  private static ApiException bad(String detail) {
    return ApiException.badRequest("INVALID_BSON", detail);
  }
}
