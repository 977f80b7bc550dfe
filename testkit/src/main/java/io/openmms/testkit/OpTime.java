package io.openmms.testkit;

import java.time.Duration;
import java.time.Instant;

import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;

/**
 * A replication position as MongoDB reports it: the oplog timestamp, the election term that wrote
 * it and the wall-clock time of the write.
 */
record OpTime(BsonTimestamp ts, long term, Instant wall) {

    /** The position a member that is {@code lag} behind would report; the same position for a zero lag. */
    OpTime minus(Duration lag) {
        if (lag.isZero() || lag.isNegative()) {
            return this;
        }
        Instant lagged = wall.minus(lag);
        return new OpTime(new BsonTimestamp(lagged, ts.getInc()), term, lagged);
    }

    /** The {@code {ts, t}} sub-document used by hello, replSetGetStatus and the oplog. */
    Document toDocument() {
        return new Document("ts", ts).append("t", term);
    }
}
