package io.openmms.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;

class ReplicaSetStandInTest {

    @Test
    void driverDiscoversTheSetAndWritesToThePrimary() {
        try (ReplicaSetStandIn set = ReplicaSetStandIn.start("rs0", 3)) {
            MongoClient client = set.client();
            client.getDatabase("app").getCollection("things").insertOne(new Document("_id", 1).append("x", "a"));
            assertThat(client.getDatabase("app").getCollection("things").find().first()).containsEntry("x", "a");
            assertThat(client.getClusterDescription().getServerDescriptions()).hasSize(3);
        }
    }
}
