package io.openmms.testkit;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

/** Driver clients the stand-ins hand to tests. */
final class Clients {
    private Clients() {}

    static MongoClient open(String connectionString) {
        return MongoClients.create(MongoClientSettings.builder()
            .applyConnectionString(new ConnectionString(connectionString))
            .applicationName("openmms-testkit")
            .build());
    }
}
