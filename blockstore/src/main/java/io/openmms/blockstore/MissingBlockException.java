package io.openmms.blockstore;

/** The store has no block with this id. */
public final class MissingBlockException extends BlockException {
    public MissingBlockException(BlockId blockId, String where) {
        this(blockId, null, "not found in " + where);
    }

    private MissingBlockException(BlockId blockId, String snapshot, String detail) {
        super(blockId, snapshot, detail, null);
    }

    @Override
    public MissingBlockException inSnapshot(String snapshot) {
        return new MissingBlockException(blockId(), snapshot, detail());
    }
}
