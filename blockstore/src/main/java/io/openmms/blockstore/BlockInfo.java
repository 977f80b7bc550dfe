package io.openmms.blockstore;

/** One stored block as a listing reports it: its id and the bytes its sealed envelope takes. */
public record BlockInfo(BlockId id, long storedBytes) {
}
