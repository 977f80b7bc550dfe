package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.openmms.common.util.Json;
import io.openmms.daemon.restore.delivery.SshKeys;
import io.openmms.daemon.restore.dump.ArchiveDump;
import io.openmms.daemon.restore.dump.TarGzDump;
import io.openmms.server.backup.RestoreExpiry;
import io.openmms.server.backup.RestoreFiles;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.store.Collections;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.sshd.server.SshServer;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores through every delivery and format, end to end: a real server and daemon, an SFTP
 * server (Apache MINA SSHD) and a target MongoDB stand-in, all on loopback. What is restored must
 * equal the source document by document, with its indexes and collection options, and every job
 * must show a PASSED verification.
 */
class RestoreDeliveryTest {
  @TempDir Path dir;

  @Test
  void everyDeliveryAndFormatRestoresTheSourceDocumentByDocumentTwoJobsAtATime()
      throws Exception {
    Path sftpRoot = Files.createDirectories(dir.resolve("sftp"));
    Files.createDirectories(sftpRoot.resolve("restores"));
    KeyPair daemonKey = SshKeys.loadOrCreate(dir.resolve("daemon/keys/restore_key"));
    SshServer sshd = RestoreFixture.sftpServer(sftpRoot, (user, key, session) ->
        user.equals("restorer") && key.equals(daemonKey.getPublic()));
    MongoServer target = new MongoServer(new MemoryBackend());
    InetSocketAddress targetAddress = target.bind();
    try (RestoreFixture f = new RestoreFixture(dir, 1200, "{}");
        MongoClient client = MongoClients.create("mongodb://127.0.0.1:"
            + targetAddress.getPort())) {
      String snapshotId = f.startDaemon(Map.of());
      String fingerprint = RestoreFixture.hostKeyFingerprint(sshd);
      String scp = "\"targetHost\": \"127.0.0.1\", \"targetPort\": " + sshd.getPort()
          + ", \"username\": \"restorer\", \"targetDirectory\": \"/restores\","
          + " \"hostKeyFingerprint\": \"" + fingerprint + "\"";
      Map<String, String> bodies = new LinkedHashMap<>();
      for (String format : List.of("TAR_GZ", "ARCHIVE", "ARCHIVE_GZ")) {
        bodies.put("HTTP " + format, "{\"methodName\": \"HTTP\", \"format\": \"" + format
            + "\"}");
        bodies.put("SCP " + format, "{\"methodName\": \"SCP\", \"format\": \"" + format + "\", "
            + scp + "}");
      }
      bodies.put("AUTOMATED", "{\"methodName\": \"AUTOMATED_RESTORE\", \"targetConnectionString\":"
          + " \"mongodb://127.0.0.1:" + targetAddress.getPort() + "\", \"namespaceRemap\":"
          + " {\"shop\": \"shop_copy\", \"crm.people\": \"crm.contacts\"}}");
      Map<String, String> jobs = new LinkedHashMap<>();
      for (var e : bodies.entrySet()) {
        jobs.put(e.getKey(), f.restore("{\"snapshotId\": \"" + snapshotId + "\", \"delivery\": "
            + e.getValue() + "}").get("id").asText());
      }

      for (var e : jobs.entrySet()) {
        JsonNode job = f.awaitEnd(e.getValue());
        assertThat(job.get("statusName").asText()).as(e.getKey() + ": " + job).isEqualTo(
            "FINISHED");
        assertThat(job.get("verification").get("status").asText()).as(e.getKey())
            .isEqualTo("PASSED");
        String kind = e.getKey();
        byte[] file = null;
        if (kind.startsWith("HTTP")) {
          assertThat(job.get("delivery").get("statusName").asText()).isEqualTo("READY");
          file = f.download(job.get("delivery").get("url").asText(), null).body();
        } else if (kind.startsWith("SCP")) {
          file = Files.readAllBytes(sftpRoot.resolve("restores").resolve(job.get("file")
              .get("name").asText()));
        } else {
          assertTargetEqualsSource(f, client);
        }
        if (file != null) {
          f.assertEqualsSource(RestoreFixture.read(open(kind, file)));
        }
        if (kind.contains("ARCHIVE")) {
          // the source's version as monitoring reported it (BackupSite: 7.0.14)
          assertThat(archiveServerVersion(file, kind.endsWith("GZ"))).as(kind)
              .isEqualTo("7.0.14");
        }
      }
      try (var listing = Files.list(sftpRoot.resolve("restores"))) {
        assertThat(listing.map(p -> p.getFileName().toString()))
            .as("no partial files left").hasSize(3).noneMatch(n -> n.endsWith(".part"));
      }
      // the connection string (a secret) is gone from the finished job; its hosts remain
      JsonNode direct = f.site.api(f.jobsPath() + "/" + jobs.get("AUTOMATED"));
      assertThat(direct.get("delivery").toString()).doesNotContain("targetConnectionString")
          .contains("127.0.0.1:" + targetAddress.getPort());
      assertThat(f.site.server.database().collection(Collections.RESTORE_JOBS)
          .find(Filters.eq("_id", jobs.get("AUTOMATED"))).first().get("delivery", org.bson
          .Document.class)).doesNotContainKey("targetConnectionString");
    } finally {
      sshd.stop(true);
      target.shutdownNow();
    }
  }

