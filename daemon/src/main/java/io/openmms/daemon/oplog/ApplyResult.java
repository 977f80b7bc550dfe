package io.openmms.daemon.oplog;

import io.openmms.daemon.head.OplogPosition;

/**
 * What one {@link OplogApplier#apply} call did.
 *
 * @param applied entries applied (a transaction's commit counts once)
 * @param skipped entries at or before the head's position, already applied
 * @param missingDocuments operator updates whose document was absent and were skipped (expected
 *     only while catching up after an initial sync; a growing number in steady state means the
 *     head diverged from the source)
 * @param position the head's position after the call
 */
public record ApplyResult(int applied, int skipped, int missingDocuments, OplogPosition position) {}
