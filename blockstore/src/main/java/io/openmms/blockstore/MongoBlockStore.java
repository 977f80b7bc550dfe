package io.openmms.blockstore;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Projections.include;

import com.mongodb.ConnectionString;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bson.Document;
import org.bson.types.Binary;

/**
 * Blocks in a MongoDB database, one document per block (docs/blockstore-format.md, "MongoDB
 * backend"): {@code {_id: "<hex id>", data: BinData(0, sealed), size: <int>}} in the collection
 * {@code blocks}. A put is one insert; a duplicate key error means the block is already there.
 * Writes use the client's write concern, raised to {@code w: "majority"} when none is set, so a
 * put that returned is durable and {@link #flush()} has nothing to do. Thread-safe.
 */
public final class MongoBlockStore implements BlockStore {
    public static final String DEFAULT_DATABASE = "openmms_blockstore";
    public static final String COLLECTION = "blocks";
    private static final int LIST_BATCH = 1000;
    private static final int LOOKUP_BATCH = 1000;

    private final MongoClient client;
    private final boolean ownsClient;
    private final MongoCollection<Document> blocks;
    private final BlockCodec codec;
    private final String location;

    /** Uses {@code client} (which the caller keeps and closes) and {@code database}. */
    public MongoBlockStore(MongoClient client, String database, BlockCodec codec) {
        this(client, false, database, COLLECTION, codec);
    }

    /** Uses {@code client} (which the caller keeps and closes), {@code database} and {@code collection}. */
    public MongoBlockStore(MongoClient client, String database, String collection, BlockCodec codec) {
        this(client, false, database, collection, codec);
    }

    private MongoBlockStore(MongoClient client, boolean ownsClient, String database, String collection,
            BlockCodec codec) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.codec = codec;
        MongoCollection<Document> c = client.getDatabase(database).getCollection(collection);
        this.blocks = c.getWriteConcern().getWObject() == null ? c.withWriteConcern(WriteConcern.MAJORITY) : c;
        this.location = "mongodb:" + database + "." + collection;
    }

    /** Connects to {@code connectionString}; the store closes the client. */
    public static MongoBlockStore open(String connectionString, String database, BlockCodec codec) {
        ConnectionString cs;
        try {
            cs = new ConnectionString(connectionString);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("blockstore mongodb connection string: " + e.getMessage(), e);
        }
        return new MongoBlockStore(MongoClients.create(cs), true, database, COLLECTION, codec);
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public BlockCodec codec() {
        return codec;
    }

    @Override
    public long putSealed(BlockId id, byte[] sealed) throws IOException {
        Document doc = new Document("_id", id.hex()).append("data", new Binary(sealed)).append("size", sealed.length);
        try {
            blocks.insertOne(doc);
            return sealed.length;
        } catch (MongoWriteException e) {
            if (ErrorCategory.fromErrorCode(e.getError().getCode()) == ErrorCategory.DUPLICATE_KEY) {
                return 0;
            }
            throw Failures.wrap("inserting block " + id + " into " + location, e);
        } catch (MongoException e) {
            throw Failures.wrap("inserting block " + id + " into " + location, e);
        }
    }

    @Override
    public byte[] getSealed(BlockId id) throws IOException {
        Document doc;
        try {
            doc = blocks.find(eq("_id", id.hex())).first();
        } catch (MongoException e) {
            throw Failures.wrap("reading block " + id + " from " + location, e);
        }
        if (doc == null) {
            throw new MissingBlockException(id, location);
        }
        if (!(doc.get("data") instanceof Binary data)) {
            throw new CorruptBlockException(id, "document in " + location + " has no BinData field 'data'");
        }
        return data.getData();
    }

    @Override
    public boolean exists(BlockId id) throws IOException {
        try {
            return blocks.find(eq("_id", id.hex())).projection(include("_id")).first() != null;
        } catch (MongoException e) {
            throw Failures.wrap("looking up block " + id + " in " + location, e);
        }
    }

    /** One query per {@value #LOOKUP_BATCH} ids. */
    @Override
    public List<BlockId> missing(List<BlockId> ids) throws IOException {
        List<BlockId> out = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += LOOKUP_BATCH) {
            List<BlockId> batch = ids.subList(from, Math.min(ids.size(), from + LOOKUP_BATCH));
            Set<String> present = new HashSet<>();
            try {
                blocks.find(in("_id", batch.stream().map(BlockId::hex).toList()))
                        .projection(include("_id")).forEach(d -> present.add(d.getString("_id")));
            } catch (MongoException e) {
                throw Failures.wrap("looking up " + batch.size() + " blocks in " + location, e);
            }
            batch.stream().filter(id -> !present.contains(id.hex())).forEach(out::add);
        }
        return out;
    }

    @Override
    public boolean delete(BlockId id) throws IOException {
        try {
            return blocks.deleteOne(eq("_id", id.hex())).getDeletedCount() > 0;
        } catch (MongoException e) {
            throw Failures.wrap("deleting block " + id + " from " + location, e);
        }
    }

    @Override
    public Stream<BlockInfo> list() throws IOException {
        MongoCursor<Document> cursor;
        try {
            cursor = blocks.find().projection(include("size")).batchSize(LIST_BATCH).cursor();
        } catch (MongoException e) {
            throw Failures.wrap("listing " + location, e);
        }
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(cursor, Spliterator.NONNULL), false)
                .map(d -> new BlockInfo(BlockId.parse(d.getString("_id"), location + " _id"),
                        ((Number) d.get("size")).longValue()))
                .onClose(cursor::close);
    }

    @Override
    public StoreStats stats() throws IOException {
        try {
            Document total = blocks.aggregate(List.of(new Document("$group", new Document("_id", null)
                    .append("blocks", new Document("$sum", 1)).append("bytes", new Document("$sum", "$size")))))
                    .batchSize(1).first();
            return total == null ? new StoreStats(0, 0)
                    : new StoreStats(((Number) total.get("blocks")).longValue(), ((Number) total.get("bytes")).longValue());
        } catch (MongoException e) {
            throw Failures.wrap("summing " + location, e);
        }
    }

    @Override
    public void flush() {
        // every insert was acknowledged with the collection's write concern
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
