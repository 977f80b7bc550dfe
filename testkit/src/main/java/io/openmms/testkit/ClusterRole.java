package io.openmms.testkit;

/** The {@code sharding.clusterRole} of a replica set's members. */
enum ClusterRole {
    NONE(null, null), CONFIG_SERVER("configsvr", "--configsvr"), SHARD("shardsvr", "--shardsvr");

    private final String option;
    private final String flag;

    ClusterRole(String option, String flag) {
        this.option = option;
        this.flag = flag;
    }

    /** The value of {@code sharding.clusterRole}, or null outside a sharded cluster. */
    String option() {
        return option;
    }

    /** The mongod command-line flag, or null. */
    String flag() {
        return flag;
    }
}
