package io.openmms.testkit;

import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

/** A driver client connected straight to one stand-in process, as a monitoring agent connects. */
final class Direct implements AutoCloseable {

    final MongoClient client;

    Direct(String host) {
        this.client = MongoClients.create("mongodb://" + host + "/?directConnection=true&serverSelectionTimeoutMS=3000");
    }

    Document admin(String command) {
        return client.getDatabase("admin").runCommand(new Document(command, 1));
    }

    Document hello() {
        return admin("hello");
    }

    Document serverStatus() {
        return admin("serverStatus");
    }

    static Document hello(String host) {
        try (Direct direct = new Direct(host)) {
            return direct.hello();
        }
    }

    static long path(Document document, String dottedPath) {
        Object value = document;
        for (String key : dottedPath.split("\\.")) {
            value = ((Document) value).get(key);
        }
        return ((Number) value).longValue();
    }

    @Override
    public void close() {
        client.close();
    }
}
