package io.openmms.daemon.head;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.bson.BsonBinary;
import org.bson.BsonDbPointer;
import org.bson.BsonDocument;
import org.bson.BsonRegularExpression;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * Encodes an {@code _id} value as a byte string whose equality is MongoDB's {@code _id} equality
 * and whose unsigned byte order follows MongoDB's BSON comparison order for the common cases.
 * See docs/head-format.md, "Key encoding".
 *
 * <p>Each value is a type tag (MongoDB's canonical type order: MinKey < null < numbers < strings
 * < objects < arrays < binary < ObjectId < boolean < date < timestamp < regex < … < MaxKey)
 * followed by a self-delimiting body, so encodings nest inside documents and arrays. Numbers of
 * any type (int32, int64, double, decimal128) that are equal in value encode identically: an
 * integral value that fits a long is encoded as that long, any other value as its double
 * approximation plus an exact tail. Strings and symbols compare as UTF-8 bytes (no collation).
 *
 * <p>Stateless and thread-safe.
 */
public final class IdKey {
  // tag = MongoDB canonical type number + 20, so the document/array terminator 0x00 sorts first
  static final int MIN_KEY = 10;
  static final int UNDEFINED = 20;
  static final int NULL = 25;
  static final int NUMBER = 30;
  static final int STRING = 35;
  static final int OBJECT = 40;
  static final int ARRAY = 45;
  static final int BINARY = 50;
  static final int OBJECT_ID = 55;
  static final int BOOLEAN = 60;
  static final int DATE = 65;
  static final int TIMESTAMP = 67;
  static final int REGEX = 70;
  static final int DB_POINTER = 75;
  static final int JAVASCRIPT = 80;
  static final int JAVASCRIPT_WITH_SCOPE = 85;
  static final int MAX_KEY = 147;

  private static final int NUM_NAN = 0;
  private static final int NUM_VALUE = 1;
  private static final int EXACT_LONG = 0;
  private static final int EXACT_DOUBLE = 1;
  private static final int EXACT_DECIMAL = 2;
  private static final double TWO_POW_63 = 0x1p63;

  private IdKey() {}

  /** The key of {@code id}: equal {@code _id}s give equal bytes, unsigned byte order is MongoDB's. */
  public static byte[] encode(BsonValue id) {
    Out out = new Out();
    value(out, id);
    return out.toByteArray();
  }

  private static void value(Out out, BsonValue v) {
    switch (v.getBsonType()) {
      case MIN_KEY -> out.write(MIN_KEY);
      case MAX_KEY -> out.write(MAX_KEY);
      case UNDEFINED -> out.write(UNDEFINED);
      case NULL -> out.write(NULL);
      case INT32 -> integral(out, v.asInt32().getValue());
      case INT64 -> integral(out, v.asInt64().getValue());
      case DOUBLE -> dbl(out, v.asDouble().getValue());
      case DECIMAL128 -> decimal(out, v.asDecimal128().getValue());
      case STRING -> { out.write(STRING); string(out, v.asString().getValue()); }
      case SYMBOL -> { out.write(STRING); string(out, v.asSymbol().getSymbol()); }
      case DOCUMENT -> { out.write(OBJECT); document(out, v.asDocument()); }
      case ARRAY -> {
        out.write(ARRAY);
        for (BsonValue e : v.asArray()) {
          value(out, e);
        }
        out.write(0);
      }
      case BINARY -> binary(out, v.asBinary());
      case OBJECT_ID -> { out.write(OBJECT_ID); out.writeBytes(v.asObjectId().getValue().toByteArray()); }
      case BOOLEAN -> { out.write(BOOLEAN); out.write(v.asBoolean().getValue() ? 1 : 0); }
      case DATE_TIME -> { out.write(DATE); out.writeLong(v.asDateTime().getValue() ^ Long.MIN_VALUE); }
      case TIMESTAMP -> { out.write(TIMESTAMP); out.writeLong(v.asTimestamp().getValue()); }
      case REGULAR_EXPRESSION -> {
        BsonRegularExpression re = v.asRegularExpression();
        out.write(REGEX);
        string(out, re.getPattern());
        string(out, re.getOptions());
      }
      case DB_POINTER -> {
        BsonDbPointer p = v.asDBPointer();
        out.write(DB_POINTER);
        string(out, p.getNamespace());
        out.writeBytes(p.getId().toByteArray());
      }
      case JAVASCRIPT -> { out.write(JAVASCRIPT); string(out, v.asJavaScript().getCode()); }
      case JAVASCRIPT_WITH_SCOPE -> {
        out.write(JAVASCRIPT_WITH_SCOPE);
        string(out, v.asJavaScriptWithScope().getCode());
        document(out, v.asJavaScriptWithScope().getScope());
      }
      default -> throw new IllegalArgumentException("cannot encode a " + v.getBsonType() + " _id");
    }
  }

