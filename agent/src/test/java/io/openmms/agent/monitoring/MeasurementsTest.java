package io.openmms.agent.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.openmms.common.monitoring.Metric;
import io.openmms.common.wire.MemberStatus;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;
import org.junit.jupiter.api.Test;

class MeasurementsTest {

  @Test
  void serverStatusValuesOfEveryNumericTypeBecomeCountersAndGauges() {
    Map<String, Long> counters = new TreeMap<>();
    Map<String, Double> gauges = new TreeMap<>();
    Measurements.fromServerStatus(Replies.serverStatus(3600, 42), counters, gauges);

    assertThat(counters).containsEntry("OPCOUNTER_INSERT", 42L)      // Int64
        .containsEntry("OPCOUNTER_QUERY", 40L)                          // Int32
        .containsEntry("OPCOUNTER_CMD", 5_000_000_000L)                 // beyond Int32
        .containsEntry("DOCUMENT_METRICS_RETURNED", 300L)
        .containsEntry("NETWORK_BYTES_IN", 123456L)
        .containsEntry("EXTRA_INFO_PAGE_FAULTS", 4L)
        .containsEntry("CURSORS_TOTAL_TIMED_OUT", 2L)
        .containsEntry("ASSERT_USER", 12L)
        .containsEntry("CACHE_BYTES_WRITTEN_FROM", 88_000L)             // Double
        .containsEntry("OPCOUNTER_REPL_CMD", 0L);
    assertThat(gauges).containsEntry("CONNECTIONS", 17.0)
        .containsEntry("MEMORY_RESIDENT", 131.0)
        .containsEntry("MEMORY_VIRTUAL", 2750.0)
        .containsEntry("GLOBAL_LOCK_CURRENT_QUEUE_WRITERS", 2.0)
        .containsEntry("CURSORS_TOTAL_OPEN", 5.0)
        .containsEntry("CACHE_USED_BYTES", 1.5e7)
        .containsEntry("CACHE_DIRTY_BYTES", 2048.0)
        .containsEntry("TICKETS_AVAILABLE_READS", 127.0)                // queues.execution (7.0+)
        .containsEntry("TICKETS_AVAILABLE_WRITE", 126.0);
    for (String name : counters.keySet()) {
      assertThat(Metric.valueOf(name).kind()).as(name).isEqualTo(Metric.Kind.COUNTER);
    }
    for (String name : gauges.keySet()) {
      assertThat(Metric.valueOf(name).kind()).as(name).isEqualTo(Metric.Kind.GAUGE);
    }
  }

  @Test
  void ticketsComeFromWiredTigerConcurrentTransactionsBefore70() {
    Document ss = Document.parse("""
        {"wiredTiger": {"concurrentTransactions": {
           "write": {"out": 2, "available": 126, "totalTickets": 128},
           "read": {"out": 0, "available": 128, "totalTickets": 128}}}}""");
    Map<String, Double> gauges = new TreeMap<>();
    Measurements.fromServerStatus(ss, new TreeMap<>(), gauges);
    assertThat(gauges).containsEntry("TICKETS_AVAILABLE_READS", 128.0)
        .containsEntry("TICKETS_AVAILABLE_WRITE", 126.0);
  }

  @Test
  void missingSectionsAreLeftOutNotZero() {
    Map<String, Long> counters = new TreeMap<>();
    Map<String, Double> gauges = new TreeMap<>();
    Measurements.fromServerStatus(Document.parse("{\"opcounters\": {\"insert\": 1}}"), counters,
        gauges);
    assertThat(counters).containsOnlyKeys("OPCOUNTER_INSERT");
    assertThat(gauges).isEmpty();
  }

  @Test
  void valuesTheServiceWouldRefuseAreLeftOutSoTheRestOfTheBatchArrives() {
    Map<String, Long> counters = new TreeMap<>();
    Map<String, Double> gauges = new TreeMap<>();
    Measurements.fromServerStatus(Document.parse("""
        {"opcounters": {"insert": -5, "query": 3},
         "mem": {"resident": NaN, "virtual": Infinity},
         "connections": {"current": {"$numberDecimal": "12"}}}"""), counters, gauges);
    assertThat(counters).containsOnlyKeys("OPCOUNTER_QUERY");
    assertThat(gauges).containsOnlyKeys("CONNECTIONS").containsEntry("CONNECTIONS", 12.0);
  }

  @Test
  void secondaryLagIsPrimaryOptimeMinusOwnInSeconds() {
    Document status = Replies.replSetGetStatus("rs0", "b:2", new Object[][] {
        {"a:1", "PRIMARY", 1_000_000_000_000L + 90_500},
        {"b:2", "SECONDARY", 1_000_000_000_000L},
        {"c:3", "ARBITER", null}});
    assertThat(Measurements.lagSeconds(status)).isEqualTo(90.5);
    assertThat(Measurements.selfState(status)).isEqualTo("SECONDARY");
    assertThat(Measurements.members(status)).containsExactly(
        new MemberStatus("a:1", "PRIMARY", 1, 1_000_000_090_500L),
        new MemberStatus("b:2", "SECONDARY", 1, 1_000_000_000_000L),
        new MemberStatus("c:3", "ARBITER", 1, null));
  }

  @Test
  void noLagWithoutAPrimaryOrOnThePrimary() {
    Document noPrimary = Replies.replSetGetStatus("rs0", "b:2", new Object[][] {
        {"a:1", "SECONDARY", 5_000L}, {"b:2", "SECONDARY", 1_000L}});
    Document onPrimary = Replies.replSetGetStatus("rs0", "a:1", new Object[][] {
        {"a:1", "PRIMARY", 5_000L}, {"b:2", "SECONDARY", 1_000L}});
    assertThat(Measurements.lagSeconds(noPrimary)).isNull();
    assertThat(Measurements.lagSeconds(onPrimary)).isNull();
  }

  @Test
  void oplogWindowAndChurn() {
    long t0 = 1_700_000_000_000L;
    Double hours = Measurements.oplogWindowHours(Replies.oplogEntry(t0),
        Replies.oplogEntry(t0 + 2 * 3_600_000L));
    assertThat(hours).isEqualTo(2.0);
    // 3 GB of oplog covering 2 hours: 1.5 GB/h
    assertThat(Measurements.oplogGbPerHour(3e9, hours)).isCloseTo(1.5, within(1e-9));
    assertThat(Measurements.oplogGbPerHour(3e9, 0.0)).isNull();
    // without wall (before 4.2) the ts seconds are used
    Document a = new Document("ts", new org.bson.BsonTimestamp(1000, 1));
    Document b = new Document("ts", new org.bson.BsonTimestamp(1000 + 1800, 7));
    assertThat(Measurements.oplogWindowHours(a, b)).isEqualTo(0.5);
    assertThat(Measurements.oplogWindowHours(null, b)).isNull();
  }
}
