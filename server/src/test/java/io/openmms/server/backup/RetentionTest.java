package io.openmms.server.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.server.backup.Retention.Tier;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Ops Manager's retention tiers over months of simulated snapshots: what is left is what the
 * schedule promises, checked against an expectation computed from the calendar alone.
 */
class RetentionTest {
  /** A snapshot as the caller stores it: creation time, tiers, expiry. */
  record Snap(Instant created, Set<Tier> tiers, Instant expires) {}

  private static final Instant MONDAY_1ST = Instant.parse("2024-01-01T00:00:00Z");

  /**
   * Takes a snapshot every interval from {@code from} while the fake clock is before
   * {@code until}, classifying each against the previous one and deleting what expired after
   * each, as the service does.
   */
  private static List<Snap> simulate(Instant from, Instant until, SnapshotSchedule s) {
    List<Snap> kept = new ArrayList<>();
    Instant previous = null;
    for (Instant now = from; now.isBefore(until);
        now = now.plus(Duration.ofMinutes(s.snapshotIntervalMinutes()))) {
      Set<Tier> tiers = Retention.classify(now, previous, s);
      kept.add(new Snap(now, tiers, Retention.expires(now, tiers, s)));
      previous = now;
      expire(kept, s, now);
    }
    return kept;
  }

  /** Recomputes every expiry with {@code s} and deletes the expired (never the newest). */
  private static void expire(List<Snap> kept, SnapshotSchedule s, Instant now) {
    Snap newest = kept.get(kept.size() - 1);
    kept.replaceAll(p -> new Snap(p.created(), p.tiers(),
        Retention.expires(p.created(), p.tiers(), s)));
    kept.removeIf(p -> Retention.isExpired(p.expires(), p.created().equals(newest.created()),
        now));
  }