  private static void document(Out out, BsonDocument doc) {
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      // MongoDB compares an element by canonical type, then field name, then value
      Out tagProbe = new Out();
      value(tagProbe, e.getValue());
      byte[] encoded = tagProbe.toByteArray();
      out.write(encoded[0]);
      string(out, e.getKey());
      out.write(encoded, 1, encoded.length - 1);
    }
    out.write(0);
  }

  private static void binary(Out out, BsonBinary b) {
    // MongoDB orders binary by length, then subtype, then bytes
    out.write(BINARY);
    out.writeInt(b.getData().length);
    out.write(b.getType());
    out.writeBytes(b.getData());
  }

  private static void integral(Out out, long l) {
    out.write(NUMBER);
    out.write(NUM_VALUE);
    out.writeLong(sortableDouble((double) l));
    out.write(EXACT_LONG);
    out.writeLong(l ^ Long.MIN_VALUE);
  }

  private static void dbl(Out out, double d) {
    if (Double.isNaN(d)) {
      out.write(NUMBER);
      out.write(NUM_NAN);
    } else if (d == Math.rint(d) && d >= -TWO_POW_63 && d < TWO_POW_63) {
      integral(out, (long) d); // also folds -0.0 into 0
    } else {
      out.write(NUMBER);
      out.write(NUM_VALUE);
      out.writeLong(sortableDouble(d));
      out.write(EXACT_DOUBLE);
    }
  }

  private static void decimal(Out out, Decimal128 dec) {
    if (dec.isNaN()) {
      dbl(out, Double.NaN);
      return;
    }
    if (dec.isInfinite()) {
      dbl(out, dec.isNegative() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
      return;
    }
    BigDecimal bd;
    try {
      bd = dec.bigDecimalValue();
    } catch (ArithmeticException negativeZero) {
      bd = BigDecimal.ZERO; // -0 equals 0
    }
    BigDecimal stripped = bd.signum() == 0 ? BigDecimal.ZERO : bd.stripTrailingZeros();
    if (stripped.scale() <= 0 && stripped.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0
        && stripped.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
      integral(out, stripped.longValueExact());
      return;
    }
    double approx = stripped.doubleValue();
    if (!Double.isInfinite(approx) && new BigDecimal(approx).compareTo(stripped) == 0) {
      dbl(out, approx);
      return;
    }
    out.write(NUMBER);
    out.write(NUM_VALUE);
    out.writeLong(sortableDouble(approx));
    out.write(EXACT_DECIMAL);
    string(out, stripped.toString());
  }

  private static long sortableDouble(double d) {
    long bits = Double.doubleToLongBits(d);
    return bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
  }

  /** UTF-8 with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x00: order-preserving, prefix-free. */
  private static void string(Out out, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    for (byte b : utf8) {
      out.write(b);
      if (b == 0) {
        out.write(0xFF);
      }
    }
    out.write(0);
    out.write(0);
  }

  private static final class Out extends ByteArrayOutputStream {
    Out() {
      super(32);
    }

    void writeInt(int v) {
      write(v >>> 24);
      write(v >>> 16);
      write(v >>> 8);
      write(v);
    }

    void writeLong(long v) {
      writeInt((int) (v >>> 32));
      writeInt((int) v);
    }
  }
}
