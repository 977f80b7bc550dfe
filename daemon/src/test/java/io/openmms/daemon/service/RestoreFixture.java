package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.common.util.Json;
import io.openmms.daemon.restore.delivery.SshKeys;
import io.openmms.daemon.restore.dump.DumpCollection;
import io.openmms.daemon.restore.dump.DumpReader;
import io.openmms.server.store.Collections;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * A backed-up replica set for restore tests: a real server and daemon, a source copied by the
 * agent protocol (three collections with options, UUIDs and indexes; documents of many BSON
 * types), and what the source holds, kept by the test as the expected restore.
 */
final class RestoreFixture implements AutoCloseable {
  static final UUID ORDERS_UUID = UUID.fromString("5b1d2c3e-4f50-4a6b-8c7d-9e0f1a2b3c4d");
  static final String ID_INDEX = "{v: 2, key: {_id: 1}, name: '_id_'}";

  final BackupSite site;
  final BackupSite.Agent agent;
  final Path dir;
  BackupDaemon daemon;
  /** The source's documents per namespace, by _id. */
  final Map<String, Map<BsonValue, BsonDocument>> source = new TreeMap<>();
  final Map<String, String> options = new LinkedHashMap<>();

  RestoreFixture(Path dir, int orders) throws Exception {
    this(dir, orders, "{capped: true, size: 1048576}");
  }

  /**
   * {@code eventsOptions}: the options of shop.events (the MongoDB stand-in a direct restore
   * writes to cannot create capped collections).
   */
  RestoreFixture(Path dir, int orders, String eventsOptions) throws Exception {
    this.dir = dir;
    this.site = BackupSite.start(dir.resolve("server"));
    this.agent = site.startBackup("shop");
    agent.syncStart(100);
    agent.collectionWith("shop.orders", "{validator: {qty: {$gte: 0}}, validationLevel: 'moderate'}",
        ORDERS_UUID, ID_INDEX, "{v: 2, key: {sku: 1}, name: 'sku_1', unique: true}",
        "{v: 2, key: {customer: 1, placed: -1}, name: 'customer_1_placed_-1'}");
    agent.collectionWith("shop.events", eventsOptions, null, ID_INDEX);
    options.put("shop.events", eventsOptions);
    agent.collectionWith("crm.people", "{}", UUID.fromString("00000000-0000-4000-8000-000000000042"),
        ID_INDEX, "{v: 2, key: {email: 1}, name: 'email_1', sparse: true}");
    options.put("shop.orders", "{validator: {qty: {$gte: 0}}, validationLevel: 'moderate'}");
    List<BsonDocument> docs = new ArrayList<>();
    for (int i = 0; i < orders; i++) {
      docs.add(order(i));
      if (docs.size() == 500) {
        send("shop.orders", docs);
      }
    }
    send("shop.orders", docs);
    for (int i = 0; i < 40; i++) {
      docs.add(new BsonDocument("_id", new BsonObjectId(new ObjectId(1700000000 + i, 7)))
          .append("kind", new BsonString(i % 2 == 0 ? "view" : "buy")));
    }
    send("shop.events", docs);
    docs.add(BsonDocument.parse("{_id: 'ann', name: 'Ann', email: 'ann@example.com'}"));
    docs.add(BsonDocument.parse("{_id: 'bob', name: 'Bob', tags: ['a', 'b'], age: 41}"));
    send("crm.people", docs);
    agent.syncEnd(101);
  }

  /** An order with many BSON types; sku unique. */
  static BsonDocument order(int i) {
    return new BsonDocument("_id", new BsonInt32(i)).append("sku", new BsonString("sku-" + i))
        .append("customer", new BsonString("c" + (i % 17)))
        .append("placed", new BsonDateTime(1_700_000_000_000L + i * 1000L))
        .append("qty", new BsonInt64(i % 5)).append("price", new BsonDouble(i * 1.25))
        .append("total", new BsonDecimal128(Decimal128.parse(i + ".10")))
        .append("note", i % 3 == 0 ? new BsonNull() : new BsonString("n".repeat(i % 50)))
        .append("lines", new BsonArray(List.of(new BsonDocument("n", new BsonInt32(1)),
            new BsonDocument("n", new BsonInt32(2)))))
        .append("blob", new BsonBinary(new byte[] {(byte) i, 1, 2}));
  }

  private void send(String ns, List<BsonDocument> docs) throws Exception {
    if (docs.isEmpty()) {
      return;
    }
    agent.documents(ns, new ArrayList<>(docs));
    for (BsonDocument d : docs) {
      source.computeIfAbsent(ns, k -> new LinkedHashMap<>()).put(d.get("_id"), d);
    }
    docs.clear();
  }

