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
 * <p>Known limits: the mongos does not route CRUD to the shards; the oplog is not capped; updates are
 * logged with the client's update operators; no authentication, transactions or exhaust streaming
 * (a hello is answered once per request, which the driver accepts).
 */
package io.openmms.testkit;
