package io.openmms.daemon.snapshot;

import io.openmms.blockstore.BlockId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordered list of a snapshot's stream blocks, stored as list blocks in the same block store
 * (docs/snapshot-format.md, "Block lists"): magic {@code "OMBL"}, version byte 1, a big-endian
 * int count, then per block its 32-byte id and its big-endian int length. A list block holds at
 * most {@link #PER_BLOCK} entries (about 1 MiB), so a manifest of any size stays small.
 */
public final class BlockList {
  /** One stream block: its id and content length. */
  public record Ref(BlockId id, int length) {}

  static final int PER_BLOCK = 29_000;
  private static final byte[] MAGIC = {'O', 'M', 'B', 'L'};
  private static final int ENTRY = BlockId.BYTES + 4;

  private BlockList() {}

  /** Encodes {@code refs} into list-block contents of at most {@link #PER_BLOCK} entries each. */
  public static List<byte[]> encode(List<Ref> refs) {
    List<byte[]> out = new ArrayList<>();
    for (int from = 0; from < refs.size() || from == 0; from += PER_BLOCK) {
      List<Ref> part = refs.subList(from, Math.min(refs.size(), from + PER_BLOCK));
      ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + 4 + part.size() * ENTRY);
      b.put(MAGIC).put((byte) 1).putInt(part.size());
      for (Ref r : part) {
        b.put(r.id().toBytes()).putInt(r.length());
      }
      out.add(b.array());
      if (refs.isEmpty()) {
        break;
      }
    }
    return out;
  }

  /** Decodes one list block; {@code what} names it in the error. */
  public static List<Ref> decode(byte[] content, String what) {
    ByteBuffer b = ByteBuffer.wrap(content);
    if (content.length < 9 || b.get() != 'O' || b.get() != 'M' || b.get() != 'B' || b.get() != 'L'
        || b.get() != 1) {
      throw new IllegalArgumentException(what + " is not a version 1 block list");
    }
    int n = b.getInt();
    if (n < 0 || content.length != 9 + (long) n * ENTRY) {
      throw new IllegalArgumentException(what + " declares " + n + " entries but holds "
          + content.length + " bytes");
    }
    List<Ref> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      BlockId id = BlockId.fromBytes(content, b.position());
      b.position(b.position() + BlockId.BYTES);
      int len = b.getInt();
      refs.add(new Ref(id, len));
    }
    return refs;
  }
}
