package io.openmms.blockstore;

import java.io.IOException;

/**
 * A backend failed for a reason that is not about one block's content: the network, the disk,
 * credentials, a full bucket. {@link #retryable()} says whether trying again may help; the
 * classification lives in one place, {@link Failures}.
 */
public final class BlockStoreException extends IOException {
    private final Failures.Kind kind;

    public BlockStoreException(String message, Failures.Kind kind, Throwable cause) {
        super(message + " (" + kind.name().toLowerCase(java.util.Locale.ROOT) + ")", cause);
        this.kind = kind;
    }

    public Failures.Kind kind() {
        return kind;
    }

    public boolean retryable() {
        return kind == Failures.Kind.RETRYABLE;
    }
}
