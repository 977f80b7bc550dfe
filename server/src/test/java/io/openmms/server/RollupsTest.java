package io.openmms.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.common.wire.HostSample;
import io.openmms.testkit.ManualClock;
import io.openmms.common.wire.MonitoringBatch;
import io.openmms.server.ingest.MonitoringIngest;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.monitoring.Ids;
import io.openmms.server.monitoring.Measurements;
import io.openmms.server.monitoring.Rollups;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Roll-up arithmetic and retention, driven by a fake clock over simulated days. */
class RollupsTest {
  static final String GROUP = "5f00000000000000000000aa";
  @TempDir Path dir;
  AppDatabase db;
  ManualClock clock;
  MonitoringIngest ingest;
  Measurements measurements;
  Rollups rollups;
  long seq;

  @BeforeEach
  void open() {
    db = AppDatabase.open(null, "openmms", dir, 0);
    clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    measurements = new Measurements(db, clock);
    ingest = new MonitoringIngest(db, new HostRecords(db), measurements, 5000, clock);
    rollups = new Rollups(db, clock, Duration.ofHours(48), Duration.ofDays(90),
        Duration.ofDays(730));
  }

  @AfterEach
  void close() {
    db.close();
  }

  /** One sample per minute for {@code minutes}, with CONNECTIONS = f(minute) and inserts at rate r. */
  private void feed(Instant from, int minutes, java.util.function.IntToDoubleFunction connections,
      long insertsPerMinute) {
    List<HostSample> batch = new ArrayList<>();
    for (int i = 0; i < minutes; i++) {
      long t = from.toEpochMilli() + i * 60_000L;
      clock.set(Instant.ofEpochMilli(t));
      batch.add(new HostSample("h", 1, t, false, null, "PRIMARY", "rs0", null, false, null,
          "7.0", 100L + i * 60L, Map.of("OPCOUNTER_INSERT", 1000 + i * insertsPerMinute),
          Map.of("CONNECTIONS", connections.applyAsDouble(i)), null));
      if (batch.size() == 60) {
        ingest.ingest(GROUP, new MonitoringBatch("a", seq++, "t", batch));
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      ingest.ingest(GROUP, new MonitoringBatch("a", seq++, "t", batch));
    }
  }

  @Test
  void hourlyRollUpIsTheMeanOfTheHoursSamplesAndDailyTheMeanOfItsHours() {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    feed(start, 48 * 60, i -> i / 60 % 2 == 0 ? 10 : 30, 120);
    clock.set(start.plus(Duration.ofHours(48)).plusSeconds(1));
    var report = rollups.run();
    assertThat(report.hoursRolled()).isEqualTo(48);
    assertThat(report.daysRolled()).isEqualTo(2);
    String host = Ids.host(GROUP, "h:1");
    var hours = measurements.query(host, Measurements.Granularity.PT1H, start,
        start.plus(Duration.ofHours(4)), Set.of("CONNECTIONS", "OPCOUNTER_INSERT"));
    assertThat(hours.get("CONNECTIONS")).extracting(Measurements.DataPoint::value)
        .containsExactly(10.0, 30.0, 10.0, 30.0);
    assertThat(hours.get("OPCOUNTER_INSERT")).allSatisfy(p ->
        assertThat(p.value()).isEqualTo(2.0));
    clock.set(start.plus(Duration.ofHours(49)));
    rollups.run();
    var days = measurements.query(host, Measurements.Granularity.P1D, start,
        start.plus(Duration.ofDays(2)), Set.of("CONNECTIONS"));
    assertThat(days.get("CONNECTIONS")).extracting(Measurements.DataPoint::value)
        .containsExactly(20.0, 20.0);
  }

  @Test
  void aLateSampleRollsItsHourUpAgain() {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    feed(start, 30, i -> 10, 60);
    clock.set(start.plus(Duration.ofHours(2)));
    rollups.run();
    String host = Ids.host(GROUP, "h:1");
    // a spooled sample for the same hour arrives late
    ingest.ingest(GROUP, new MonitoringBatch("a", seq++, "t", List.of(new HostSample("h", 1,
        start.plus(Duration.ofMinutes(45)).toEpochMilli(), false, null, "PRIMARY", "rs0", null,
        false, null, "7.0", 10_000L, Map.of(), Map.of("CONNECTIONS", 40.0), null))));
    rollups.run();
    var hours = measurements.query(host, Measurements.Granularity.PT1H, start,
        start.plus(Duration.ofHours(1)), Set.of("CONNECTIONS"));
    assertThat(hours.get("CONNECTIONS").get(0).value()).isEqualTo((30 * 10.0 + 40) / 31);
  }

  @Test
  void dataIsPrunedAfterItsRetentionButRollUpsRemain() {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    feed(start, 120, i -> 5, 60);
    clock.set(start.plus(Duration.ofHours(47)));
    rollups.run();
    assertThat(db.collection(Collections.MEAS_MINUTE).countDocuments()).isEqualTo(120);
    clock.set(start.plus(Duration.ofHours(50)));
    rollups.run();
    assertThat(db.collection(Collections.MEAS_MINUTE).countDocuments()).isZero();
    assertThat(db.collection(Collections.MEAS_HOUR).countDocuments()).isEqualTo(2);
    clock.set(start.plus(Duration.ofDays(91)));
    rollups.run();
    assertThat(db.collection(Collections.MEAS_HOUR).countDocuments()).isZero();
    assertThat(db.collection(Collections.MEAS_DAY).countDocuments()).isEqualTo(1);
    clock.set(start.plus(Duration.ofDays(731)));
    rollups.run();
    assertThat(db.collection(Collections.MEAS_DAY).countDocuments()).isZero();
  }

  @Test
  void samplesLessThanASecondApartAreBothStored() {
    long t = Instant.parse("2026-01-01T00:00:10Z").toEpochMilli();
    clock.set(Instant.ofEpochMilli(t + 1000));
    for (long at : new long[] {t, t + 400}) {
      ingest.ingest(GROUP, new MonitoringBatch("a", seq++, "t", List.of(new HostSample("h", 1,
          at, false, null, "PRIMARY", "rs0", null, false, null, "7.0", 10L, Map.of(),
          Map.of("CONNECTIONS", at == t ? 10.0 : 20.0), null))));
    }
    var minute = measurements.query(Ids.host(GROUP, "h:1"), Measurements.Granularity.PT1M,
        Instant.ofEpochMilli(t - 10_000), Instant.ofEpochMilli(t + 50_000), Set.of("CONNECTIONS"));
    assertThat(minute.get("CONNECTIONS").get(0).value()).isEqualTo(15.0);
  }
}
