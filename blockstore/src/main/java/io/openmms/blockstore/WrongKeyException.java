package io.openmms.blockstore;

/**
 * A block is encrypted with a key the reader does not have: no key with the id in its header, or
 * a key with that id whose key check differs (the same id was given to other key material).
 */
public final class WrongKeyException extends BlockException {
    private final String keyId;

    public WrongKeyException(BlockId blockId, String keyId, String detail) {
        this(blockId, null, keyId, detail);
    }

    private WrongKeyException(BlockId blockId, String snapshot, String keyId, String detail) {
        super(blockId, snapshot, detail, null);
        this.keyId = keyId;
    }

    /** The key id written in the block's header. */
    public String keyId() {
        return keyId;
    }

    @Override
    public WrongKeyException inSnapshot(String snapshot) {
        return new WrongKeyException(blockId(), snapshot, keyId, detail());
    }
}
