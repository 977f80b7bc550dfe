package io.openmms.blockstore;

/** One chunk cut from a stream: where it starts in the stream and its bytes (owned by the receiver). */
public record Chunk(long offset, byte[] data) {
    public int length() {
        return data.length;
    }
}
