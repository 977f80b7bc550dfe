package io.openmms.daemon.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.server.store.AppDatabase;
import io.openmms.testkit.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases in the application database (the embedded one), with a clock the test moves. */
class LeasesTest {
  @TempDir static Path dir;
  static AppDatabase db;
  final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
  final Leases a = new Leases(db, "a", clock, Duration.ofSeconds(60));
  final Leases b = new Leases(db, "b", clock, Duration.ofSeconds(60));

  @BeforeAll
  static void open() {
    db = AppDatabase.open(null, "openmms", dir, 0);
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void aHeldLeaseIsNotTakenUntilItExpiresAndTheOldHolderLearnsItLostIt() {
    Lease la = a.tryTake("bk1").orElseThrow();
    assertThat(la.held()).isTrue();
    assertThat(b.tryTake("bk1")).isEmpty();
    clock.advance(Duration.ofSeconds(40));
    assertThat(a.renew(la)).isTrue();
    clock.advance(Duration.ofSeconds(40)); // 80 s after the take, 40 s after the renewal
    assertThat(la.held()).isTrue();
    assertThat(b.tryTake("bk1")).isEmpty();
    clock.advance(Duration.ofSeconds(21)); // expired: a stopped renewing (it died or hung)
    assertThat(la.held()).isFalse();
    Lease lb = b.tryTake("bk1").orElseThrow();
    assertThat(a.renew(la)).isFalse();
    assertThat(la.lost()).isTrue();
    a.release(la); // a late release must not free b's lease
    assertThat(a.tryTake("bk1")).isEmpty();
    assertThat(lb.held()).isTrue();
  }

  @Test
  void aReleasedLeaseIsFreeAtOnceAndTakingOwnLeaseAgainExtendsIt() {
    Lease la = a.tryTake("bk2").orElseThrow();
    clock.advance(Duration.ofSeconds(30));
    Lease again = a.tryTake("bk2").orElseThrow();
    assertThat(again.validUntil()).isAfter(la.validUntil());
    a.release(again);
    assertThat(b.tryTake("bk2")).isPresent();
  }

  @Test
  void daemonsTakingAFreshLeaseAtOnceEndWithExactlyOneHolder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Leases l = new Leases(db, "racer" + i, clock, Duration.ofSeconds(60));
        results.add(pool.submit((Callable<Boolean>) () -> l.tryTake("bk3").isPresent()));
      }
      int winners = 0;
      for (Future<Boolean> f : results) {
        winners += f.get() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void liveDaemonsAreCountedUntilTheirRecordExpires() {
    Leases c = new Leases(db, "c", clock, Duration.ofSeconds(60));
    Leases d = new Leases(db, "d", clock, Duration.ofSeconds(60));
    clock.advance(Duration.ofDays(1)); // records of the other tests have expired
    c.heartbeat("h1");
    d.heartbeat("h2");
    assertThat(c.liveDaemons()).isEqualTo(2);
    d.signOff();
    assertThat(c.liveDaemons()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(61));
    assertThat(c.liveDaemons()).isEqualTo(1); // never less than the daemon asking
  }
}
