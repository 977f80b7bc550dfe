package io.openmms.server.backup;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * How often a cluster's backup takes snapshots and how long they are kept, in Ops Manager's
 * shape and with Ops Manager's defaults (docs/retention.md). {@link Retention} applies it.
 *
 * <p>The interval is held in minutes ({@code snapshotIntervalMinutes}, an openmms extension);
 * Ops Manager's {@code snapshotIntervalHours} is the same value in hours and may be fractional.
 * Days for the daily tier start at {@code referenceHourOfDay:referenceMinuteOfHour} UTC; weeks
 * are ISO weeks (starting on Monday at that time) and months are calendar months, because Ops
 * Manager has no setting for the day of the week. {@code pointInTimeWindowHours} is the
 * configuration's {@code pitWindowHours}: {@link Backups} stores it once, for both.
 *
 * <p>Every instance is valid: the constructor throws {@link IllegalArgumentException} naming the
 * field, its allowed range and the value given. Immutable and thread-safe.
 *
 * @param snapshotIntervalMinutes minutes between snapshots, 15..1440
 * @param snapshotRetentionDays days every snapshot is kept, 1..30
 * @param dailySnapshotRetentionDays days the first snapshot of a day is kept, 0..365 (0: no tier)
 * @param weeklySnapshotRetentionWeeks weeks the first snapshot of a week is kept, 0..52
 * @param monthlySnapshotRetentionMonths months the first snapshot of a month is kept, 0..36
 * @param pointInTimeWindowHours hours of oplog kept for point-in-time restores, 1..2160
 * @param referenceHourOfDay hour (UTC) at which a day starts, 0..23
 * @param referenceMinuteOfHour minute of that hour at which a day starts, 0..59
 */
