package io.openmms.daemon.oplog;

import org.bson.BsonBinaryReader;
import org.bson.BsonDocument;
import org.bson.BsonType;
import org.bson.ByteBuf;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonValueCodec;
import org.bson.codecs.DecoderContext;
import org.bson.io.ByteBufferBsonInput;

/**
 * Reads the top level of a {@link RawBsonDocument} in one pass into a {@link BsonDocument} whose
 * sub-documents stay {@link RawBsonDocument} slices of the same bytes. An oplog entry's fields
 * are looked up several times while it is applied, and each lookup on a raw document rescans it;
 * an inserted document ({@code o}) is then stored without being decoded and re-encoded.
 */
final class ShallowBson {
  private static final BsonValueCodec VALUES = new BsonValueCodec();
  private static final DecoderContext DECODE = DecoderContext.builder().build();

  private ShallowBson() {}

  static BsonDocument of(BsonDocument doc) {
    if (!(doc instanceof RawBsonDocument raw)) {
      return doc;
    }
    ByteBuf buf = raw.getByteBuffer();
    byte[] bytes = buf.array();
    int base = buf.arrayOffset();
    BsonDocument out = new BsonDocument();
    try (BsonBinaryReader r = new BsonBinaryReader(new ByteBufferBsonInput(buf))) {
      r.readStartDocument();
      while (r.readBsonType() != BsonType.END_OF_DOCUMENT) {
        String name = r.readName();
        if (r.getCurrentBsonType() == BsonType.DOCUMENT) {
          int start = base + r.getBsonInput().getPosition();
          int size = (bytes[start] & 0xff) | (bytes[start + 1] & 0xff) << 8
              | (bytes[start + 2] & 0xff) << 16 | (bytes[start + 3] & 0xff) << 24;
          out.put(name, new RawBsonDocument(bytes, start, size));
          r.skipValue();
        } else {
          out.put(name, VALUES.decode(r, DECODE));
        }
      }
      r.readEndDocument();
    }
    return out;
  }
}
