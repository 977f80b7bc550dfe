package io.openmms.blockstore;

import java.io.IOException;

/**
 * Wraps a store to inject faults at the sealed level: the Nth write fails before anything is
 * written, and the first read after {@link #corruptNextRead()} returns its bytes with one bit
 * flipped (as a bad disk or a broken proxy would). Verification above the sealed level must
 * catch both.
 */
final class FaultyBlockStore extends ForwardingBlockStore {
    private int writes;
    private int failWriteAt = -1;
    private boolean corruptNextRead;

    FaultyBlockStore(BlockStore delegate) {
        super(delegate);
    }

    /** The {@code n}-th write from now (1 = the next) throws without writing. */
    synchronized FaultyBlockStore failWrite(int n) {
        failWriteAt = writes + n;
        return this;
    }

    synchronized FaultyBlockStore corruptNextRead() {
        corruptNextRead = true;
        return this;
    }

    @Override
    public String location() {
        return "faulty:" + delegate.location();
    }

    @Override
    public long putSealed(BlockId id, byte[] sealed) throws IOException {
        synchronized (this) {
            if (++writes == failWriteAt) {
                throw new BlockStoreException("injected failure of write " + writes + " (block " + id + ")",
                        Failures.Kind.RETRYABLE, null);
            }
        }
        return delegate.putSealed(id, sealed);
    }

    @Override
    public byte[] getSealed(BlockId id) throws IOException {
        byte[] sealed = delegate.getSealed(id);
        synchronized (this) {
            if (corruptNextRead) {
                corruptNextRead = false;
                sealed = sealed.clone();
                sealed[sealed.length - 1] ^= 0x01;
            }
        }
        return sealed;
    }
}
