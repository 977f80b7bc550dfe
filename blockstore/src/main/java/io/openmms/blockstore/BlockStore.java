package io.openmms.blockstore;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Content-addressed storage of blocks (SPEC §2, docs/blockstore-format.md). A block is stored at
 * most once under its {@link BlockId}; its bytes are sealed by the store's {@link BlockCodec}.
 *
 * <p>Two levels: {@link #put}/{@link #get} take and return content, sealing on the way in and
 * verifying on the way out (every read decompresses, decrypts and checks the SHA-256). The
 * sealed level ({@link #putSealed}/{@link #getSealed}) moves envelopes unchecked; it exists for
 * copying between stores and for wrappers such as retry or fault injection.
 *
 * <p>Visibility and durability: a block is visible to {@link #get} and {@link #exists} as soon as
 * {@code put} returns; it is durable once {@link #flush()} returns (for backends that write each
 * block through, put already made it durable). A caller flushes before it writes anything that
 * references the block (a snapshot manifest). A put that throws leaves no visible block.
 *
 * <p>One store holds the blocks of one key domain: its codec's write key, plus older keys to read.
 * Implementations are thread-safe.
 */
public interface BlockStore extends Closeable {

    /** Where the store lives, for messages: "file:/var/openmms/blocks", "s3://bucket/prefix". */
    String location();

    BlockCodec codec();

    /**
     * Stores {@code block} unless a block with its id is present.
     * @return the sealed bytes written, 0 when the block was already there
     */
    default long put(Block block) throws IOException {
        if (exists(block.id())) {
            return 0;
        }
        return putSealed(block.id(), codec().seal(block));
    }

    /** The content of block {@code id}, verified against the id. */
    default byte[] get(BlockId id) throws IOException {
        return codec().open(id, getSealed(id));
    }

    /** As {@link #get(BlockId)}, naming {@code snapshot} in any {@link BlockException}. */
    default byte[] get(BlockId id, String snapshot) throws IOException {
        try {
            return get(id);
        } catch (BlockException e) {
            throw e.inSnapshot(snapshot);
        }
    }

    /** Stores an already sealed envelope unless {@code id} is present; returns its size or 0. */
    long putSealed(BlockId id, byte[] sealed) throws IOException;

    /** The sealed envelope of {@code id}, unverified; {@link MissingBlockException} if absent. */
    byte[] getSealed(BlockId id) throws IOException;

    boolean exists(BlockId id) throws IOException;

    /**
     * The blocks of {@code ids} that are not stored, in the order given: {@link #exists} for many
     * blocks at once. Backends with a round trip per lookup override it to batch or overlap them.
     */
    default List<BlockId> missing(List<BlockId> ids) throws IOException {
        List<BlockId> out = new ArrayList<>();
        for (BlockId id : ids) {
            if (!exists(id)) {
                out.add(id);
            }
        }
        return out;
    }

    /** Removes block {@code id}; returns false when it was not there. */
    boolean delete(BlockId id) throws IOException;

    /** Every live block with its sealed size, in no particular order. Close the stream. */
    Stream<BlockInfo> list() throws IOException;

    StoreStats stats() throws IOException;

    /** Makes every block put before this call durable. */
    void flush() throws IOException;

    /** Flushes, then releases everything; rethrows the first failure. */
    @Override
    void close() throws IOException;
}
