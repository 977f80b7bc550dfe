package io.openmms.blockstore;

/**
 * A block's content together with its id. The only way to make one is {@link #of}, which hashes
 * the content, so a {@code Block} never carries an id that does not match its bytes.
 * The content array is not copied: callers must not change it after handing it over.
 */
public final class Block {
    private final BlockId id;
    private final byte[] content;

    private Block(BlockId id, byte[] content) {
        this.id = id;
        this.content = content;
    }

    public static Block of(byte[] content) {
        return new Block(BlockId.of(content), content);
    }

    public BlockId id() {
        return id;
    }

    public byte[] content() {
        return content;
    }

    public int length() {
        return content.length;
    }

    @Override
    public String toString() {
        return "Block[" + id.shortHex() + ", " + content.length + " bytes]";
    }
}