  @Test
  void aSnapshotWithAPatchedCollectionRestoresTheSourceDocumentByDocument() throws Exception {
    MongoServer target = new MongoServer(new MemoryBackend());
    InetSocketAddress targetAddress = target.bind();
    try (RestoreFixture f = new RestoreFixture(dir, 1200, "{}");
        MongoClient client = MongoClients.create("mongodb://127.0.0.1:"
            + targetAddress.getPort())) {
      f.startDaemon(Map.of());
      // a few orders change after the first snapshot: an insert, a replacement, a delete
      BsonDocument inserted = RestoreFixture.order(5000);
      BsonDocument replaced = RestoreFixture.order(7).append("qty", new org.bson.BsonInt64(99));
      long wall = System.currentTimeMillis();
      f.agent.oplogEntries(List.of(
          oplog(200, 1, wall, new BsonDocument("op", new org.bson.BsonString("i"))
              .append("ns", new org.bson.BsonString("shop.orders")).append("o", inserted)),
          oplog(200, 2, wall, new BsonDocument("op", new org.bson.BsonString("u"))
              .append("ns", new org.bson.BsonString("shop.orders"))
              .append("o2", new BsonDocument("_id", new org.bson.BsonInt32(7)))
              .append("o", replaced)),
          oplog(201, 1, wall, new BsonDocument("op", new org.bson.BsonString("d"))
              .append("ns", new org.bson.BsonString("shop.orders"))
              .append("o", new BsonDocument("_id", new org.bson.BsonInt32(8))))));
      Map<BsonValue, BsonDocument> orders = f.source.get("shop.orders");
      orders.put(inserted.get("_id"), inserted);
      orders.put(replaced.get("_id"), replaced);
      orders.remove(new org.bson.BsonInt32(8));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> f.site.headStatus(f.agent.backupId).path("lastAppliedTs").toString()
              .contains("201"));
      assertThat(f.site.send("POST", f.snapshotsPath(), "{}").statusCode()).isEqualTo(202);
      JsonNode list = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
          .until(() -> f.site.api(f.snapshotsPath()), l -> l.get("totalCount").asInt() >= 2);
      JsonNode second = null;
      for (JsonNode s : list.get("results")) { // the one at the last entry's time, 201 s
        if (s.get("created").get("date").asText().equals("1970-01-01T00:03:21Z")) {
          second = s;
        }
      }
      assertThat(second).as(list.toString()).isNotNull();
      JsonNode ordersEntry = null;
      for (JsonNode c : second.get("collections")) {
        if (c.get("ns").asText().equals("shop.orders")) {
          ordersEntry = c;
        }
      }
      assertThat(ordersEntry.get("patched").asBoolean()).as(second.toString()).isTrue();
      assertThat(ordersEntry.get("count").asLong()).isEqualTo(orders.size());

      String id = second.get("id").asText();
      for (String format : List.of("TAR_GZ", "ARCHIVE")) {
        JsonNode job = f.awaitEnd(f.restore("{\"snapshotId\": \"" + id + "\", \"delivery\":"
            + " {\"methodName\": \"HTTP\", \"format\": \"" + format + "\"}}").get("id")
            .asText());
        assertThat(job.get("verification").get("status").asText()).as(format)
            .isEqualTo("PASSED");
        f.assertEqualsSource(RestoreFixture.read(open("HTTP " + format,
            f.download(job.get("delivery").get("url").asText(), null).body())));
      }
      JsonNode direct = f.awaitEnd(f.restore("{\"snapshotId\": \"" + id + "\", \"delivery\":"
          + " {\"methodName\": \"AUTOMATED_RESTORE\", \"targetConnectionString\":"
          + " \"mongodb://127.0.0.1:" + targetAddress.getPort() + "\", \"namespaceRemap\":"
          + " {\"shop\": \"shop_copy\", \"crm.people\": \"crm.contacts\"}}}").get("id").asText());
      assertThat(direct.get("statusName").asText()).as(direct.toString()).isEqualTo("FINISHED");
      assertTargetEqualsSource(f, client);
    } finally {
      target.shutdownNow();
    }
  }

  private static BsonDocument oplog(int seconds, int inc, long wall, BsonDocument entry) {
    return entry.append("ts", new org.bson.BsonTimestamp(seconds, inc))
        .append("t", new org.bson.BsonInt64(1))
        .append("wall", new org.bson.BsonDateTime(wall));
  }

  @Test
  void downloadLinksCountUsesResumeWithRangesAndExpire() throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 300)) {
      String snapshotId = f.startDaemon(Map.of());
      String twice = f.restore("{\"snapshotId\": \"" + snapshotId + "\", \"delivery\":"
          + " {\"methodName\": \"HTTP\", \"format\": \"ARCHIVE\", \"maxDownloads\": 2}}")
          .get("id").asText();
      String unused = f.restore("{\"snapshotId\": \"" + snapshotId + "\", \"delivery\":"
          + " {\"methodName\": \"HTTP\"}}").get("id").asText();
      String url = f.awaitEnd(twice).get("delivery").get("url").asText();
      String otherUrl = f.awaitEnd(unused).get("delivery").get("url").asText();

      // a resume before any download started is refused and uses nothing
      var early = f.download(otherUrl, "bytes=10-");
      assertThat(early.statusCode()).isEqualTo(416);
      assertThat(new String(early.body())).contains("DOWNLOAD_NOT_STARTED");

      var first = f.download(url, null);
      assertThat(first.statusCode()).isEqualTo(200);
      byte[] whole = first.body();
      assertThat(first.headers().firstValue("Accept-Ranges")).contains("bytes");
      var resumed = f.download(url, "bytes=1000-");
      assertThat(resumed.statusCode()).isEqualTo(206);
      assertThat(resumed.headers().firstValue("Content-Range"))
          .contains("bytes 1000-" + (whole.length - 1) + "/" + whole.length);
      assertThat(resumed.body()).isEqualTo(Arrays.copyOfRange(whole, 1000, whole.length));
      f.assertEqualsSource(RestoreFixture.read(ArchiveDump.read(new ByteArrayInputStream(whole),
          false)));
      assertThat(f.download(url, "bytes=" + whole.length + "-").statusCode()).isEqualTo(416);

      assertThat(f.download(url, null).statusCode()).isEqualTo(200);
      var third = f.download(url, null);
      assertThat(third.statusCode()).isEqualTo(410);
      assertThat(new String(third.body())).contains("MAX_DOWNLOADS_EXCEEDED");
      JsonNode used = f.site.api(f.jobsPath() + "/" + twice);
      assertThat(used.get("delivery").get("statusName").asText())
          .isEqualTo("MAX_DOWNLOADS_EXCEEDED");
      assertThat(used.get("delivery").path("url").isMissingNode()
          || used.get("delivery").get("url").isNull()).isTrue();

      // the unused link expires: refused, then its file is deleted and the job ends BROKEN
      var jobs = f.site.server.database().collection(Collections.RESTORE_JOBS);
      jobs.updateOne(Filters.eq("_id", unused), Updates.set("delivery.expires",
          new Date(System.currentTimeMillis() - 1000)));
      var expired = f.download(otherUrl, null);
      assertThat(expired.statusCode()).isEqualTo(410);
      assertThat(new String(expired.body())).contains("LINK_EXPIRED");
      RestoreJobs restoreJobs = new RestoreJobs(f.site.server.database(), Clock.systemUTC());
      RestoreFiles files = new RestoreFiles(f.site.server.database());
      assertThat(RestoreExpiry.run(restoreJobs, files)).isEqualTo(1);
      JsonNode after = f.site.api(f.jobsPath() + "/" + unused);
      assertThat(after.get("statusName").asText()).isEqualTo("BROKEN");
      assertThat(after.get("reason").asText()).contains("expired", "before it was used");
      assertThat(after.get("delivery").get("statusName").asText()).isEqualTo("EXPIRED");
      assertThat(f.site.server.database().collection(Collections.RESTORE_FILE_PARTS)
          .countDocuments(Filters.regex("_id", "^" + unused))).isZero();
      // the other job's file stays until its own link expires
      assertThat(f.site.server.database().collection(Collections.RESTORE_FILE_PARTS)
          .countDocuments(Filters.regex("_id", "^" + twice))).isPositive();

      var unknown = f.download(url.substring(0, url.lastIndexOf('/') + 1) + "0".repeat(64),
          null);
      assertThat(unknown.statusCode()).isEqualTo(404);
    }
  }

  /** The {@code server_version} of an archive's header (after the 4-byte magic number). */
  private static String archiveServerVersion(byte[] file, boolean gzip) throws Exception {
    byte[] archive = gzip ? new java.util.zip.GZIPInputStream(new ByteArrayInputStream(file))
        .readAllBytes() : file;
    int length = java.nio.ByteBuffer.wrap(archive, 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .getInt();
    return new RawBsonDocument(Arrays.copyOfRange(archive, 4, 4 + length))
        .getString("server_version").getValue();
  }

  private static io.openmms.daemon.restore.dump.DumpReader open(String kind, byte[] file)
      throws Exception {
    var in = new ByteArrayInputStream(file);
    if (kind.endsWith("TAR_GZ")) {
      return TarGzDump.read(in);
    }
    return ArchiveDump.read(in, kind.endsWith("ARCHIVE_GZ"));
  }

  /** The direct restore: remapped namespaces hold the source's documents and indexes. */
  private static void assertTargetEqualsSource(RestoreFixture f, MongoClient client) {
    Map<String, String> remapped = Map.of("shop.orders", "shop_copy.orders", "shop.events",
        "shop_copy.events", "crm.people", "crm.contacts");
    for (var e : f.source.entrySet()) {
      String[] t = remapped.get(e.getKey()).split("\\.", 2);
      MongoDatabase db = client.getDatabase(t[0]);
      List<BsonDocument> docs = new ArrayList<>();
      db.getCollection(t[1], RawBsonDocument.class).find().forEach(d -> docs.add(d.decode(
          new org.bson.codecs.BsonDocumentCodec())));
      Map<BsonValue, BsonDocument> byId = RestoreFixture.byId(docs);
      assertThat(byId).as(remapped.get(e.getKey())).isEqualTo(e.getValue());
    }
    List<String> indexes = new ArrayList<>();
    client.getDatabase("shop_copy").getCollection("orders").listIndexes()
        .forEach(i -> indexes.add(i.getString("name")));
    assertThat(indexes).contains("_id_", "sku_1");
    assertThat(client.getDatabase("shop").listCollectionNames()).as("nothing outside the remap")
        .isEmpty();
  }
}
