package io.openmms.blockstore;

/**
 * What a store holds: the number of live blocks and the sum of their sealed (compressed,
 * encrypted) sizes. Backends with their own overhead (a pack's dead space, an index) report it
 * separately, see {@link FileBlockStore#packStats()}.
 */
public record StoreStats(long blocks, long storedBytes) {
}
