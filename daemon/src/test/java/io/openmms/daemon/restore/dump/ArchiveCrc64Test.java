package io.openmms.daemon.restore.dump;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArchiveCrc64Test {
  @Test
  void matchesGoCrc64WithTheEcmaTable() {
    Crc64 crc = new Crc64();
    assertThat(crc.value()).isZero();
    crc.update("123456789".getBytes(StandardCharsets.US_ASCII));
    // The check value of CRC-64/XZ, which is what Go's crc64.Checksum(b, MakeTable(ECMA)) gives.
    assertThat(crc.value()).isEqualTo(0x995DC9BBDF1939FAL);
  }

  @Test
  void updatesInPiecesGiveTheChecksumOfTheWhole() {
    byte[] data = new byte[10_000];
    new Random(3).nextBytes(data);
    Crc64 whole = new Crc64();
    whole.update(data);
    Crc64 pieces = new Crc64();
    pieces.update(data, 0, 17);
    pieces.update(data, 17, 5000);
    pieces.update(data, 5017, data.length - 5017);

    assertThat(pieces.value()).isEqualTo(whole.value()).isEqualTo(ArchiveBytes.crc64(data));
  }
}
