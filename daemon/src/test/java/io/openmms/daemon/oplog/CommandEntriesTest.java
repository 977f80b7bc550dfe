package io.openmms.daemon.oplog;

import static io.openmms.daemon.oplog.Heads.batch;
import static io.openmms.daemon.oplog.Heads.doc;
import static io.openmms.daemon.oplog.Heads.docs;
import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command entries ({@code op: 'c'}, ns {@code <db>.$cmd}) in the shapes of
 * https://www.mongodb.com/docs/manual/reference/command/ and src/mongo/db/op_observer/op_observer_impl.cpp.
 */
class CommandEntriesTest {
  static final String UI = "UUID(\"5e0c6a91-1d2b-4c3d-8e4f-a0b1c2d3e4f5\")";

  @TempDir Path dir;
  RocksHead head;
  OplogApplier applier;
  int tick = 101;

  @BeforeEach
  void open() {
    head = Heads.steady(dir);
    applier = new OplogApplier(head);
  }

  @AfterEach
  void close() {
    head.close();
  }

  private ApplyResult apply(String... entriesWithoutTs) {
    String[] entries = new String[entriesWithoutTs.length];
    for (int i = 0; i < entries.length; i++) {
      entries[i] = entriesWithoutTs[i].replaceFirst("\\}$", ", ts: Timestamp(" + tick + ", " + (i + 1)
          + "), t: NumberLong(1), v: NumberLong(2), wall: ISODate('2026-11-01T00:00:00Z')}");
    }
    tick++;
    return applier.apply(batch(entries));
  }

  private CollectionInfo info(String ns) {
    return head.collection(Namespace.parse(ns)).orElseThrow();
  }

  @Test
  void createWithOptionsAndIdIndex() {
    apply("{op: 'c', ns: 'app.$cmd', ui: " + UI + ", o: {create: 'events', capped: true, size: NumberLong(4096),"
            + " max: 100, validator: {$jsonSchema: {required: ['at']}}, validationLevel: 'moderate',"
            + " collation: {locale: 'fr', strength: 2}, idIndex: {v: 2, key: {_id: 1}, name: '_id_'}}}",
        "{op: 'c', ns: 'app.$cmd', o: {create: 'weather', timeseries: {timeField: 'ts', metaField: 'm', granularity: 'hours'}}}",
        "{op: 'c', ns: 'app.$cmd', o: {create: 'clustered', clusteredIndex: {key: {_id: 1}, unique: true}}}");

    CollectionInfo events = info("app.events");
    assertThat(events.uuid()).contains(UUID.fromString("5e0c6a91-1d2b-4c3d-8e4f-a0b1c2d3e4f5"));
    assertThat(events.options()).isEqualTo(doc("{capped: true, size: NumberLong(4096), max: 100,"
        + " validator: {$jsonSchema: {required: ['at']}}, validationLevel: 'moderate', collation: {locale: 'fr', strength: 2}}"));
    assertThat(events.indexes()).containsExactly(doc("{v: 2, key: {_id: 1}, name: '_id_'}"));
    assertThat(info("app.weather").options().getDocument("timeseries").getString("granularity").getValue())
        .isEqualTo("hours");
    assertThat(info("app.clustered").indexes()).as("a clustered collection has no _id index").isEmpty();
    assertThat(head.namespaces()).extracting(Namespace::toString)
        .containsExactly("app.clustered", "app.events", "app.weather");
  }

  @Test
  void dropRemovesDocumentsAndARecreatedCollectionStartsEmpty() {
    apply("{op: 'i', ns: 'app.c', o: {_id: 1}}", "{op: 'c', ns: 'app.$cmd', o: {drop: 'c'}}");
    assertThat(head.collection(Namespace.parse("app.c"))).isEmpty();
    apply("{op: 'c', ns: 'app.$cmd', o: {create: 'c'}}");
    assertThat(docs(head, "app.c")).isEmpty();
    assertThat(info("app.c").count()).isZero();
  }

  @Test
  void renameCollectionKeepsDocumentsIndexesAndDropsTheTarget() {
    apply("{op: 'i', ns: 'app.src', o: {_id: 1, v: 'src'}}",
        "{op: 'c', ns: 'app.$cmd', o: {createIndexes: 'src', v: 2, key: {v: 1}, name: 'v_1'}}",
        "{op: 'i', ns: 'app.dst', o: {_id: 2, v: 'old target'}}",
        "{op: 'c', ns: 'admin.$cmd', ui: " + UI + ", o: {renameCollection: 'app.src', to: 'app.dst', stayTemp: false,"
            + " dropTarget: UUID(\"11111111-2222-4333-8444-555555555555\")}}",
        // and across databases, with a boolean dropTarget
        "{op: 'i', ns: 'app.other', o: {_id: 3}}",
        "{op: 'c', ns: 'admin.$cmd', o: {renameCollection: 'app.other', to: 'archive.other', stayTemp: false, dropTarget: false}}");

    assertThat(docs(head, "app.dst")).containsExactly(doc("{_id: 1, v: 'src'}"));
    assertThat(info("app.dst").indexNames()).containsExactly("_id_", "v_1");
    assertThat(docs(head, "archive.other")).containsExactly(doc("{_id: 3}"));
    assertThat(head.namespaces()).extracting(Namespace::toString).containsExactly("app.dst", "archive.other");
  }

