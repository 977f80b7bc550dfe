package io.openmms.blockstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The pack file layout of {@link FileBlockStore} (docs/blockstore-format.md, "Filesystem backend"):
 * sealed blocks back to back, then the trailer: one 44-byte entry per block (id, u64 offset,
 * u32 length), then a 16-byte tail (u32 count, u32 CRC32C of entries and count, magic "OMPK",
 * u32 version). All integers big-endian. A pack's file name is the SHA-256 of its bytes.
 */
final class PackFormat {
    static final byte[] MAGIC = {'O', 'M', 'P', 'K'};
    static final int VERSION = 1;
    static final int TAIL_BYTES = 16;

    private PackFormat() {
    }

    static Path path(Path packsDir, String packId) {
        return packsDir.resolve(packId.substring(0, 2)).resolve(packId);
    }

    static byte[] trailer(List<PackEntry> entries) {
        ByteBuffer b = ByteBuffer.allocate(entries.size() * PackEntry.BYTES + TAIL_BYTES);
        for (PackEntry e : entries) {
            e.id().writeTo(b);
            b.putLong(e.offset()).putInt(e.length());
        }
        b.putInt(entries.size());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).put(MAGIC).putInt(VERSION);
        return b.array();
    }

    /** The entries listed in the trailer of a pack of {@code size} bytes; throws if it is torn. */
    static List<PackEntry> readTrailer(FileChannel ch, long size, String name) throws IOException {
        if (size < TAIL_BYTES) {
            throw new IOException("pack " + name + ": " + size + " bytes, too short for a trailer");
        }
        ByteBuffer tail = readFully(ch, size - TAIL_BYTES, TAIL_BYTES);
        int count = tail.getInt(0);
        if (tail.get(8) != MAGIC[0] || tail.get(9) != MAGIC[1] || tail.get(10) != MAGIC[2] || tail.get(11) != MAGIC[3]
                || tail.getInt(12) != VERSION) {
            throw new IOException("pack " + name + ": no v" + VERSION + " trailer (torn or not a pack)");
        }
        long entriesBytes = (long) count * PackEntry.BYTES;
        if (count < 0 || entriesBytes > size - TAIL_BYTES) {
            throw new IOException("pack " + name + ": trailer count " + count + " does not fit the file");
        }
        ByteBuffer all = readFully(ch, size - TAIL_BYTES - entriesBytes, (int) entriesBytes + 4);
        CRC32C crc = new CRC32C();
        crc.update(all.array(), 0, all.capacity());
        if ((int) crc.getValue() != tail.getInt(4)) {
            throw new IOException("pack " + name + ": trailer checksum mismatch");
        }
        List<PackEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = i * PackEntry.BYTES;
            entries.add(new PackEntry(BlockId.fromBytes(all.array(), at), all.getLong(at + BlockId.BYTES),
                    all.getInt(at + BlockId.BYTES + 8)));
        }
        return entries;
    }

    static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int r = ch.read(b, position + b.position());
            if (r < 0) {
                throw new java.io.EOFException("read past the end at " + (position + b.position()));
            }
        }
        return b.flip();
    }
}
