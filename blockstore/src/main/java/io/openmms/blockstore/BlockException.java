package io.openmms.blockstore;

import java.io.IOException;
import java.util.Optional;

/**
 * A failure tied to one block: it is missing, its bytes are corrupt, or it cannot be opened with
 * the keys at hand. The message always names the block id, and the snapshot when the caller
 * passed it ({@link BlockStore#get(BlockId, String)}). None of these is worth retrying.
 */
public abstract sealed class BlockException extends IOException
        permits MissingBlockException, CorruptBlockException, WrongKeyException {
    private final BlockId blockId;
    private final String snapshot;
    private final String detail;

    BlockException(BlockId blockId, String snapshot, String detail, Throwable cause) {
        super(message(blockId, snapshot, detail), cause);
        this.blockId = blockId;
        this.snapshot = snapshot;
        this.detail = detail;
    }

    private static String message(BlockId id, String snapshot, String detail) {
        return "block " + id.hex() + (snapshot == null ? "" : " of snapshot " + snapshot) + ": " + detail;
    }

    public BlockId blockId() {
        return blockId;
    }

    public Optional<String> snapshot() {
        return Optional.ofNullable(snapshot);
    }

    /** The message without the block and snapshot prefix. */
    public String detail() {
        return detail;
    }

    /** The same failure, naming {@code snapshot} as the one being read. */
    public abstract BlockException inSnapshot(String snapshot);
}