  @Test
  void dropDatabaseDropsOnlyThatDatabase() {
    apply("{op: 'i', ns: 'app.a', o: {_id: 1}}", "{op: 'i', ns: 'app.b', o: {_id: 1}}",
        "{op: 'i', ns: 'apple.a', o: {_id: 1}}", "{op: 'c', ns: 'app.$cmd', o: {dropDatabase: 1}}");
    assertThat(head.namespaces()).extracting(Namespace::toString).containsExactly("apple.a");
  }

  @Test
  void createIndexesTwoPhaseBuildsAndDropIndexes() {
    apply("{op: 'c', ns: 'app.$cmd', ui: " + UI + ", o: {create: 'c', idIndex: {v: 2, key: {_id: 1}, name: '_id_'}}}",
        "{op: 'c', ns: 'app.$cmd', ui: " + UI + ", o: {createIndexes: 'c', v: 2, key: {a: 1}, name: 'a_1', unique: true}}",
        "{op: 'c', ns: 'app.$cmd', ui: " + UI + ", o: {startIndexBuild: 'c', indexBuildUUID: UUID(\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\"),"
            + " indexes: [{v: 2, key: {b: 1}, name: 'b_1'}, {v: 2, key: {c: -1}, name: 'c_-1', expireAfterSeconds: 60}]}}");
    assertThat(info("app.c").indexNames()).as("a started build is not an index yet").containsExactly("_id_", "a_1");

    apply("{op: 'c', ns: 'app.$cmd', ui: " + UI + ", o: {commitIndexBuild: 'c', indexBuildUUID: UUID(\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\"),"
        + " indexes: [{v: 2, key: {b: 1}, name: 'b_1'}, {v: 2, key: {c: -1}, name: 'c_-1', expireAfterSeconds: 60}]}}");
    assertThat(info("app.c").indexNames()).containsExactly("_id_", "a_1", "b_1", "c_-1");
    assertThat(info("app.c").index("a_1")).contains(doc("{v: 2, key: {a: 1}, name: 'a_1', unique: true}"));

    apply("{op: 'c', ns: 'app.$cmd', ui: " + UI + ", o: {dropIndexes: 'c', index: 'a_1'}, o2: {v: 2, key: {a: 1}, name: 'a_1', unique: true}}");
    assertThat(info("app.c").indexNames()).containsExactly("_id_", "b_1", "c_-1");
    apply("{op: 'c', ns: 'app.$cmd', o: {dropIndexes: 'c', index: '*'}}");
    assertThat(info("app.c").indexNames()).as("* keeps _id_").containsExactly("_id_");
  }

  @Test
  void collModUpdatesOptionsAndIndexSpecs() {
    apply("{op: 'c', ns: 'app.$cmd', o: {create: 'c', capped: true, size: 1000, validator: {a: {$exists: true}}}}",
        "{op: 'c', ns: 'app.$cmd', o: {createIndexes: 'c', v: 2, key: {at: 1}, name: 'at_1', expireAfterSeconds: 10}}",
        "{op: 'c', ns: 'app.$cmd', ui: " + UI + ", o: {collMod: 'c', validator: {b: {$exists: true}}, validationAction: 'warn',"
            + " index: {name: 'at_1', expireAfterSeconds: 3600}},"
            + " o2: {collectionOptions_old: {uuid: " + UI + ", validator: {a: {$exists: true}}}}}",
        "{op: 'c', ns: 'app.$cmd', o: {collMod: 'c', cappedSize: 2000, index: {keyPattern: {at: 1}, hidden: true}}}");

    CollectionInfo c = info("app.c");
    assertThat(c.options()).isEqualTo(doc("{capped: true, size: 2000, validator: {b: {$exists: true}}, validationAction: 'warn'}"));
    assertThat(c.index("at_1")).contains(doc("{v: 2, key: {at: 1}, name: 'at_1', expireAfterSeconds: 3600, hidden: true}"));
  }

  @Test
  void applyOpsAppliesItsNestedEntriesInOrder() {
    apply("{op: 'c', ns: 'admin.$cmd', o: {applyOps: ["
        + "{op: 'i', ns: 'app.c', ui: " + UI + ", o: {_id: 1, n: 1}},"
        + "{op: 'u', ns: 'app.c', ui: " + UI + ", o: {$v: 2, diff: {u: {n: 2}}}, o2: {_id: 1}},"
        + "{op: 'i', ns: 'app.c', ui: " + UI + ", o: {_id: 2}},"
        + "{op: 'd', ns: 'app.c', ui: " + UI + ", o: {_id: 2}},"
        + "{op: 'c', ns: 'app.$cmd', o: {create: 'd'}}]}}");
    assertThat(docs(head, "app.c")).containsExactly(doc("{_id: 1, n: 2}"));
    assertThat(head.collection(Namespace.parse("app.d"))).isPresent();
  }
}
