package io.openmms.server.backup;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.EnumSet;
import java.util.Set;

/**
 * Ops Manager's snapshot retention tiers (docs/retention.md): which tiers a snapshot belongs to,
 * when it expires, and whether it may be deleted. Pure functions of their arguments; no database,
 * no clock. Thread-safe.
 *
 * <p>A snapshot's tiers are decided once, when it is taken, from the calendar alone:
 * <ul>
 *   <li>every snapshot is {@link Tier#HOURLY} (the base tier, one per interval);
 *   <li>it is also {@link Tier#DAILY} when the previous snapshot lies in an earlier day, where
 *       days start at {@code referenceHourOfDay:referenceMinuteOfHour} UTC;
 *   <li>a daily one is also {@link Tier#WEEKLY} when the previous lies in an earlier ISO week
 *       (weeks start on Monday at the reference time), and {@link Tier#MONTHLY} when it lies in
 *       an earlier calendar month (months start on the 1st at the reference time).
 * </ul>
 * The tiers do not depend on the retention values, so a tier set to 0 still tags its snapshots:
 * with {@code dailySnapshotRetentionDays} 0 the first snapshot of a day is still DAILY (and may be
 * WEEKLY or MONTHLY), only the DAILY tier keeps it for no time. That is what lets a schedule
 * change be applied to stored snapshots: the caller keeps each snapshot's tiers and recomputes
 * {@link #expires} with the new schedule, which shortens or lengthens the life of the snapshots
 * that still exist (it cannot bring back deleted ones).
 *
 * <p>A snapshot expires at its creation time plus the longest retention among its tiers (calendar
 * months in UTC for the monthly tier). The caller deletes it once that time is reached, except
 * the snapshots it keeps whatever their expiry ({@link #isExpired}): the groom keeps a backup's
 * newest complete snapshot, so a backup that stopped taking snapshots keeps one to restore from,
 * the base of its point-in-time window and any snapshot a running restore reads.
 */
public final class Retention {
  /** The frequencies a snapshot stands for; stored by name with the snapshot. */
  public enum Tier { HOURLY, DAILY, WEEKLY, MONTHLY }

  private Retention() {}

  /**
   * The tiers of a snapshot taken at {@code created}.
   *
   * @param previous when the backup's previous snapshot was taken, or {@code null} for its first
   *     snapshot (which is then first of its day, week and month)
   */
  public static Set<Tier> classify(Instant created, Instant previous, SnapshotSchedule s) {
    Set<Tier> tiers = EnumSet.of(Tier.HOURLY);
    LocalDate day = day(created, s);
    LocalDate before = previous == null ? null : day(previous, s);
    if (before == null || before.isBefore(day)) {
      tiers.add(Tier.DAILY);
      if (before == null || week(before).isBefore(week(day))) {
        tiers.add(Tier.WEEKLY);
      }
      if (before == null || YearMonth.from(before).isBefore(YearMonth.from(day))) {
        tiers.add(Tier.MONTHLY);
      }
    }
    return tiers;
  }

  /**
   * When a snapshot with these tiers expires: {@code created} plus the longest retention among
   * its tiers (a tier with retention 0 keeps it for no time); {@code created} for no tiers.
   */
  public static Instant expires(Instant created, Set<Tier> tiers, SnapshotSchedule s) {
    Instant out = created;
    for (Tier t : tiers) {
      Instant until = keptUntil(created, t, s);
      if (until.isAfter(out)) {
        out = until;
      }
    }
    return out;
  }

  /**
   * Whether a snapshot expiring at {@code expires} is to be deleted at {@code now}: when that
   * time is reached, unless the caller keeps it anyway ({@code kept}: see the class comment).
   */
  public static boolean isExpired(Instant expires, boolean kept, Instant now) {
    return !kept && !expires.isAfter(now);
  }

  private static Instant keptUntil(Instant created, Tier t, SnapshotSchedule s) {
    return switch (t) {
      case HOURLY -> created.plus(Duration.ofDays(s.snapshotRetentionDays()));
      case DAILY -> created.plus(Duration.ofDays(s.dailySnapshotRetentionDays()));
      case WEEKLY -> created.plus(Duration.ofDays(7L * s.weeklySnapshotRetentionWeeks()));
      case MONTHLY -> created.atOffset(ZoneOffset.UTC)
          .plusMonths(s.monthlySnapshotRetentionMonths()).toInstant();
    };
  }

  /** The day {@code t} falls in, days starting at the reference time UTC. */
  private static LocalDate day(Instant t, SnapshotSchedule s) {
    return t.minus(Duration.ofHours(s.referenceHourOfDay())
        .plusMinutes(s.referenceMinuteOfHour())).atOffset(ZoneOffset.UTC).toLocalDate();
  }

  /** The Monday starting the ISO week of {@code day}. */
  private static LocalDate week(LocalDate day) {
    return day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
  }
}
