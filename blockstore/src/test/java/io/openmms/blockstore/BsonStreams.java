package io.openmms.blockstore;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.bson.types.ObjectId;

/**
 * Seeded, realistic-looking BSON document streams for the chunker measurement and tests: customer
 * records of about 700 bytes (strings from a word list, dates, numbers, a sub-document, arrays),
 * concatenated in _id order as a snapshot stream would hold them.
 */
final class BsonStreams {
    private static final String[] WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima "
            + "mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu order "
            + "customer invoice shipment pending delivered cancelled priority standard express warehouse berlin "
            + "paris london tokyo sydney toronto main street avenue road park lake hill river north south east west "
            + "green blue red black white small large medium premium basic gold silver account balance payment")
            .split(" ");
    private static final String[] STATUS = {"active", "inactive", "pending", "suspended"};

    private BsonStreams() {
    }

    static List<Document> customers(int n, long seed) {
        Random r = new Random(seed);
        List<Document> docs = new ArrayList<>(n);
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < n; i++) {
            long created = t0 + i * 60_000L + r.nextInt(60_000);
            List<Document> orders = new ArrayList<>();
            for (int k = r.nextInt(4); k > 0; k--) {
                orders.add(new Document("sku", "SKU-" + (10000 + r.nextInt(90000))).append("qty", 1 + r.nextInt(9))
                        .append("price", Math.round(r.nextDouble() * 50000) / 100.0));
            }
            List<String> tags = new ArrayList<>();
            for (int k = r.nextInt(5); k > 0; k--) {
                tags.add(word(r));
            }
            docs.add(new Document("_id", objectId((int) (created / 1000), i))
                    .append("customerId", 1_000_000L + i)
                    .append("name", cap(word(r)) + " " + cap(word(r)))
                    .append("email", word(r) + "." + word(r) + i + "@example.com")
                    .append("status", STATUS[r.nextInt(STATUS.length)])
                    .append("createdAt", new Date(created))
                    .append("updatedAt", new Date(created + r.nextInt(1_000_000)))
                    .append("balance", Math.round(r.nextGaussian() * 1e6) / 100.0)
                    .append("address", new Document("street", (1 + r.nextInt(300)) + " " + cap(word(r)) + " Street")
                            .append("city", cap(word(r))).append("zip", String.format("%05d", r.nextInt(100000)))
                            .append("country", r.nextBoolean() ? "DE" : "US"))
                    .append("tags", tags)
                    .append("orders", orders)
                    .append("notes", sentence(r, 5 + r.nextInt(50))));
        }
        return docs;
    }

    /** Updates {@code fraction} of the documents, picked by {@code pick}, as an application would. */
    static void update(List<Document> docs, double fraction, long seed, java.util.function.IntUnaryOperator pick) {
        Random r = new Random(seed);
        int n = (int) (docs.size() * fraction);
        for (int k = 0; k < n; k++) {
            Document d = docs.get(pick.applyAsInt(r.nextInt(docs.size())));
            d.put("balance", Math.round(r.nextGaussian() * 1e6) / 100.0);
            d.put("updatedAt", new Date(1_800_000_000_000L + r.nextInt(1_000_000)));
            if (r.nextBoolean()) {
                @SuppressWarnings("unchecked")
                List<String> tags = (List<String>) d.get("tags");
                tags.add(word(r));
            }
        }
    }

    /** A timestamp-first ObjectId with no per-process random part, so streams are reproducible. */
    private static ObjectId objectId(int seconds, int counter) {
        return new ObjectId(ByteBuffer.allocate(12).putInt(seconds).putInt(0x6f6d6d73).putInt(counter).array());
    }

    static byte[] encode(List<Document> docs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(docs.size() * 800);
        DocumentCodec codec = new DocumentCodec();
        for (Document d : docs) {
            ByteBuffer b = new RawBsonDocument(d, codec).getByteBuffer().asNIO();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private static String word(Random r) {
        return WORDS[r.nextInt(WORDS.length)];
    }

    private static String cap(String w) {
        return Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }

    private static String sentence(Random r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(word(r));
        }
        return sb.append('.').toString();
    }
}
