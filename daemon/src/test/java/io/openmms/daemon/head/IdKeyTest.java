package io.openmms.daemon.head;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.UuidRepresentation;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

/** _id keys: MongoDB equality, and MongoDB's order for the common types. */
class IdKeyTest {

  private static byte[] k(BsonValue v) {
    return IdKey.encode(v);
  }

  @Test
  void numericallyEqualValuesOfAnyNumericTypeGiveTheSameKey() {
    assertThat(k(new BsonInt32(1))).isEqualTo(k(new BsonInt64(1))).isEqualTo(k(new BsonDouble(1.0)))
        .isEqualTo(k(new BsonDecimal128(Decimal128.parse("1.000"))));
    assertThat(k(new BsonDouble(-0.0))).isEqualTo(k(new BsonInt32(0)))
        .isEqualTo(k(new BsonDecimal128(Decimal128.parse("-0"))));
    assertThat(k(new BsonDouble(2.5))).isEqualTo(k(new BsonDecimal128(Decimal128.parse("2.50"))));
    assertThat(k(new BsonDouble(Double.NaN))).isEqualTo(k(new BsonDecimal128(Decimal128.NaN)));
    assertThat(k(new BsonDocument("a", new BsonInt32(1)))).isEqualTo(k(new BsonDocument("a", new BsonDouble(1))));
    // MongoDB compares decimal 0.1 and double 0.1 as different values
    assertThat(k(new BsonDecimal128(Decimal128.parse("0.1")))).isNotEqualTo(k(new BsonDouble(0.1)));
    assertThat(k(new BsonInt64(Long.MAX_VALUE))).isNotEqualTo(k(new BsonDouble(0x1p63)));
  }

  @Test
  void distinctValuesGiveDistinctKeys() {
    List<BsonValue> values = List.of(new BsonString("a"), new BsonSymbol("b"), new BsonString("a\0"),
        new BsonString(""), new BsonInt32(1), new BsonInt64(Long.MIN_VALUE), new BsonDouble(1.5),
        new BsonDocument("a", new BsonInt32(1)), new BsonDocument("b", new BsonInt32(1)),
        new BsonDocument("a", new BsonString("1")), new BsonBoolean(true), new BsonNull(),
        new BsonBinary(UUID.randomUUID(), UuidRepresentation.STANDARD), new BsonBinary(new byte[16]),
        new BsonObjectId(new ObjectId()), new BsonDateTime(1), new BsonTimestamp(1, 1),
        new BsonArray(List.of(new BsonInt32(1))), new BsonMinKey(), new BsonMaxKey());
    assertThat(values.stream().map(v -> Arrays.toString(k(v))).distinct()).hasSize(values.size());
  }

  @Test
  void keysSortInMongoDbOrder() {
    List<BsonValue> ascending = List.of(new BsonMinKey(), new BsonNull(), new BsonDouble(Double.NaN),
        new BsonDouble(Double.NEGATIVE_INFINITY), new BsonInt64(Long.MIN_VALUE), new BsonInt32(-5),
        new BsonDouble(-0.5), new BsonInt32(0), new BsonDecimal128(Decimal128.parse("0.25")),
        new BsonInt32(1), new BsonDouble(1.5), new BsonInt64(2), new BsonInt64((1L << 53) + 1),
        new BsonInt64(Long.MAX_VALUE), new BsonDouble(1e300), new BsonString(""), new BsonString("a"),
        new BsonString("a\0"), new BsonString("ab"), new BsonString("b"), new BsonString("é"),
        new BsonDocument(), new BsonDocument("a", new BsonInt32(1)), new BsonDocument("a", new BsonInt32(2)),
        new BsonDocument("a", new BsonInt32(2)).append("b", new BsonInt32(0)),
        // an element compares by value type first, then name: {b: 0} < {a: "x"}
        new BsonDocument("b", new BsonInt32(0)), new BsonDocument("a", new BsonString("x")),
        new BsonArray(), new BsonBinary(new byte[] {9}), new BsonBinary((byte) 4, new byte[] {1, 2}),
        new BsonObjectId(new ObjectId("000000000000000000000001")),
        new BsonObjectId(new ObjectId("ffffffffffffffffffffff00")), new BsonBoolean(false),
        new BsonBoolean(true), new BsonDateTime(-1), new BsonDateTime(5), new BsonTimestamp(1, 2),
        new BsonTimestamp(Integer.MAX_VALUE + 1L << 32), new BsonMaxKey());
    IntStream.range(1, ascending.size()).forEach(i -> assertThat(
        Arrays.compareUnsigned(k(ascending.get(i - 1)), k(ascending.get(i))))
        .as("%s < %s", ascending.get(i - 1), ascending.get(i)).isNegative());
  }
}
