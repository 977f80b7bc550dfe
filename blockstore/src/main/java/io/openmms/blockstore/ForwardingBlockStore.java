package io.openmms.blockstore;

import java.io.IOException;
import java.util.stream.Stream;

/**
 * A store that hands every call to another: the base of wrappers (fault injection, pauses,
 * retries) that override only what they change. {@link #put} is not forwarded as such: the
 * default implementation seals with the delegate's codec and calls {@link #putSealed}, so a
 * wrapper of {@code putSealed} sees every write.
 */
public abstract class ForwardingBlockStore implements BlockStore {
    protected final BlockStore delegate;

    protected ForwardingBlockStore(BlockStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String location() {
        return delegate.location();
    }

    @Override
    public BlockCodec codec() {
        return delegate.codec();
    }

    @Override
    public long putSealed(BlockId id, byte[] sealed) throws IOException {
        return delegate.putSealed(id, sealed);
    }

    @Override
    public byte[] getSealed(BlockId id) throws IOException {
        return delegate.getSealed(id);
    }

    @Override
    public boolean exists(BlockId id) throws IOException {
        return delegate.exists(id);
    }

    @Override
    public java.util.List<BlockId> missing(java.util.List<BlockId> ids) throws IOException {
        return delegate.missing(ids);
    }

    @Override
    public boolean delete(BlockId id) throws IOException {
        return delegate.delete(id);
    }

    @Override
    public Stream<BlockInfo> list() throws IOException {
        return delegate.list();
    }

    @Override
    public StoreStats stats() throws IOException {
        return delegate.stats();
    }

    @Override
    public void flush() throws IOException {
        delegate.flush();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
