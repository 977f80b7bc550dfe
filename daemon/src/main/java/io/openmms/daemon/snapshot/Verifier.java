package io.openmms.daemon.snapshot;

import io.openmms.blockstore.BlockException;
import io.openmms.blockstore.BlockStore;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bson.RawBsonDocument;

/**
 * Checks a snapshot end to end (docs/snapshots.md, "Verify"): every block is read and verified by
 * the store, and the stream they form is parsed and compared with the manifest — collection
 * names and order, stream offsets, document counts and byte totals, the per-collection SHA-256,
 * and the logical size. When a block is bad, every block is then checked one by one so the
 * report names each bad block with its stream offset, not just the first.
 */
public final class Verifier {
  /** The outcome for one snapshot; {@code problems} is empty when it is intact. */
  public record Report(String snapshotId, String backupId, long blocks, long bytes,
      long documents, List<String> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private final int readAhead;

  public Verifier(int readAhead) {
    this.readAhead = readAhead;
  }

  public Report verify(BlockStore store, Snapshots.Snapshot s) {
    List<String> problems = new ArrayList<>();
    List<BlockList.Ref> refs;
    try {
      refs = SnapshotInput.blocks(store, s);
    } catch (IOException | RuntimeException e) {
      problems.add("block list unreadable: " + e.getMessage());
      return new Report(s.id(), s.backupId(), 0, 0, 0, problems);
    }
    long documents = 0;
    long bytes = 0;
    try (SnapshotInput in = new SnapshotInput(store, s.id(), refs, readAhead);
        SnapshotStreamReader r = new SnapshotStreamReader(in, in::at)) {
      Iterator<Snapshots.Collection> expected = s.collections().iterator();
      Optional<SnapshotStreamReader.CollectionHeader> c;
      long at = r.offset();
      while ((c = r.nextCollection()).isPresent()) {
        SnapshotStreamReader.CollectionHeader h = c.get();
        if (!expected.hasNext()) {
          problems.add("the stream holds collection " + h.ns() + " which the manifest lacks");
          break;
        }
        Snapshots.Collection m = expected.next();
        SnapshotStream.CollectionSum sum = new SnapshotStream.CollectionSum();
        RawBsonDocument d;
        while ((d = r.nextDocument()) != null) {
          sum.add(d, null);
        }
        documents += sum.count;
        Snapshots.Collection found = sum.toCollection(h.ns(), at);
        if (!m.ns().equals(h.ns())) {
          problems.add("the manifest lists " + m.ns() + " where the stream holds " + h.ns());
        } else if (!found.sameContent(m)) {
          problems.add(h.ns() + ": the stream gives " + found.count() + " documents, "
              + found.bytes() + " bytes, sha256 " + found.sha256() + " at offset " + at
              + "; the manifest says " + m.count() + ", " + m.bytes() + ", " + m.sha256()
              + " at " + m.offset());
        }
        at = r.offset();
      }
      if (expected.hasNext()) {
        problems.add("the manifest lists " + expected.next().ns() + " which the stream lacks");
      }
      bytes = r.offset();
      if (bytes != s.logicalSizeBytes()) {
        problems.add("the stream is " + bytes + " bytes; the manifest says "
            + s.logicalSizeBytes());
      }
    } catch (BlockException e) {
      problems.addAll(checkEachBlock(store, s, refs));
    } catch (IOException | RuntimeException e) {
      problems.add("the stream is malformed: " + e.getMessage());
    }
    return new Report(s.id(), s.backupId(), refs.size(), bytes, documents, problems);
  }

  /** Every bad block of {@code s}, with its stream offset. */
  private static List<String> checkEachBlock(BlockStore store, Snapshots.Snapshot s,
      List<BlockList.Ref> refs) {
    List<String> problems = new ArrayList<>();
    long offset = 0;
    for (BlockList.Ref r : refs) {
      try {
        byte[] b = store.get(r.id(), s.id());
        if (b.length != r.length()) {
          problems.add("block " + r.id().hex() + " at stream offset " + offset + " holds "
              + b.length + " bytes, the block list says " + r.length());
        }
      } catch (IOException | RuntimeException e) {
        problems.add("block " + r.id().hex() + " at stream offset " + offset + ": "
            + e.getMessage());
      }
      offset += r.length();
    }
    return problems;
  }
}