public record SnapshotSchedule(int snapshotIntervalMinutes, int snapshotRetentionDays,
    int dailySnapshotRetentionDays, int weeklySnapshotRetentionWeeks,
    int monthlySnapshotRetentionMonths, int pointInTimeWindowHours, int referenceHourOfDay,
    int referenceMinuteOfHour) {

  /** Ops Manager's defaults: every 6 hours, kept 2 days, 7 daily, 4 weekly, 13 monthly, 24 h. */
  public static final SnapshotSchedule DEFAULT = new SnapshotSchedule(360, 2, 7, 4, 13,
      Backups.DEFAULT_PIT_WINDOW_HOURS, 0, 0);

  /** The fields a client may set, as named in the API and in the stored document. */
  public static final List<String> FIELDS = List.of("snapshotIntervalHours",
      "snapshotIntervalMinutes", "snapshotRetentionDays", "dailySnapshotRetentionDays",
      "weeklySnapshotRetentionWeeks", "monthlySnapshotRetentionMonths", "pointInTimeWindowHours",
      "referenceHourOfDay", "referenceMinuteOfHour");

  public SnapshotSchedule {
    check("snapshotIntervalMinutes", snapshotIntervalMinutes);
    check("snapshotRetentionDays", snapshotRetentionDays);
    check("dailySnapshotRetentionDays", dailySnapshotRetentionDays);
    check("weeklySnapshotRetentionWeeks", weeklySnapshotRetentionWeeks);
    check("monthlySnapshotRetentionMonths", monthlySnapshotRetentionMonths);
    check("pointInTimeWindowHours", pointInTimeWindowHours);
    check("referenceHourOfDay", referenceHourOfDay);
    check("referenceMinuteOfHour", referenceMinuteOfHour);
  }

  /** The interval in hours, Ops Manager's {@code snapshotIntervalHours} (0.25 for 15 minutes). */
  public double snapshotIntervalHours() {
    return snapshotIntervalMinutes / 60.0;
  }

  /** True when both keep snapshots equally long, whatever their interval and reference time. */
  public boolean sameRetentionAs(SnapshotSchedule o) {
    return snapshotRetentionDays == o.snapshotRetentionDays
        && dailySnapshotRetentionDays == o.dailySnapshotRetentionDays
        && weeklySnapshotRetentionWeeks == o.weeklySnapshotRetentionWeeks
        && monthlySnapshotRetentionMonths == o.monthlySnapshotRetentionMonths;
  }

  /**
   * This schedule with some {@link #FIELDS} changed, as a PATCH asks. Values must be whole
   * numbers, except {@code snapshotIntervalHours}, which must give a whole number of minutes. When
   * both interval fields are given they must agree.
   *
   * @throws IllegalArgumentException naming the field, the allowed values and the value given,
   *     also for a name that is not one of {@link #FIELDS}
   */
  public SnapshotSchedule with(Map<String, ? extends Number> changes) {
    for (String name : changes.keySet()) {
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException("Unknown snapshot schedule field " + name);
      }
    }
    Integer fromHours = changes.containsKey("snapshotIntervalHours")
        ? minutesOf(changes.get("snapshotIntervalHours")) : null;
    Integer minutes = whole(changes, "snapshotIntervalMinutes", snapshotIntervalMinutes);
    if (fromHours != null && changes.containsKey("snapshotIntervalMinutes")
        && !fromHours.equals(minutes)) {
      throw new IllegalArgumentException("snapshotIntervalHours ("
          + changes.get("snapshotIntervalHours") + ") and snapshotIntervalMinutes (" + minutes
          + ") disagree; give one of them");
    }
    return new SnapshotSchedule(fromHours != null ? fromHours : minutes,
        whole(changes, "snapshotRetentionDays", snapshotRetentionDays),
        whole(changes, "dailySnapshotRetentionDays", dailySnapshotRetentionDays),
        whole(changes, "weeklySnapshotRetentionWeeks", weeklySnapshotRetentionWeeks),
        whole(changes, "monthlySnapshotRetentionMonths", monthlySnapshotRetentionMonths),
        whole(changes, "pointInTimeWindowHours", pointInTimeWindowHours),
        whole(changes, "referenceHourOfDay", referenceHourOfDay),
        whole(changes, "referenceMinuteOfHour", referenceMinuteOfHour));
  }

  /**
   * The fields as the API shows them, in Ops Manager's order; {@code snapshotIntervalHours} is a
   * whole number when the interval is whole hours.
   */
  public Map<String, Object> fields() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("snapshotIntervalHours", snapshotIntervalMinutes % 60 == 0
        ? (Object) (snapshotIntervalMinutes / 60) : (Object) snapshotIntervalHours());
    out.put("snapshotIntervalMinutes", snapshotIntervalMinutes);
    out.put("snapshotRetentionDays", snapshotRetentionDays);
    out.put("dailySnapshotRetentionDays", dailySnapshotRetentionDays);
    out.put("weeklySnapshotRetentionWeeks", weeklySnapshotRetentionWeeks);
    out.put("monthlySnapshotRetentionMonths", monthlySnapshotRetentionMonths);
    out.put("pointInTimeWindowHours", pointInTimeWindowHours);
    out.put("referenceHourOfDay", referenceHourOfDay);
    out.put("referenceMinuteOfHour", referenceMinuteOfHour);
    return out;
  }

  /** The stored {@code snapshotSchedule} subdocument (the window is stored beside it). */
  Document document() {
    return new Document("snapshotIntervalMinutes", snapshotIntervalMinutes)
        .append("snapshotRetentionDays", snapshotRetentionDays)
        .append("dailySnapshotRetentionDays", dailySnapshotRetentionDays)
        .append("weeklySnapshotRetentionWeeks", weeklySnapshotRetentionWeeks)
        .append("monthlySnapshotRetentionMonths", monthlySnapshotRetentionMonths)
        .append("referenceHourOfDay", referenceHourOfDay)
        .append("referenceMinuteOfHour", referenceMinuteOfHour);
  }

  /** A stored subdocument ({@code null} or missing fields: the defaults) and window. */
  static SnapshotSchedule of(Document d, int pointInTimeWindowHours) {
    Document s = d == null ? new Document() : d;
    return new SnapshotSchedule(
        s.getInteger("snapshotIntervalMinutes", DEFAULT.snapshotIntervalMinutes),
        s.getInteger("snapshotRetentionDays", DEFAULT.snapshotRetentionDays),
        s.getInteger("dailySnapshotRetentionDays", DEFAULT.dailySnapshotRetentionDays),
        s.getInteger("weeklySnapshotRetentionWeeks", DEFAULT.weeklySnapshotRetentionWeeks),
        s.getInteger("monthlySnapshotRetentionMonths", DEFAULT.monthlySnapshotRetentionMonths),
        pointInTimeWindowHours,
        s.getInteger("referenceHourOfDay", DEFAULT.referenceHourOfDay),
        s.getInteger("referenceMinuteOfHour", DEFAULT.referenceMinuteOfHour));
  }

  /** The allowed values of a whole-number field: {min, max}. */
  private static int[] range(String field) {
    return switch (field) {
      case "snapshotIntervalMinutes" -> new int[] {15, 24 * 60};
      case "snapshotRetentionDays" -> new int[] {1, 30};
      case "dailySnapshotRetentionDays" -> new int[] {0, 365};
      case "weeklySnapshotRetentionWeeks" -> new int[] {0, 52};
      case "monthlySnapshotRetentionMonths" -> new int[] {0, 36};
      case "pointInTimeWindowHours" -> new int[] {1, 24 * 90};
      case "referenceHourOfDay" -> new int[] {0, 23};
      case "referenceMinuteOfHour" -> new int[] {0, 59};
      default -> throw new IllegalArgumentException("Unknown snapshot schedule field " + field);
    };
  }

  private static void check(String field, int value) {
    check(field, BigDecimal.valueOf(value));
  }

  private static int check(String field, BigDecimal value) {
    int[] r = range(field);
    if (value.stripTrailingZeros().scale() > 0 || value.compareTo(BigDecimal.valueOf(r[0])) < 0
        || value.compareTo(BigDecimal.valueOf(r[1])) > 0) {
      throw new IllegalArgumentException(field + " must be a whole number from " + r[0] + " to "
          + r[1] + "; was " + plain(value));
    }
    return value.intValueExact();
  }

  /** The changed value of a whole-number field, or {@code current}. */
  private static int whole(Map<String, ? extends Number> changes, String field, int current) {
    return changes.containsKey(field) ? check(field, decimal(field, changes.get(field))) : current;
  }

  /** {@code snapshotIntervalHours} in minutes, which must be whole and from 15 to 1440. */
  private static int minutesOf(Number hours) {
    BigDecimal h = decimal("snapshotIntervalHours", hours);
    BigDecimal m = h.multiply(BigDecimal.valueOf(60));
    String was = "; was " + plain(h) + " (" + plain(m) + " minutes)";
    int[] r = range("snapshotIntervalMinutes");
    if (m.compareTo(BigDecimal.valueOf(r[0])) < 0 || m.compareTo(BigDecimal.valueOf(r[1])) > 0) {
      throw new IllegalArgumentException(
          "snapshotIntervalHours must give an interval from 15 minutes to 24 hours" + was);
    }
    if (m.stripTrailingZeros().scale() > 0) {
      throw new IllegalArgumentException(
          "snapshotIntervalHours must give a whole number of minutes" + was);
    }
    return m.intValueExact();
  }

  private static BigDecimal decimal(String field, Number n) {
    try {
      return n instanceof BigDecimal b ? b : new BigDecimal(String.valueOf(n));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + " must be a number; was " + n);
    }
  }

  private static String plain(BigDecimal v) {
    return v.stripTrailingZeros().toPlainString();
  }
}
