package io.openmms.testkit;

import static io.openmms.testkit.Direct.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.bson.Document;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void aWorkloadDrivesEveryOpcounterOfThePrimaryAtABoundedRate() throws InterruptedException {
        try (ReplicaSetStandIn set = ReplicaSetStandIn.start("busy", 3);
             Direct primary = new Direct(set.hosts().get(0))) {
            Document before = primary.serverStatus();
            long started = System.nanoTime();
            try (Workload workload = Workload.start(set.client(), "shop", 200)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> workload.operations() >= 100);
                long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
                assertThat(workload.operations()).isLessThanOrEqualTo(200 * (elapsedMillis + 1000) / 1000);
                assertThat(workload.failures()).isZero();
            }
            Document after = primary.serverStatus();

            for (String counter : new String[] {"insert", "query", "update", "delete", "getmore", "command"}) {
                assertThat(path(after, "opcounters." + counter) - path(before, "opcounters." + counter))
                    .as(counter).isPositive();
            }
            assertThat(set.client().getDatabase("shop").getCollection("workload").countDocuments()).isPositive();
        }
    }

    @Test
    void aWorkloadKeepsGoingThroughAStepDown() {
        try (ReplicaSetStandIn set = ReplicaSetStandIn.start("failover", 3);
             Workload workload = Workload.start(set.client(), "shop", 200)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> workload.operations() >= 20);

            set.stepDown();
            long atStepDown = workload.operations();

            await().atMost(Duration.ofSeconds(10)).until(() -> workload.operations() >= atStepDown + 50);
        }
    }
}
