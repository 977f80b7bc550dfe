package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.bson.types.Binary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract against mongo-java-server in-process, through the official driver. */
class MongoBlockStoreTest extends BlockStoreContract {
    private static MongoServer server;
    private static MongoClient client;
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private String database;

    @BeforeAll
    static void startServer() {
        server = new MongoServer(new MemoryBackend());
        InetSocketAddress at = server.bind();
        client = MongoClients.create("mongodb://127.0.0.1:" + at.getPort());
    }

    @AfterAll
    static void stopServer() {
        client.close();
        server.shutdownNow();
    }

    @Override
    protected BlockStore open(BlockCodec codec) {
        database = "blockstore_" + DATABASES.incrementAndGet();
        return new MongoBlockStore(client, database, codec);
    }

    @Override
    protected BlockStore reopen(BlockStore old, BlockCodec codec) throws IOException {
        old.close();
        return new MongoBlockStore(client, database, codec);
    }

    @Override
    protected void damageStored(BlockStore store, BlockId id) {
        var blocks = client.getDatabase(database).getCollection(MongoBlockStore.COLLECTION);
        byte[] data = blocks.find(Filters.eq("_id", id.hex())).first().get("data", Binary.class).getData();
        data[data.length / 2] ^= 0x10;
        blocks.updateOne(Filters.eq("_id", id.hex()), Updates.set("data", new Binary(data)));
    }

    @Test
    void eachBlockIsOneDocumentWithItsIdDataAndSize() throws IOException {
        Block b = text("one document ", 100);
        long stored = store.put(b);
        Document doc = client.getDatabase(database).getCollection("blocks").find().first();
        assertThat(doc.getString("_id")).isEqualTo(b.id().hex());
        assertThat(doc.get("data", Binary.class).getData()).hasSize((int) stored);
        assertThat(doc.getInteger("size")).isEqualTo((int) stored);
    }

    @Test
    void aStoreOpenedFromAConnectionStringOwnsItsClient() throws IOException {
        String uri = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
        Block b = text("via uri ", 10);
        try (MongoBlockStore s = MongoBlockStore.open(uri, "blockstore_uri", BlockCodec.plain())) {
            s.put(b);
        }
        try (MongoBlockStore s = MongoBlockStore.open(uri, "blockstore_uri", BlockCodec.plain())) {
            assertThat(s.get(b.id())).isEqualTo(b.content());
        }
    }
}
