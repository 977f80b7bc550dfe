package io.openmms.daemon.restore.dump;

import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.bson.json.JsonMode;
import org.bson.json.JsonReader;
import org.bson.json.JsonWriterSettings;

/**
 * A collection's {@code <name>.metadata.json}, as mongodump writes it (mongo-tools
 * {@code mongodump/metadata_dump.go}: a {@code Metadata} struct marshalled with
 * {@code bson.MarshalExtJSON(meta, true, false)}, i.e. canonical Extended JSON v2, compact):
 *
 * <pre>
 * {"options":{…},"indexes":[{…},…],"uuid":"&lt;32 hex digits&gt;",
 *  "collectionName":"&lt;name&gt;","type":"collection"}
 * </pre>
 *
 * (on one line) in that field order; {@code options} is left out when empty and {@code uuid}
 * when unknown; {@code indexes} is always there (possibly {@code []}). Canonical Extended JSON
 * keeps every type ({@code {"$numberInt":"1"}} stays an Int32, {@code {"$numberLong":"4096"}}
 * an Int64), so options and index specs read back exactly as written. The same text is the
 * {@code metadata} string of an archive's prelude. Only {@code type} "collection" (or none, as
 * older tools wrote) is accepted: views and time-series collections are out of openmms's scope.
 */
final class MetadataJson {
  private static final JsonWriterSettings CANONICAL =
      JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
  private static final String COLLECTION_TYPE = "collection";

  /** The fields read from a metadata file; {@code collectionName} is absent in older dumps. */
  record Parsed(Optional<String> collectionName, Optional<UUID> uuid, BsonDocument options,
      List<BsonDocument> indexes) {
    DumpCollection collection(String db, String name) {
      return new DumpCollection(db, name, uuid, options, indexes);
    }
  }

  private MetadataJson() {}

  /** The metadata text of {@code c}. */
  static String write(DumpCollection c) {
    BsonDocument d = new BsonDocument();
    if (!c.options().isEmpty()) {
      d.put("options", c.options());
    }
    d.put("indexes", new BsonArray(c.indexes()));
    c.uuid().ifPresent(u -> d.put("uuid", new BsonString(u.toString().replace("-", ""))));
    d.put("collectionName", new BsonString(c.collection()));
    d.put("type", new BsonString(COLLECTION_TYPE));
    return compact(d.toJson(CANONICAL));
  }

  /** Parses metadata file bytes, which must be UTF-8; errors name {@code where} and the offset. */
  static Parsed parse(byte[] json, String where) throws DumpFormatException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(json);
    CharBuffer out = CharBuffer.allocate(json.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new DumpFormatException(where + ", byte offset " + in.position()
          + ": not valid UTF-8");
    }
    decoder.flush(out);
    return parse(out.flip().toString(), where);
  }

  /** Parses metadata text; errors name {@code where} and the byte offset (in UTF-8). */
  static Parsed parse(String json, String where) throws DumpFormatException {
    CountingReader reader = new CountingReader(json);
    BsonDocument d;
    try {
      d = new BsonDocumentCodec().decode(new JsonReader(reader), DecoderContext.builder().build());
    } catch (RuntimeException e) {
      int at = reader.failedAt();
      throw new DumpFormatException(where + ", byte offset " + utf8Length(json, at)
          + ": not valid Extended JSON (" + e.getMessage() + ")");
    }
    for (int i = reader.position; i < json.length(); i++) {
      if (!Character.isWhitespace(json.charAt(i))) {
        throw new DumpFormatException(where + ", byte offset " + utf8Length(json, i)
            + ": text after the metadata document");
      }
    }
    return fields(d, where);
  }

  private static Parsed fields(BsonDocument d, String where) throws DumpFormatException {
    BsonValue type = d.get("type");
    if (type != null && !(type.isString() && type.asString().getValue().equals(COLLECTION_TYPE))) {
      throw new DumpFormatException(where + ": type " + show(type) + " is not supported"
          + " (openmms dumps hold collections, not views or time-series collections)");
    }
    BsonValue indexes = d.get("indexes");
    if (indexes == null || !indexes.isArray()
        || !indexes.asArray().stream().allMatch(BsonValue::isDocument)) {
      throw new DumpFormatException(where + ": field indexes is missing or not an array of"
          + " documents");
    }
    List<BsonDocument> specs = new ArrayList<>();
    indexes.asArray().forEach(v -> specs.add(v.asDocument()));
    BsonValue options = d.get("options");
    if (options != null && !options.isDocument()) {
      throw new DumpFormatException(where + ": field options is not a document");
    }
    BsonValue name = d.get("collectionName");
    if (name != null && !name.isString()) {
      throw new DumpFormatException(where + ": field collectionName is not a string");
    }
    return new Parsed(Optional.ofNullable(name).map(v -> v.asString().getValue()),
        uuid(d.get("uuid"), where), options == null ? new BsonDocument() : options.asDocument(),
        specs);
  }

  private static Optional<UUID> uuid(BsonValue v, String where) throws DumpFormatException {
    if (v == null) {
      return Optional.empty();
    }
    String hex = v.isString() ? v.asString().getValue() : "";
    if (!hex.matches("[0-9a-fA-F]{32}")) {
      throw new DumpFormatException(where + ": field uuid " + show(v)
          + " is not 32 hexadecimal digits");
    }
    byte[] b = HexFormat.of().parseHex(hex);
    return Optional.of(new UUID(ByteBuffer.wrap(b).getLong(), ByteBuffer.wrap(b).getLong(8)));
  }

  /** {@code v} as Extended JSON, for messages: a string quoted, {@code null} as "missing". */
  static String show(BsonValue v) {
    if (v == null) {
      return "missing";
    }
    String json = new BsonDocument("v", v).toJson();
    return json.substring(json.indexOf(':') + 1, json.length() - 1).trim();
  }

  /** Drops the blanks the Java writer puts after ':' and ',' (outside strings): Go writes none. */
  private static String compact(String json) {
    StringBuilder out = new StringBuilder(json.length());
    boolean inString = false;
    boolean escaped = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        out.append(c);
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
        out.append(c);
      } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static int utf8Length(String s, int chars) {
    return s.substring(0, Math.min(chars, s.length())).getBytes(StandardCharsets.UTF_8).length;
  }

  /** Hands the JSON reader one character at a time, so a parse error's position is known. */
  private static final class CountingReader extends Reader {
    private final String s;
    private int position;

    CountingReader(String s) {
      this.s = s;
    }

    /** Where the parser stopped: at the last character it took, or the end of the text. */
    int failedAt() {
      return position < s.length() ? Math.max(0, position - 1) : s.length();
    }

    @Override
    public int read() {
      return position < s.length() ? s.charAt(position++) : -1;
    }

    @Override
    public int read(char[] buf, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int c = read();
      if (c < 0) {
        return -1;
      }
      buf[off] = (char) c;
      return 1;
    }

    @Override
    public void close() {}
  }
}
