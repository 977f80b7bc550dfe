package io.openmms.daemon.restore.dump;

/**
 * The checksum of a namespace in a mongodump archive: CRC-64 as Go's {@code hash/crc64} computes
 * it with {@code crc64.MakeTable(crc64.ECMA)} (mongo-tools {@code common/archive/multiplexer.go}
 * and {@code demultiplexer.go}). That is the ECMA-182 polynomial in reflected form
 * ({@code 0xC96C5795D7870F42}), processing bits least significant first, with the register
 * started at and finally XORed with all ones — the parameters also known as CRC-64/XZ. Check
 * value: "123456789" gives {@code 0x995DC9BBDF1939FA}. The archive stores it as the int64 with
 * the same 64 bits. Byte-at-a-time table lookup. Not thread-safe.
 */
final class Crc64 {
  private static final long POLY = 0xC96C5795D7870F42L;
  private static final long[] TABLE = new long[256];

  static {
    for (int i = 0; i < 256; i++) {
      long c = i;
      for (int k = 0; k < 8; k++) {
        c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
      }
      TABLE[i] = c;
    }
  }

  private long crc;

  void update(byte[] b, int off, int len) {
    long c = ~crc;
    for (int i = off, end = off + len; i < end; i++) {
      c = TABLE[(int) (c ^ b[i]) & 0xff] ^ (c >>> 8);
    }
    crc = ~c;
  }

  void update(byte[] b) {
    update(b, 0, b.length);
  }

  /** The checksum of everything updated so far (0 for nothing). */
  long value() {
    return crc;
  }
}
