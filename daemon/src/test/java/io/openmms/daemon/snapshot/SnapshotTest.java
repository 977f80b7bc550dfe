package io.openmms.daemon.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openmms.blockstore.BlockId;
import io.openmms.blockstore.BlockInfo;
import io.openmms.blockstore.BlockStore;
import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.HeadSnapshot;
import io.openmms.daemon.head.Namespace;
import io.openmms.server.backup.Snapshots;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Snapshots of a head into the filesystem block store: format, dedup, atomicity, verify, groom. */
class SnapshotTest {
  @TempDir Path dir;

  @Test
  void theStreamIsDeterministicAndReadsBackAsTheHeadsContent() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(3000)) {
      byte[] first = stream(site);
      assertThat(stream(site)).as("the same head content gives the same bytes").isEqualTo(first);

      Snapshots.Snapshot s = site.snapshot();
      assertThat(s.logicalSizeBytes()).isEqualTo(first.length);
      assertThat(s.ts()).isEqualTo(site.head.position().orElseThrow().ts());
      try (SnapshotStreamReader r = new SnapshotStreamReader(SnapshotInput.open(site.store(), s,
          2))) {
        List<String> names = new ArrayList<>();
        Optional<SnapshotStreamReader.CollectionHeader> c;
        while ((c = r.nextCollection()).isPresent()) {
          SnapshotStreamReader.CollectionHeader h = c.get();
          names.add(h.ns());
          CollectionInfo info = site.head.collection(Namespace.parse(h.ns())).orElseThrow();
          assertThat(h.options()).isEqualTo(info.options());
          assertThat(h.indexes()).isEqualTo(info.indexes());
          assertThat(h.uuid()).isEqualTo(info.uuid());
          List<RawBsonDocument> docs = new ArrayList<>();
          RawBsonDocument d;
          while ((d = r.nextDocument()) != null) {
            docs.add(d);
          }
          assertThat(docs).isEqualTo(site.head.scan(Namespace.parse(h.ns())).toList());
        }
        assertThat(r.ended()).isTrue();
        assertThat(names).containsExactly("logs.events", "shop.orders", "shop.users");
      }
      assertThat(s.collections()).extracting(Snapshots.Collection::count)
          .containsExactly(900L, 1500L, 600L);
      assertThat(site.verify(s).problems()).isEmpty();
    }
  }

  @Test
  void aSecondSnapshotAfterASmallChangeStoresOnlyAFewNewBytes() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(20_000)) {
      Snapshots.Snapshot first = site.snapshot();
      site.update(12_345, 1);
      Snapshots.Snapshot second = site.snapshot();
      assertThat(first.newStoredBytes()).isGreaterThan(first.logicalSizeBytes() / 4);
      // orders is patched: its base, then the changed document and the patch's framing
      assertThat(second.logicalSizeBytes()).isCloseTo(first.logicalSizeBytes(),
          org.assertj.core.data.Offset.offset(4096L));
      assertThat(second.newStoredBytes()).as("one document changed in %s bytes",
          first.logicalSizeBytes()).isLessThan(first.newStoredBytes() / 8);
      assertThat(second.ts()).isGreaterThan(first.ts());
      assertThat(site.verify(first).ok()).isTrue();
      assertThat(site.verify(second).ok()).isTrue();
    }
  }

  @Test
  void collectionsThatDidNotChangeReuseTheLastSnapshotsBlocksWithoutBeingRead() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(20_000)) {
      Snapshots.Snapshot first = site.snapshot();
      site.update(12_345, 1); // shop.orders only
      List<String> read = new ArrayList<>();
      Snapshots.Snapshot second;
      try (HeadSnapshot view = site.head.snapshot()) {
        second = site.service.take(site.backup, recordingScans(view, read), false);
      }
      assertThat(read).as("the changed collection is patched, the others reused: nothing is read")
          .isEmpty();
      assertThat(collection(second, "shop.orders").patched()).isTrue();
      List<BlockList.Ref> firstRefs = SnapshotInput.blocks(site.store(), first);
      List<BlockList.Ref> secondRefs = SnapshotInput.blocks(site.store(), second);
      for (String ns : List.of("logs.events", "shop.users")) {
        Snapshots.Collection a = collection(first, ns);
        Snapshots.Collection b = collection(second, ns);
        assertThat(b.contentTag()).isEqualTo(a.contentTag());
        assertThat(blocksOf(secondRefs, b)).as(ns).isNotEmpty()
            .isEqualTo(blocksOf(firstRefs, a));
        assertThat(List.of(b.count(), b.bytes(), b.sha256()))
            .isEqualTo(List.of(a.count(), a.bytes(), a.sha256()));
      }
      assertThat(collection(second, "shop.orders").contentTag())
          .isNotEqualTo(collection(first, "shop.orders").contentTag());
      assertThat(second.logicalSizeBytes()).isEqualTo(secondRefs.stream()
          .mapToLong(BlockList.Ref::length).sum());
      assertThat(second.newStoredBytes()).isLessThan(first.newStoredBytes() / 8);
      assertSnapshotHoldsTheHead(site, second);
      assertThat(site.verify(second).problems()).isEmpty();
    }
  }

  @Test
  void aReusableBlockThatIsNoLongerStoredIsWrittenAgainFromTheDocuments() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(20_000)) {
      Snapshots.Snapshot first = site.snapshot();
      List<BlockList.Ref> users = blocksOf(SnapshotInput.blocks(site.store(), first),
          collection(first, "shop.users"));
      BlockId lost = loseABlock(site, first, "shop.users");
      site.update(12_345, 1);
      List<String> read = new ArrayList<>();
      Snapshots.Snapshot second;
      try (HeadSnapshot view = site.head.snapshot()) {
        second = site.service.take(site.backup, recordingScans(view, read), false);
      }
      assertThat(read).as("users' lost block is read again; orders is patched")
          .containsExactly("shop.users");
      assertThat(site.store().exists(lost)).as("stored again").isTrue();
      assertThat(blocksOf(SnapshotInput.blocks(site.store(), second),
          collection(second, "shop.users"))).isEqualTo(users);
      assertSnapshotHoldsTheHead(site, second);
      assertThat(site.verify(second).problems()).isEmpty();
    }
  }

  @Test
  void aRenamedCollectionReusesItsBlocksUnderItsNewName() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(20_000)) {
      Snapshots.Snapshot first = site.snapshot();
      site.change(b -> b.renameCollection(SnapshotSite.USERS, Namespace.parse("shop.customers"),
          false));
      List<String> read = new ArrayList<>();
      Snapshots.Snapshot second;
      try (HeadSnapshot view = site.head.snapshot()) {
        second = site.service.take(site.backup, recordingScans(view, read), false);
      }
      assertThat(read).as("a rename moves the same documents: nothing is read").isEmpty();
      assertThat(second.collections()).extracting(Snapshots.Collection::ns)
          .containsExactly("logs.events", "shop.customers", "shop.orders");
      assertThat(blocksOf(SnapshotInput.blocks(site.store(), second),
          collection(second, "shop.customers"))).isEqualTo(blocksOf(SnapshotInput.blocks(
              site.store(), first), collection(first, "shop.users")));
      assertSnapshotHoldsTheHead(site, second);
      assertThat(site.verify(second).problems()).isEmpty();
    }
  }

  @Test
  void aCollectionWithFewChangesIsWrittenAsItsBaseBlocksAndAPatch() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(20_000)) {
      Snapshots.Snapshot first = site.snapshot();
      for (int i = 2; i < 400; i += 10) {
        site.update(i, 1); // 40 orders updated
      }
      site.change(b -> {
        b.delete(SnapshotSite.ORDERS, new org.bson.BsonInt32(12));
        b.delete(SnapshotSite.ORDERS, new org.bson.BsonInt32(-1)); // absent: nothing to delete
        b.put(SnapshotSite.ORDERS, site.document(-5, 0)); // before every base key
        b.put(SnapshotSite.ORDERS, site.document(50_003, 0)); // after them
      });
      List<String> read = new ArrayList<>();
      Snapshots.Snapshot second;
      try (HeadSnapshot view = site.head.snapshot()) {
        second = site.service.take(site.backup, recordingScans(view, read), false);
      }
      assertThat(read).as("no collection is read whole").isEmpty();
      Snapshots.Collection a = collection(first, "shop.orders");
      Snapshots.Collection b = collection(second, "shop.orders");
      assertThat(a.patched()).isFalse();
      assertThat(b.patched()).isTrue();
      assertThat(b.base().ts()).isEqualTo(first.ts());
      assertThat(b.base().count()).isEqualTo(a.count());
      assertThat(b.count()).isEqualTo(a.count() + 1).isEqualTo(site.head.count(SnapshotSite.ORDERS));
      assertThat(b.bytes()).isEqualTo(site.head.dataSize(SnapshotSite.ORDERS));
      List<BlockList.Ref> firstRefs = SnapshotInput.blocks(site.store(), first);
      List<BlockList.Ref> secondRefs = SnapshotInput.blocks(site.store(), second);
      assertThat(secondRefs.subList((int) b.firstBlock(), (int) (b.firstBlock()
          + b.base().blocks()))).as("the base is the first snapshot's blocks")
          .isEqualTo(blocksOf(firstRefs, a));
      assertThat(second.newStoredBytes()).as("40 updates, 2 inserts and a delete")
          .isLessThan(first.newStoredBytes() / 20);
      assertSnapshotHoldsTheHead(site, second);
      // reading it merges base and patch through two streams, yet fetches each block once
      java.util.Map<BlockId, Integer> fetched = new java.util.concurrent.ConcurrentHashMap<>();
      io.openmms.blockstore.BlockStore counting =
          new io.openmms.blockstore.ForwardingBlockStore(site.store()) {
            @Override
            public byte[] getSealed(BlockId id) throws java.io.IOException {
              fetched.merge(id, 1, Integer::sum);
              return super.getSealed(id);
            }
          };
      try (SnapshotStreamReader r = SnapshotInput.reader(counting, second, 0)) {
        while (r.nextCollection().isPresent()) {
          while (r.nextDocument() != null) {
            // read every document
          }
        }
      }
      java.util.Map<BlockId, Integer> inStream = new java.util.HashMap<>();
      secondRefs.forEach(ref -> inStream.merge(ref.id(), 1, Integer::sum));
      inStream.forEach((id, n) -> assertThat(fetched.get(id)).as(id.hex()).isEqualTo(n));
      assertThat(site.verify(second).problems()).isEmpty();
      assertThat(site.verify(first).problems()).isEmpty();
    }
  }

  @Test
  void patchesAreCumulativeUntilATenthChangedThenTheCollectionIsWrittenWhole() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(20_000)) {
      Snapshots.Snapshot first = site.snapshot();
      site.update(2, 1);
      Snapshots.Snapshot second = site.snapshot();
      SnapshotService.pruneChangeLogs(site.head, second);
      site.update(12, 1);
      Snapshots.Snapshot third = site.snapshot();
      SnapshotService.pruneChangeLogs(site.head, third);
      Snapshots.Collection c3 = collection(third, "shop.orders");
      assertThat(c3.patched()).isTrue();
      assertThat(c3.base().ts()).as("patched against the last full write, not the patch")
          .isEqualTo(first.ts());
      assertSnapshotHoldsTheHead(site, third);
      // exactly a tenth of the base's orders changed (orders 2 and 12 already): still a patch
      long limit = collection(first, "shop.orders").count() / 10;
      List<Integer> others = new ArrayList<>();
      for (int i = 22; others.size() < limit - 1; i++) {
        if (i % 10 >= 2 && i % 10 < 7) { // SnapshotSite puts these in orders
          others.add(i);
        }
      }
      site.change(batch -> others.subList(0, (int) limit - 2)
          .forEach(i -> batch.put(SnapshotSite.ORDERS, site.document(i, 2))));
      Snapshots.Snapshot atLimit = site.snapshot();
      SnapshotService.pruneChangeLogs(site.head, atLimit);
      assertThat(collection(atLimit, "shop.orders").patched()).isTrue();
      // one more: written whole, the new base
      site.update(others.get((int) limit - 2), 2);
      Snapshots.Snapshot fourth = site.snapshot();
      SnapshotService.pruneChangeLogs(site.head, fourth);
      Snapshots.Collection c4 = collection(fourth, "shop.orders");
      assertThat(c4.patched()).isFalse();
      assertThat(c4.base().ts()).isEqualTo(fourth.ts());
      assertThat(c4.sha256()).isNotNull();
      site.update(22, 3);
      Snapshots.Snapshot fifth = site.snapshot();
      assertThat(collection(fifth, "shop.orders").base().ts()).isEqualTo(fourth.ts());
      assertSnapshotHoldsTheHead(site, fifth);
      for (Snapshots.Snapshot s : List.of(first, second, third, atLimit, fourth, fifth)) {
        assertThat(site.verify(s).problems()).as(s.id()).isEmpty();
      }
    }
  }

  @Test
  void aBaseOlderThanThePrunedChangeLogIsNotPatchedOnto() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(20_000)) {
      Snapshots.Snapshot first = site.snapshot();
      site.update(2, 1);
      Snapshots.Snapshot second = site.snapshot();
      assertThat(collection(second, "shop.orders").patched()).isTrue();
      site.update(12, 2);
      Snapshots.Snapshot third = site.snapshot();
      // as if orders had been written whole in the third snapshot: the log forgets up to it
      site.head.pruneChanges(SnapshotSite.ORDERS,
          site.head.changeLog(SnapshotSite.ORDERS).orElseThrow().lineage(), third.ts());
      // the user deletes the newest snapshot: the previous one's base predates the pruned log,
      // though few documents changed since that base
      site.snapshots().delete(third.id());
      site.update(12, 3);
      Snapshots.Snapshot fourth = site.snapshot();
      Snapshots.Collection c = collection(fourth, "shop.orders");
      assertThat(c.patched()).as("the changes since %s are no longer all known", first.ts())
          .isFalse();
      assertSnapshotHoldsTheHead(site, fourth);
      assertThat(site.verify(fourth).problems()).isEmpty();
    }
  }

  @Test
  void aMissingBaseBlockMeansTheCollectionIsWrittenWhole() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(20_000)) {
      Snapshots.Snapshot first = site.snapshot();
      BlockId lost = loseABlock(site, first, "shop.orders");
      site.update(2, 1);
      Snapshots.Snapshot second = site.snapshot();
      assertThat(collection(second, "shop.orders").patched()).isFalse();
      assertThat(site.store().exists(lost)).as("stored again").isTrue();
      assertSnapshotHoldsTheHead(site, second);
      assertThat(site.verify(second).problems()).isEmpty();
    }
  }

  /** Deletes a block from the middle of {@code ns}'s blocks in {@code s}; its id. */
  private static BlockId loseABlock(SnapshotSite site, Snapshots.Snapshot s, String ns)
      throws Exception {
    List<BlockList.Ref> refs = blocksOf(SnapshotInput.blocks(site.store(), s), collection(s, ns));
    BlockId lost = refs.get(refs.size() / 2).id();
    site.store().delete(lost);
    return lost;
  }

  private static Snapshots.Collection collection(Snapshots.Snapshot s, String ns) {
    return s.collections().stream().filter(c -> c.ns().equals(ns)).findFirst().orElseThrow();
  }

  private static List<BlockList.Ref> blocksOf(List<BlockList.Ref> refs, Snapshots.Collection c) {
    return refs.subList((int) c.firstBlock(), (int) (c.firstBlock() + c.blocks()));
  }

  /** Every collection of {@code s} reads back as the head's documents, in order. */
  private static void assertSnapshotHoldsTheHead(SnapshotSite site, Snapshots.Snapshot s)
      throws Exception {
    try (SnapshotStreamReader r = SnapshotInput.reader(site.store(), s, 2)) {
      Optional<SnapshotStreamReader.CollectionHeader> c;
      int collections = 0;
      while ((c = r.nextCollection()).isPresent()) {
        collections++;
        List<RawBsonDocument> docs = new ArrayList<>();
        RawBsonDocument d;
        while ((d = r.nextDocument()) != null) {
          docs.add(d);
        }
        assertThat(docs).as(c.get().ns())
            .isEqualTo(site.head.scan(Namespace.parse(c.get().ns())).toList());
      }
      assertThat(collections).isEqualTo(3);
    }
  }

  /** {@code view}, noting each namespace whose documents are scanned. */
  private static io.openmms.daemon.head.HeadReader recordingScans(
      io.openmms.daemon.head.HeadReader view, List<String> scanned) {
    return new io.openmms.daemon.head.HeadReader() {
      @Override
      public Optional<io.openmms.daemon.head.OplogPosition> position() {
        return view.position();
      }

      @Override
      public io.openmms.daemon.head.HeadState state() {
        return view.state();
      }

      @Override
      public List<Namespace> namespaces() {
        return view.namespaces();
      }

      @Override
      public Optional<CollectionInfo> collection(Namespace ns) {
        return view.collection(ns);
      }

      @Override
      public Optional<RawBsonDocument> get(Namespace ns, org.bson.BsonValue id) {
        return view.get(ns, id);
      }

      @Override
      public io.openmms.daemon.head.DocumentCursor scan(Namespace ns) {
        scanned.add(ns.toString());
        return view.scan(ns);
      }

      @Override
      public Optional<String> contentTag(Namespace ns) {
        return view.contentTag(ns);
      }

      @Override
      public Optional<io.openmms.daemon.head.ChangeLog> changeLog(Namespace ns) {
        return view.changeLog(ns);
      }
    };
  }

  @ParameterizedTest
  @EnumSource(SnapshotWriter.Step.class)
  void aCrashAtAnyStepLeavesNoPartialSnapshotAndTheGroomReclaimsItsBlocks(
      SnapshotWriter.Step step) throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(8000)) {
      Snapshots.Snapshot good = site.snapshot();
      for (int i = 0; i < 8000; i += 47) {
        site.update(i, 2); // a few changes in every collection: patches
      }
      site.change(batch -> { // and a fifth of the orders: written whole
        for (int i = 2; i < 8000; i += 10) {
          batch.put(SnapshotSite.ORDERS, site.document(i, 3));
        }
      });
      try (HeadSnapshot view = site.head.snapshot()) {
        assertThatThrownBy(() -> site.service.take(site.backup, view, step))
            .hasMessageContaining("simulated crash");
      }
      List<Snapshots.Snapshot> visible = site.snapshots().list(site.backup.id());
      if (step == SnapshotWriter.Step.CLEANUP) {
        assertThat(visible).as("the manifest was written before the crash").hasSize(2);
      } else {
        assertThat(visible).as("no partial snapshot is visible").extracting(Snapshots.Snapshot::id)
            .containsExactly(good.id());
      }
      for (Snapshots.Snapshot s : visible) {
        assertThat(site.verify(s).problems()).isEmpty();
      }
      // the crashed writer's record keeps its blocks until it is stale
      site.clock.advance(Duration.ofMinutes(11));
      Groom.Result r = site.groom().run(site.stores.defaultStore(), SnapshotSite.GROUP)
          .orElseThrow();
      assertThat(referenced(site)).as("after the groom only referenced blocks remain")
          .isEqualTo(listed(site.store()));
      if (step != SnapshotWriter.Step.CLEANUP) {
        assertThat(r.blocksDeleted()).as("the orphans of the crashed snapshot").isPositive();
        assertThat(r.bytesReclaimed()).isPositive();
      }
      for (Snapshots.Snapshot s : site.snapshots().list(site.backup.id())) {
        assertThat(site.verify(s).problems()).isEmpty();
      }
      // and a snapshot taken after all that is whole
      assertThat(site.verify(site.snapshot()).problems()).isEmpty();
    }
  }

  @Test
  void aCorruptBlockAndAMissingBlockAreReportedByIdOffsetAndSnapshot() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(6000)) {
      Snapshots.Snapshot s = site.snapshot();
      List<BlockList.Ref> refs = SnapshotInput.blocks(site.store(), s);
      assertThat(refs.size()).isGreaterThanOrEqualTo(3);
      BlockId missing = refs.get(1).id();
      long missingOffset = refs.get(0).length();
      site.store().delete(missing);
      Verifier.Report report = site.verify(s);
      assertThat(report.ok()).isFalse();
      assertThat(report.problems()).singleElement().asString().contains(missing.hex(),
          "offset " + missingOffset, s.id());

      // flip one byte inside the pack holding the last block: its hash no longer matches
      site.store().close();
      try (Stream<Path> packs = Files.walk(dir.resolve("blocks"))) {
        for (Path p : packs.filter(f -> Files.isRegularFile(f)
            && f.getParent().getParent().getFileName().toString().equals("packs")).toList()) {
          byte[] b = Files.readAllBytes(p);
          for (int q = 1; q < 4; q++) {
            b[b.length * q / 4] ^= 0x5a;
          }
          Files.write(p, b);
        }
      }
      try (SnapshotStores fresh = new SnapshotStores(SnapshotStores.parse("main=file:blocks",
          dir), null, new java.security.SecureRandom())) {
        Verifier.Report again = new Verifier(0).verify(fresh.domainStore("main",
            SnapshotSite.GROUP), s);
        assertThat(again.problems()).hasSizeGreaterThanOrEqualTo(2)
            .anySatisfy(p -> assertThat(p).contains(missing.hex()))
            .anySatisfy(p -> assertThat(p).contains("SHA-256 mismatch").contains(s.id()));
      }
    }
  }

  @Test
  void aGroomDuringASnapshotKeepsEveryBlockTheSnapshotUses() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(12_000)) {
      Snapshots.Snapshot old = site.snapshot();
      site.snapshots().delete(old.id()); // its blocks are now unreferenced: groom candidates
      site.update(5, 3);
      BlockStore store = site.store();
      java.util.concurrent.CountDownLatch paused = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch resume = new java.util.concurrent.CountDownLatch(1);
      PausingStore pausing = new PausingStore(store, 3, paused, resume);
      SnapshotWriter writer = new SnapshotWriter(pausing, site.service.coordination(), 1,
          site.clock);
      java.util.concurrent.Future<Snapshots.Snapshot> written;
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newSingleThreadExecutor();
      try (HeadSnapshot view = site.head.snapshot()) {
        written = pool.submit(() -> writer.write(view, new SnapshotWriter.Plan("snap-during-groom",
            site.backup.id(), SnapshotSite.GROUP, "main", Set.of("HOURLY"),
            site.clock.instant().plus(Duration.ofDays(2)), false), site.snapshots()));
        assertThat(paused.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Groom.Result r = site.groom().run("main", SnapshotSite.GROUP).orElseThrow();
        assertThat(r.blocksDeleted()).as("the old snapshot's blocks the writer has not reached")
            .isPositive();
        resume.countDown();
        Snapshots.Snapshot s = written.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(site.verify(s).problems()).isEmpty();
        assertThat(site.snapshots().list(site.backup.id())).extracting(Snapshots.Snapshot::id)
            .containsExactly("snap-during-groom");
      } finally {
        resume.countDown();
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aGroomKilledMidSweepIsRunAgainAndEverySnapshotStaysWhole() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(8000)) {
      List<Snapshots.Snapshot> taken = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (int i = round; i < 8000; i += 40) {
          site.update(i, 10 + round);
        }
        taken.add(site.snapshot());
      }
      site.snapshots().delete(taken.get(0).id());
      long before = site.store().stats().storedBytes();
      assertThatThrownBy(() -> site.groom().failAfterDeletes(2).run("main", SnapshotSite.GROUP))
          .hasMessageContaining("simulated crash");
      for (Snapshots.Snapshot s : site.snapshots().list(site.backup.id())) {
        assertThat(site.verify(s).problems()).isEmpty();
      }
      site.clock.advance(Duration.ofMinutes(11)); // the killed groom's record goes stale
      Groom.Result r = site.groom().run("main", SnapshotSite.GROUP).orElseThrow();
      assertThat(r.blocksDeleted()).isPositive();
      assertThat(site.store().stats().storedBytes()).isLessThan(before);
      assertThat(referenced(site)).isEqualTo(listed(site.store()));
      for (Snapshots.Snapshot s : site.snapshots().list(site.backup.id())) {
        assertThat(site.verify(s).problems()).isEmpty();
      }
    }
  }

  @Test
  void aSecondGroomWhileOneRunsIsRefused() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(100)) {
      site.snapshot();
      Coordination c = site.service.coordination();
      Coordination.Groom g = c.beginGroom("main/" + SnapshotSite.GROUP, "other").orElseThrow();
      assertThat(site.groom().run("main", SnapshotSite.GROUP)).isEmpty();
      c.endGroom(g, new org.bson.Document());
      assertThat(site.groom().run("main", SnapshotSite.GROUP)).isPresent();
    }
  }

  private static byte[] stream(SnapshotSite site) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (HeadSnapshot view = site.head.snapshot()) {
      SnapshotStream.write(view, out);
    }
    return out.toByteArray();
  }

  static Set<BlockId> referenced(SnapshotSite site) throws Exception {
    Set<BlockId> out = new java.util.HashSet<>();
    for (Snapshots.Snapshot s : site.snapshots().list(site.backup.id())) {
      s.blockLists().forEach(h -> out.add(BlockId.parse(h)));
      SnapshotInput.blocks(site.store(), s).forEach(r -> out.add(r.id()));
    }
    return out;
  }

  static Set<BlockId> listed(BlockStore store) throws Exception {
    try (Stream<BlockInfo> all = store.list()) {
      return all.map(BlockInfo::id).collect(Collectors.toSet());
    }
  }
}
