package io.openmms.blockstore;

/** Where one sealed block sits inside a pack file. */
record PackEntry(BlockId id, long offset, int length) {
    static final int BYTES = BlockId.BYTES + 8 + 4;
}
