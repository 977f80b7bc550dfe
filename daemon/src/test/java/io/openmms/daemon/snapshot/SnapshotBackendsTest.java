package io.openmms.daemon.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.openmms.blockstore.S3BlockStore;
import io.openmms.blockstore.BlockCodec;
import io.openmms.server.backup.Snapshots;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.BlobStores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same snapshot life cycle on each backend, configured as an operator would in
 * daemon.blockstores: a MongoDB blockstore database (a stand-in server), the filesystem and S3
 * (S3Proxy in-process). Plus per-group encryption and the wrong-key error.
 */
class SnapshotBackendsTest {
  private static final String ACCESS = "openmms-test";
  private static final String SECRET = "openmms-test-secret";
  private static MongoServer mongo;
  private static S3Proxy s3;

  @TempDir Path dir;

  @BeforeAll
  static void startBackends() throws Exception {
    mongo = new MongoServer(new MemoryBackend());
    mongo.bind(new InetSocketAddress("127.0.0.1", 0));
    s3 = S3Proxy.builder().blobStore(BlobStores.create("transient", new Properties()))
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET).build();
    s3.start();
    for (int i = 0; i < 100 && !"STARTED".equals(s3.getState()); i++) {
      Thread.sleep(20);
    }
    try (S3BlockStore st = S3BlockStore.open(new S3BlockStore.Config(URI.create(endpoint()),
        "us-east-1", "snapshots", "", ACCESS, SECRET), BlockCodec.plain())) {
      st.client().createBucket(r -> r.bucket("snapshots"));
    }
  }

  @AfterAll
  static void stopBackends() throws Exception {
    mongo.shutdownNow();
    s3.stop();
  }

  private static String endpoint() {
    return "http://127.0.0.1:" + s3.getPort();
  }

  private static String location(String backend) {
    return switch (backend) {
      case "file" -> "file:blocks";
      case "mongodb" -> "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort()
          + "/openmms_blockstore";
      case "s3" -> "s3://snapshots/openmms?endpoint=" + endpoint() + "&region=us-east-1"
          + "&accessKey=" + ACCESS + "&secretKey=" + SECRET;
      default -> throw new IllegalArgumentException(backend);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "mongodb", "s3"})
  void snapshotsDeduplicateVerifyAndAreGroomedOnEveryBackend(String backend) throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir, "main=" + location(backend), null)
        .seed(6000)) {
      Snapshots.Snapshot first = site.snapshot();
      site.update(100, 1);
      Snapshots.Snapshot second = site.snapshot();
      assertThat(second.newStoredBytes()).isLessThan(first.newStoredBytes() / 2);
      assertThat(site.verify(first).problems()).isEmpty();
      assertThat(site.verify(second).problems()).isEmpty();
      assertThat(site.store().location()).contains(SnapshotSite.GROUP);

      site.snapshots().delete(first.id());
      Groom.Result r = site.groom().run("main", SnapshotSite.GROUP).orElseThrow();
      assertThat(r.blocksDeleted()).as("the first snapshot's blocks the second does not share")
          .isPositive();
      assertThat(SnapshotTest.listed(site.store())).isEqualTo(SnapshotTest.referenced(site));
      assertThat(site.verify(second).problems()).isEmpty();
    }
  }

  @Test
  void aGroupKeyEncryptsItsBlocksAndAnotherKeyIsAClearError() throws Exception {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(keys.resolve(SnapshotSite.GROUP + ".key"),
        Base64.getEncoder().encodeToString(key));
    Snapshots.Snapshot s;
    try (SnapshotSite site = new SnapshotSite(dir, "main=file:blocks", keys).seed(3000)) {
      s = site.snapshot();
      assertThat(site.verify(s).problems()).isEmpty();
    }
    // the packs hold no plaintext
    try (var files = Files.walk(dir.resolve("blocks"))) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1))
            .doesNotContain("@example.com");
      }
    }
    new SecureRandom().nextBytes(key);
    Files.writeString(keys.resolve(SnapshotSite.GROUP + ".key"),
        Base64.getEncoder().encodeToString(key));
    try (SnapshotStores other = new SnapshotStores(SnapshotStores.parse("main=file:blocks", dir),
        keys, new SecureRandom())) {
      Verifier.Report r = new Verifier(0).verify(other.domainStore("main", SnapshotSite.GROUP), s);
      assertThat(r.problems()).singleElement().asString().contains("group:" + SnapshotSite.GROUP)
          .containsIgnoringCase("key");
    }
    Files.writeString(keys.resolve(SnapshotSite.GROUP + ".key"), "not base64!");
    try (SnapshotStores broken = new SnapshotStores(SnapshotStores.parse("main=file:blocks",
        dir), keys, new SecureRandom())) {
      assertThatThrownBy(() -> broken.domainStore("main", SnapshotSite.GROUP))
          .hasMessageContaining(SnapshotSite.GROUP + ".key").hasMessageContaining("base64");
    }
  }

  @Test
  void badStoreConfigurationsAreClearErrors() {
    assertThatThrownBy(() -> SnapshotStores.parse("main", dir))
        .hasMessageContaining("name=location");
    assertThatThrownBy(() -> SnapshotStores.parse("main=ftp://x", dir))
        .hasMessageContaining("file:, mongodb://");
    assertThatThrownBy(() -> SnapshotStores.parse("a=file:x,a=file:y", dir))
        .hasMessageContaining("configured twice");
    assertThatThrownBy(() -> SnapshotStores.parse("s=s3://bucket/p?secretKey=hunter2", dir))
        .hasMessageContaining("endpoint").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> SnapshotStores.parse("m=mongodb://h:notaport/db", dir))
        .hasMessageContaining("connection string");
    assertThat(SnapshotStores.parse("a=file:x, b=file:/abs/y", dir))
        .extracting(SnapshotStores.StoreConfig::location)
        .containsExactly("file:" + dir.resolve("x"), "file:/abs/y");
  }
}
