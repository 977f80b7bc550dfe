package io.openmms.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RatesTest {
  @Test
  void steadyCounterGivesItsIncreasePerSecond() {
    var r = Rates.compute(Map.of("I", 1000L), 500L, Map.of("I", 1600L), 510L, 10_000);
    assertThat(r).containsEntry("I", 60.0);
  }

  @Test
  void processRestartUsesTheCountSinceTheRestartNotANegativeRate() {
    // restarted 4 s before the sample: the 80 operations happened in those 4 s
    var r = Rates.compute(Map.of("I", 1_000_000L), 500L, Map.of("I", 80L), 4L, 10_000);
    assertThat(r).containsEntry("I", 20.0);
  }

  @Test
  void counterResetWithoutRestartCountsFromZero() {
    var r = Rates.compute(Map.of("I", 5000L), 500L, Map.of("I", 100L), 510L, 10_000);
    assertThat(r).containsEntry("I", 10.0);
  }

  @Test
  void firstSampleOrNewCounterHasNoRate() {
    assertThat(Rates.compute(null, null, Map.of("I", 5L), 1L, 10_000)).isEmpty();
    assertThat(Rates.compute(Map.of(), 1L, Map.of("I", 5L), 11L, 10_000)).isEmpty();
  }
}
