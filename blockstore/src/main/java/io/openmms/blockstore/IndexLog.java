package io.openmms.blockstore;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The filesystem backend's index: an append-only log of what packs hold (docs/blockstore-format.md,
 * "Index log"). After an 8-byte header ("OMIX", u32 version), records of
 * {@code u8 type, u32 length, payload, u32 CRC32C(type, length, payload)}:
 * PACK (a pack was added: its id, file length and live entries), DEAD (blocks were deleted) and
 * DROP (a pack was removed). Replay applies them in order; a torn or damaged record ends the log
 * and is cut off on open (it can only be the tail written during a crash). Guarded by the
 * store's lock.
 */
final class IndexLog implements Closeable {
    static final byte[] MAGIC = {'O', 'M', 'I', 'X'};
    static final int VERSION = 1;
    static final byte PACK = 1;
    static final byte DEAD = 2;
    static final byte DROP = 3;
    private static final HexFormat HEX = HexFormat.of();

    sealed interface Record permits Pack, Dead, Drop {
    }

    record Pack(String packId, long fileLength, List<PackEntry> entries) implements Record {
    }

    record Dead(List<BlockId> ids) implements Record {
    }

    record Drop(String packId) implements Record {
    }

    private final FileChannel ch;
    private long size;
    private int records;

    private IndexLog(FileChannel ch, long size, int records) {
        this.ch = ch;
        this.size = size;
        this.records = records;
    }

    /** Opens (creating) the log, hands every intact record to {@code replay}, cuts off a torn tail. */
    static IndexLog open(Path file, java.util.function.Consumer<Record> replay) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        long fileSize = ch.size();
        if (fileSize < 8) {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(header()), 0);
            ch.force(true);
            return new IndexLog(ch, 8, 0);
        }
        ByteBuffer h = PackFormat.readFully(ch, 0, 8);
        if (!java.util.Arrays.equals(java.util.Arrays.copyOf(h.array(), 4), MAGIC) || h.getInt(4) != VERSION) {
            ch.close();
            throw new IOException("index " + file + ": not a v" + VERSION + " blockstore index");
        }
        long pos = 8;
        int count = 0;
        while (true) {
            Record r = readRecord(ch, pos, fileSize);
            if (r == null) {
                break;
            }
            replay.accept(r);
            pos += 9 + payloadLength(ch, pos);
            count++;
        }
        if (pos < fileSize) {
            ch.truncate(pos);
            ch.force(true);
        }
        return new IndexLog(ch, pos, count);
    }

    private static byte[] header() {
        return ByteBuffer.allocate(8).put(MAGIC).putInt(VERSION).array();
    }

    private static int payloadLength(FileChannel ch, long pos) throws IOException {
        return PackFormat.readFully(ch, pos + 1, 4).getInt(0);
    }

    private static Record readRecord(FileChannel ch, long pos, long fileSize) throws IOException {
        if (fileSize - pos < 9) {
            return null;
        }
        ByteBuffer head = PackFormat.readFully(ch, pos, 5);
        int length = head.getInt(1);
        if (length < 0 || fileSize - pos - 9 < length) {
            return null;
        }
        ByteBuffer body = PackFormat.readFully(ch, pos, 5 + length + 4);
        CRC32C crc = new CRC32C();
        crc.update(body.array(), 0, 5 + length);
        if ((int) crc.getValue() != body.getInt(5 + length)) {
            return null;
        }
        return decode(head.get(0), ByteBuffer.wrap(body.array(), 5, length).slice());
    }

    private static Record decode(byte type, ByteBuffer p) {
        switch (type) {
            case PACK -> {
                String packId = readHex(p);
                long fileLength = p.getLong();
                int n = p.getInt();
                List<PackEntry> entries = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    entries.add(new PackEntry(readId(p), p.getLong(), p.getInt()));
                }
                return new Pack(packId, fileLength, entries);
            }
            case DEAD -> {
                int n = p.getInt();
                List<BlockId> ids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ids.add(readId(p));
                }
                return new Dead(ids);
            }
            case DROP -> {
                return new Drop(readHex(p));
            }
            default -> {
                return null;
            }
        }
    }

    private static BlockId readId(ByteBuffer p) {
        byte[] raw = new byte[BlockId.BYTES];
        p.get(raw);
        return BlockId.fromBytes(raw, 0);
    }

    private static String readHex(ByteBuffer p) {
        byte[] raw = new byte[BlockId.BYTES];
        p.get(raw);
        return HEX.formatHex(raw);
    }

    void appendPack(String packId, long fileLength, Collection<PackEntry> entries, boolean sync) throws IOException {
        ByteBuffer p = ByteBuffer.allocate(32 + 8 + 4 + entries.size() * PackEntry.BYTES);
        p.put(HEX.parseHex(packId)).putLong(fileLength).putInt(entries.size());
        for (PackEntry e : entries) {
            e.id().writeTo(p);
            p.putLong(e.offset()).putInt(e.length());
        }
        append(PACK, p.array(), sync);
    }

    void appendDead(Collection<BlockId> ids, boolean sync) throws IOException {
        ByteBuffer p = ByteBuffer.allocate(4 + ids.size() * BlockId.BYTES);
        p.putInt(ids.size());
        ids.forEach(id -> id.writeTo(p));
        append(DEAD, p.array(), sync);
    }

    void appendDrop(String packId, boolean sync) throws IOException {
        append(DROP, HEX.parseHex(packId), sync);
    }

    private void append(byte type, byte[] payload, boolean sync) throws IOException {
        byte[] rec = encode(type, payload);
        ByteBuffer b = ByteBuffer.wrap(rec);
        try {
            while (b.hasRemaining()) {
                ch.write(b, size + b.position());
            }
        } catch (IOException e) {
            ch.truncate(size);
            throw e;
        }
        size += rec.length;
        records++;
        if (sync) {
            ch.force(false);
        }
    }

    private static byte[] encode(byte type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put(type).putInt(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 5 + payload.length);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    void sync() throws IOException {
        ch.force(false);
    }

    int records() {
        return records;
    }

    /**
     * Replaces the log at {@code file} with one PACK record per live pack: written to a temporary
     * file, fsynced, renamed over the old log, directory fsynced. The caller reopens it.
     */
    static void rewrite(Path file, Collection<Pack> packs) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(header()));
            IndexLog log = new IndexLog(out, 8, 0);
            for (Pack p : packs) {
                log.appendPack(p.packId(), p.fileLength(), p.entries(), false);
            }
            out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        FileBlockStore.fsyncDirectory(file.getParent());
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
