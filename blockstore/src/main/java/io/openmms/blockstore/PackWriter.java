package io.openmms.blockstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The pack being filled: a temporary file that sealed blocks are appended to. A failed append is
 * cut back off, so the file only ever holds whole blocks. {@link #finish} writes the trailer and
 * fsyncs; the caller then renames the file to its pack id. Guarded by the store's lock, except
 * {@link #read}, which may run concurrently.
 */
final class PackWriter {
    private final Path file;
    private final FileChannel ch;
    private final MessageDigest sha = BlockId.sha256();
    private final List<PackEntry> entries = new ArrayList<>();
    private long size;
    private boolean broken;

    PackWriter(Path file) throws IOException {
        this.file = file;
        this.ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
    }

    /** Appends a sealed block and returns its offset. */
    long append(BlockId id, byte[] sealed) throws IOException {
        long offset = size;
        try {
            writeFully(sealed, offset);
        } catch (IOException e) {
            try {
                ch.truncate(offset);
            } catch (IOException | RuntimeException t) {
                broken = true;
                e.addSuppressed(t);
            }
            throw e;
        }
        sha.update(sealed);
        size += sealed.length;
        entries.add(new PackEntry(id, offset, sealed.length));
        return offset;
    }

    private void writeFully(byte[] bytes, long position) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b, position + b.position());
        }
    }

    byte[] read(long offset, int length) throws IOException {
        return PackFormat.readFully(ch, offset, length).array();
    }

    /** True when a failed append could not be cut off: the file may hold a partial block. */
    boolean broken() {
        return broken;
    }

    long size() {
        return size;
    }

    List<PackEntry> entries() {
        return entries;
    }

    Path file() {
        return file;
    }

    /** Writes the trailer, fsyncs and closes; returns the pack id (SHA-256 of the file) in hex. */
    String finish() throws IOException {
        byte[] trailer = PackFormat.trailer(entries);
        writeFully(trailer, size);
        sha.update(trailer);
        size += trailer.length;
        ch.force(true);
        ch.close();
        return HexFormat.of().formatHex(sha.digest());
    }

    void abort() {
        try {
            ch.close();
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the temporary directory is emptied on the next open
        }
    }
}