  /**
   * What a user of the schedule expects to find at {@code now}, for snapshots on a grid aligned
   * with midnight UTC: each is kept for the reasons it still has, from the calendar alone.
   */
  private static Set<Instant> expected(Instant from, Instant now, SnapshotSchedule s) {
    Set<Instant> out = new TreeSet<>();
    for (Instant t = from; !t.isAfter(now);
        t = t.plus(Duration.ofMinutes(s.snapshotIntervalMinutes()))) {
      if (!reasons(t, now, s).isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  private static Set<String> reasons(Instant t, Instant now, SnapshotSchedule s) {
    ZonedDateTime z = t.atZone(ZoneOffset.UTC);
    ZonedDateTime n = now.atZone(ZoneOffset.UTC);
    boolean midnight = z.toLocalTime().toSecondOfDay() == 0;
    Set<String> why = new TreeSet<>();
    if (z.plusDays(s.snapshotRetentionDays()).isAfter(n)) {
      why.add("recent");
    }
    if (midnight && z.plusDays(s.dailySnapshotRetentionDays()).isAfter(n)) {
      why.add("daily");
    }
    if (midnight && z.getDayOfWeek() == DayOfWeek.MONDAY
        && z.plusWeeks(s.weeklySnapshotRetentionWeeks()).isAfter(n)) {
      why.add("weekly");
    }
    if (midnight && z.getDayOfMonth() == 1
        && z.plusMonths(s.monthlySnapshotRetentionMonths()).isAfter(n)) {
      why.add("monthly");
    }
    return why;
  }

  private static List<Instant> created(List<Snap> snaps) {
    return snaps.stream().map(Snap::created).toList();
  }

  private static Instant utc(String t) {
    return Instant.parse(t);
  }

  @Test
  void fifteenMonthsOfSixHourlySnapshotsLeaveWhatOpsManagerUsersExpect() {
    SnapshotSchedule s = SnapshotSchedule.DEFAULT;
    Instant end = utc("2025-04-01T00:00:00Z");
    List<Snap> kept = simulate(MONDAY_1ST, end, s);
    Instant now = utc("2025-03-31T18:00:00Z"); // the last snapshot, a Monday evening

    // 8 six-hourly (the last 2 days) + 5 more dailies (7 days) + 3 more weeklies (4 weeks)
    // + 13 monthlies (2024-03-01 .. 2025-03-01)
    assertThat(created(kept)).containsExactlyElementsOf(expected(MONDAY_1ST, now, s));
    assertThat(kept).hasSize(29);
    assertThat(kept).allSatisfy(p -> assertThat(reasons(p.created(), now, s)).isNotEmpty());
    assertThat(created(kept).subList(kept.size() - 8, kept.size())).containsExactly(
        utc("2025-03-30T00:00:00Z"), utc("2025-03-30T06:00:00Z"), utc("2025-03-30T12:00:00Z"),
        utc("2025-03-30T18:00:00Z"), utc("2025-03-31T00:00:00Z"), utc("2025-03-31T06:00:00Z"),
        utc("2025-03-31T12:00:00Z"), utc("2025-03-31T18:00:00Z"));
    assertThat(created(kept)).filteredOn(t -> t.isBefore(utc("2025-03-30T00:00:00Z")))
        .filteredOn(t -> t.isAfter(utc("2025-03-10T00:00:00Z")))
        .containsExactly(utc("2025-03-17T00:00:00Z"), utc("2025-03-24T00:00:00Z"),
            utc("2025-03-25T00:00:00Z"),
            utc("2025-03-26T00:00:00Z"), utc("2025-03-27T00:00:00Z"),
            utc("2025-03-28T00:00:00Z"), utc("2025-03-29T00:00:00Z"));
    // the oldest is a monthly, and nothing older than 13 months survives
    Snap oldest = kept.get(0);
    assertThat(oldest.created()).isEqualTo(utc("2024-03-01T00:00:00Z"));
    assertThat(oldest.tiers()).contains(Tier.MONTHLY);
    assertThat(kept).filteredOn(p -> p.tiers().contains(Tier.MONTHLY)).hasSize(13);
  }

  @Test
  void theNewestSnapshotIsNeverExpiredWhenABackupStopsTakingSnapshots() {
    SnapshotSchedule s = SnapshotSchedule.DEFAULT;
    List<Snap> kept = simulate(MONDAY_1ST, utc("2024-06-01T00:00:00Z"), s);
    expire(kept, s, utc("2027-01-01T00:00:00Z"));
    assertThat(created(kept)).containsExactly(utc("2024-05-31T18:00:00Z"));
  }

  @Test
  void aReferenceHourMovesTheStartOfTheDayWeekAndMonth() {
    SnapshotSchedule s = SnapshotSchedule.DEFAULT.with(Map.of("referenceHourOfDay", 3));
    // 2024-04-01 is a Monday and the 1st; its day starts at 03:00, so 00:00 still belongs to
    // Sunday 2024-03-31 and the first snapshot of the new day, week and month is at 06:00
    assertThat(Retention.classify(utc("2024-04-01T00:00:00Z"), utc("2024-03-31T18:00:00Z"), s))
        .containsExactly(Tier.HOURLY);
    assertThat(Retention.classify(utc("2024-04-01T06:00:00Z"), utc("2024-04-01T00:00:00Z"), s))
        .containsExactly(Tier.HOURLY, Tier.DAILY, Tier.WEEKLY, Tier.MONTHLY);
    // by default midnight is the boundary
    assertThat(Retention.classify(utc("2024-04-01T00:00:00Z"), utc("2024-03-31T18:00:00Z"),
        SnapshotSchedule.DEFAULT))
        .containsExactly(Tier.HOURLY, Tier.DAILY, Tier.WEEKLY, Tier.MONTHLY);
    // minutes count too: a day from 05:30 starts with the 06:00 snapshot, not the 00:00 one
    SnapshotSchedule half = s.with(Map.of("referenceHourOfDay", 5, "referenceMinuteOfHour", 30));
    assertThat(Retention.classify(utc("2024-04-02T06:00:00Z"), utc("2024-04-02T00:00:00Z"), half))
        .containsExactly(Tier.HOURLY, Tier.DAILY);
    assertThat(Retention.classify(utc("2024-04-02T00:00:00Z"), utc("2024-04-01T18:00:00Z"), half))
        .containsExactly(Tier.HOURLY);

    // after three weeks, the kept dailies are the 06:00 snapshots
    List<Snap> kept = simulate(MONDAY_1ST, utc("2024-01-22T00:00:00Z"), s);
    // (the first snapshot is first of everything, and 01-01 06:00 starts a day, week and month)
    assertThat(created(kept)).filteredOn(t -> t.isBefore(utc("2024-01-20T00:00:00Z")))
        .containsExactly(utc("2024-01-01T00:00:00Z"), utc("2024-01-01T06:00:00Z"),
            utc("2024-01-08T06:00:00Z"), // weekly
            utc("2024-01-15T06:00:00Z"), utc("2024-01-16T06:00:00Z"),
            utc("2024-01-17T06:00:00Z"), utc("2024-01-18T06:00:00Z"),
            utc("2024-01-19T06:00:00Z")); // daily; the last 8 are the recent ones
    assertThat(kept).hasSize(8 + 8);
  }

  @Test
  void aFifteenMinuteIntervalKeepsOneDayOfSnapshotsAndTheDailies() {
    SnapshotSchedule s = SnapshotSchedule.DEFAULT.with(Map.of("snapshotIntervalHours", 0.25,
        "snapshotRetentionDays", 1));
    Instant end = utc("2024-01-11T00:00:00Z");
    List<Snap> kept = simulate(MONDAY_1ST, end, s);
    Instant now = utc("2024-01-10T23:45:00Z");
    // 96 of the last day, the dailies of 01-04 .. 01-09, and 01-01 (weekly, monthly)
    assertThat(created(kept)).containsExactlyElementsOf(expected(MONDAY_1ST, now, s));
    assertThat(kept).hasSize(96 + 6 + 1);
  }

  @Test
  void withTheDailyTierDisabledWeekliesAndMonthliesAreStillKept() {
    SnapshotSchedule s = SnapshotSchedule.DEFAULT.with(Map.of("dailySnapshotRetentionDays", 0));
    List<Snap> kept = simulate(MONDAY_1ST, utc("2025-04-01T00:00:00Z"), s);
    Instant now = utc("2025-03-31T18:00:00Z");
    // 8 six-hourly + weeklies 03-10, 03-17, 03-24 (03-31 is recent) + 13 monthlies
    assertThat(created(kept)).containsExactlyElementsOf(expected(MONDAY_1ST, now, s));
    assertThat(kept).hasSize(8 + 3 + 13);
    assertThat(created(kept)).doesNotContain(utc("2025-03-29T00:00:00Z"));
    assertThat(created(kept)).contains(utc("2025-03-10T00:00:00Z"), utc("2024-03-01T00:00:00Z"));
  }

  @Test
  void shorteningMonthlyRetentionDropsOlderMonthliesWhenExpiriesAreRecomputed() {
    List<Snap> kept = simulate(MONDAY_1ST, utc("2025-04-01T00:00:00Z"),
        SnapshotSchedule.DEFAULT);
    Instant now = utc("2025-03-31T18:00:00Z");
    SnapshotSchedule shorter = SnapshotSchedule.DEFAULT.with(
        Map.of("monthlySnapshotRetentionMonths", 3));
    expire(kept, shorter, now);
    assertThat(kept).hasSize(29 - 10);
    assertThat(kept).filteredOn(p -> p.tiers().contains(Tier.MONTHLY)).extracting(Snap::created)
        .containsExactly(utc("2025-01-01T00:00:00Z"), utc("2025-02-01T00:00:00Z"),
            utc("2025-03-01T00:00:00Z"));
    assertThat(created(kept)).containsExactlyElementsOf(expected(MONDAY_1ST, now, shorter));

    // lengthening it again cannot bring deleted snapshots back, but keeps the rest longer
    SnapshotSchedule longer = SnapshotSchedule.DEFAULT.with(
        Map.of("monthlySnapshotRetentionMonths", 36));
    expire(kept, longer, now);
    assertThat(kept).hasSize(19);
    assertThat(kept.get(0).expires()).isEqualTo(utc("2028-01-01T00:00:00Z"));
  }

  @Test
  void aSnapshotExpiresAfterTheLongestRetentionOfItsTiers() {
    SnapshotSchedule s = SnapshotSchedule.DEFAULT;
    Instant t = utc("2024-01-31T00:00:00Z");
    assertThat(Retention.expires(t, Set.of(Tier.HOURLY), s)).isEqualTo(utc("2024-02-02T00:00:00Z"));
    assertThat(Retention.expires(t, Set.of(Tier.HOURLY, Tier.DAILY), s))
        .isEqualTo(utc("2024-02-07T00:00:00Z"));
    assertThat(Retention.expires(t, Set.of(Tier.HOURLY, Tier.DAILY, Tier.WEEKLY), s))
        .isEqualTo(utc("2024-02-28T00:00:00Z"));
    // calendar months: 13 months after January 31st is the last day of February
    assertThat(Retention.expires(t, Set.of(Tier.HOURLY, Tier.DAILY, Tier.MONTHLY), s))
        .isEqualTo(utc("2025-02-28T00:00:00Z"));
    assertThat(Retention.isExpired(utc("2024-02-02T00:00:00Z"), false,
        utc("2024-02-02T00:00:00Z"))).isTrue();
    assertThat(Retention.isExpired(utc("2024-02-02T00:00:00Z"), true,
        utc("2024-02-02T00:00:00Z"))).isFalse();
    assertThat(Retention.isExpired(utc("2024-02-02T00:00:00Z"), false,
        utc("2024-02-01T23:59:59Z"))).isFalse();
  }
}
