package io.openmms.blockstore;

/**
 * A block's stored bytes do not yield content whose SHA-256 is its id: a damaged envelope, a
 * failed decompression or authentication, or content that hashes to another id.
 */
public final class CorruptBlockException extends BlockException {
    public CorruptBlockException(BlockId blockId, String detail) {
        this(blockId, null, detail, null);
    }

    public CorruptBlockException(BlockId blockId, String detail, Throwable cause) {
        this(blockId, null, detail, cause);
    }

    private CorruptBlockException(BlockId blockId, String snapshot, String detail, Throwable cause) {
        super(blockId, snapshot, detail, cause);
    }

    @Override
    public CorruptBlockException inSnapshot(String snapshot) {
        return new CorruptBlockException(blockId(), snapshot, detail(), getCause());
    }
}
