/**
 * In-process stand-ins for MongoDB deployments, for tests and the demo: {@link
 * io.openmms.testkit.ReplicaSetStandIn} (a replica set), {@link io.openmms.testkit.ShardedClusterStandIn}
 * (config servers, shards and a mongos) and {@link io.openmms.testkit.Workload} (steady traffic).
 *
 * <p>Built on mongo-java-server's in-memory backend: each member is a listener on 127.0.0.1 with its
 * own port and counters, members of one set share one data set and oplog, and the replies follow the
 * MongoDB 7.0 manual so the official driver and the openmms agents treat them as real deployments.
 * Production code never depends on this package (SPEC §8).
 *
 * <p>The oplog is written by the stand-in itself in the shapes of MongoDB 5.0+ (inserts with
 * {@code o2: {_id}}, {@code $v: 2} update diffs or replacements, deletes, DDL commands on
 * {@code <db>.$cmd}, implicit creates), serves tailable awaitData cursors and can be capped
 * ({@link io.openmms.testkit.ReplicaSetStandIn#setOplogMaxEntries}).
 *
 * <p>Known limits: the mongos does not route CRUD to the shards; no authentication, transactions,
 * change streams or exhaust streaming (a hello is answered once per request, which the driver
 * accepts); {@code aggregate} with {@code $out}/{@code $merge} writes are not logged; capped
 * collections other than the oplog are not capped; retryable-write fields ({@code lsid},
 * {@code txnNumber}, {@code stmtId}) are not added to entries.
 */
package io.openmms.testkit;
