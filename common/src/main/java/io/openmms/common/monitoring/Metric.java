package io.openmms.common.monitoring;

/**
 * The measurements openmms collects for a MongoDB process, named as Ops Manager names them in
 * {@code /hosts/{id}/measurements}. A {@link Kind#COUNTER} is shipped by the agent as the
 * cumulative value MongoDB reports and turned into a per-second rate by the service; a
 * {@link Kind#GAUGE} is shipped and stored as read.
 */
public enum Metric {
  OPCOUNTER_INSERT(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_QUERY(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_UPDATE(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_DELETE(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_GETMORE(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_CMD(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_REPL_INSERT(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_REPL_UPDATE(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_REPL_DELETE(Kind.COUNTER, "SCALAR_PER_SECOND"),
  OPCOUNTER_REPL_CMD(Kind.COUNTER, "SCALAR_PER_SECOND"),
  DOCUMENT_METRICS_RETURNED(Kind.COUNTER, "SCALAR_PER_SECOND"),
  DOCUMENT_METRICS_INSERTED(Kind.COUNTER, "SCALAR_PER_SECOND"),
  DOCUMENT_METRICS_UPDATED(Kind.COUNTER, "SCALAR_PER_SECOND"),
  DOCUMENT_METRICS_DELETED(Kind.COUNTER, "SCALAR_PER_SECOND"),
  CONNECTIONS(Kind.GAUGE, "SCALAR"),
  MEMORY_RESIDENT(Kind.GAUGE, "MEGABYTES"),
  MEMORY_VIRTUAL(Kind.GAUGE, "MEGABYTES"),
  NETWORK_BYTES_IN(Kind.COUNTER, "BYTES_PER_SECOND"),
  NETWORK_BYTES_OUT(Kind.COUNTER, "BYTES_PER_SECOND"),
  NETWORK_NUM_REQUESTS(Kind.COUNTER, "SCALAR_PER_SECOND"),
  EXTRA_INFO_PAGE_FAULTS(Kind.COUNTER, "SCALAR_PER_SECOND"),
  GLOBAL_LOCK_CURRENT_QUEUE_TOTAL(Kind.GAUGE, "SCALAR"),
  GLOBAL_LOCK_CURRENT_QUEUE_READERS(Kind.GAUGE, "SCALAR"),
  GLOBAL_LOCK_CURRENT_QUEUE_WRITERS(Kind.GAUGE, "SCALAR"),
  CURSORS_TOTAL_OPEN(Kind.GAUGE, "SCALAR"),
  CURSORS_TOTAL_TIMED_OUT(Kind.COUNTER, "SCALAR_PER_SECOND"),
  ASSERT_REGULAR(Kind.COUNTER, "SCALAR_PER_SECOND"),
  ASSERT_WARNING(Kind.COUNTER, "SCALAR_PER_SECOND"),
  ASSERT_MSG(Kind.COUNTER, "SCALAR_PER_SECOND"),
  ASSERT_USER(Kind.COUNTER, "SCALAR_PER_SECOND"),
  CACHE_USED_BYTES(Kind.GAUGE, "BYTES"),
  CACHE_DIRTY_BYTES(Kind.GAUGE, "BYTES"),
  CACHE_BYTES_READ_INTO(Kind.COUNTER, "BYTES_PER_SECOND"),
  CACHE_BYTES_WRITTEN_FROM(Kind.COUNTER, "BYTES_PER_SECOND"),
  TICKETS_AVAILABLE_READS(Kind.GAUGE, "SCALAR"),
  TICKETS_AVAILABLE_WRITE(Kind.GAUGE, "SCALAR"),
  /** Seconds this secondary's last applied optime is behind the primary's. */
  OPLOG_SLAVE_LAG_MASTER_TIME(Kind.GAUGE, "SECONDS"),
  /** The replication oplog window: hours between the first and last oplog entry. */
  OPLOG_MASTER_TIME(Kind.GAUGE, "HOURS"),
  /** Oplog churn: bytes of oplog generated per hour, in GB, over the current window. */
  OPLOG_RATE_GB_PER_HOUR(Kind.GAUGE, "GIGABYTES_PER_HOUR"),
  /** Sum of {@code dbStats.storageSize} over all databases. */
  DB_STORAGE_TOTAL(Kind.GAUGE, "BYTES"),
  /** Sum of {@code dbStats.dataSize} over all databases. */
  DB_DATA_SIZE_TOTAL(Kind.GAUGE, "BYTES");

  /** How the service stores a metric. */
  public enum Kind {
    /** Cumulative since process start; stored as a per-second rate. */
    COUNTER,
    /** A point-in-time value; stored as read. */
    GAUGE
  }

  private final Kind kind;
  private final String units;

  Metric(Kind kind, String units) {
    this.kind = kind;
    this.units = units;
  }

  public Kind kind() {
    return kind;
  }

  /** Ops Manager's unit name for the stored value. */
  public String units() {
    return units;
  }

  /** The metric with this name, or {@code null}. */
  public static Metric byName(String name) {
    try {
      return valueOf(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