  /**
   * An SFTP server on 127.0.0.1 (free port) serving {@code root}, its host key stored beside
   * it; {@code logins} decides which public keys may log in.
   */
  static SshServer sftpServer(Path root, PublickeyAuthenticator logins) throws IOException {
    SshServer sshd = SshServer.setUpDefaultServer();
    sshd.setHost("127.0.0.1");
    sshd.setPort(0);
    sshd.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(root.resolveSibling(
        "hostkey.ser")));
    sshd.setPublickeyAuthenticator(logins);
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
    sshd.setFileSystemFactory(new VirtualFileSystemFactory(root));
    sshd.start();
    return sshd;
  }

  /** The fingerprint of an {@link #sftpServer}'s host key, as delivery.hostKeyFingerprint. */
  static String hostKeyFingerprint(SshServer sshd) throws Exception {
    return SshKeys.fingerprint(sshd.getKeyPairProvider().loadKeys(null).iterator().next()
        .getPublic());
  }

  /** Starts the daemon and waits for the first snapshot; its id. */
  String startDaemon(Map<String, String> extra) throws Exception {
    daemon = BackupDaemon.start(site.daemonConfig(dir.resolve("daemon"), "d1", "5s", extra),
        Clock.systemUTC());
    return await().atMost(Duration.ofSeconds(60)).until(() -> site.api(snapshotsPath()),
        l -> l.get("totalCount").asInt() >= 1).get("results").get(0).get("id").asText();
  }

  String snapshotsPath() {
    return "/clusters/" + agent.backupId + "/snapshots";
  }

  String jobsPath() {
    return "/clusters/" + agent.backupId + "/restoreJobs";
  }

  /**
   * Records a daemon "ghost" that looks alive and has the block store, so that the service
   * accepts jobs while no real daemon runs (one started later, or the test's own
   * {@code RestoreService}, claims them).
   */
  void ghostDaemon() {
    site.server.database().collection(Collections.DAEMONS).insertOne(new Document("_id", "ghost")
        .append("host", "nowhere").append("expires", new Date(System.currentTimeMillis() + 60_000))
        .append("blockstores", List.of("default")));
  }

  /** POSTs a restore job; returns its JSON (asserting 201). */
  JsonNode restore(String body) throws Exception {
    HttpResponse<String> r = site.send("POST", jobsPath(), body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.mapper().readTree(r.body());
  }

  /** Waits until the job is no longer IN_PROGRESS. */
  JsonNode awaitEnd(String jobId) {
    return await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
        .until(() -> site.api(jobsPath() + "/" + jobId),
            j -> !j.get("statusName").asText().equals("IN_PROGRESS"));
  }

  HttpResponse<byte[]> download(String url, String range) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (range != null) {
      b.header("Range", range);
    }
    return BackupSite.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The restored content as the reader gives it: documents and metadata per namespace. */
  record Restored(Map<String, List<BsonDocument>> docs, Map<String, DumpCollection> meta) {}

  static Restored read(DumpReader r) throws Exception {
    Map<String, List<BsonDocument>> docs = new TreeMap<>();
    Map<String, DumpCollection> meta = new TreeMap<>();
    Optional<DumpCollection> c;
    while ((c = r.nextCollection()).isPresent()) {
      meta.put(c.get().ns(), c.get());
      List<BsonDocument> list = docs.computeIfAbsent(c.get().ns(), k -> new ArrayList<>());
      RawBsonDocument d;
      while ((d = r.nextDocument()) != null) {
        list.add(d.decode(new org.bson.codecs.BsonDocumentCodec()));
      }
    }
    return new Restored(docs, meta);
  }

  /** Asserts the restore equals the source document by document, with indexes and options. */
  void assertEqualsSource(Restored r) {
    assertThat(r.docs().keySet()).containsExactlyElementsOf(source.keySet());
    for (var e : source.entrySet()) {
      assertThat(byId(r.docs().get(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
    }
    DumpCollection orders = r.meta().get("shop.orders");
    assertThat(orders.uuid()).contains(ORDERS_UUID);
    assertThat(orders.options()).isEqualTo(BsonDocument.parse(options.get("shop.orders")));
    assertThat(orders.indexes()).extracting(i -> i.getString("name").getValue())
        .containsExactlyInAnyOrder("_id_", "sku_1", "customer_1_placed_-1");
    assertThat(orders.indexes()).filteredOn(i -> i.getString("name").getValue().equals("sku_1"))
        .singleElement().satisfies(i -> assertThat(i.getBoolean("unique").getValue()).isTrue());
    assertThat(r.meta().get("shop.events").options())
        .isEqualTo(BsonDocument.parse(options.get("shop.events")));
    assertThat(r.meta().get("crm.people").indexes()).hasSize(2);
  }

  static Map<BsonValue, BsonDocument> byId(List<BsonDocument> docs) {
    Map<BsonValue, BsonDocument> out = new LinkedHashMap<>();
    docs.forEach(d -> out.put(d.get("_id"), d));
    return out;
  }

  @Override
  public void close() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    site.close();
  }
}
