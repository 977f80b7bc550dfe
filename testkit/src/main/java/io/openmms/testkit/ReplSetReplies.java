package io.openmms.testkit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;

/** The replica-set commands' replies, in the shapes of MongoDB 7.0. */
final class ReplSetReplies {

    private ReplSetReplies() {
    }

    // https://www.mongodb.com/docs/manual/reference/command/replSetGetStatus/
    static Document status(ReplicaSetStandIn set, Member self) {
        Instant now = self.node.clock().instant();
        Member primary = set.primaryMember();
        OpTime mine = set.optime(self);
        OpTime committed = set.committedOpTime();
        int voting = set.members().size();
        int majority = voting / 2 + 1;
        List<Document> members = new ArrayList<>();
        for (Member member : set.members()) {
            members.add(member == self ? selfEntry(set, self, primary, now)
                : member.state() == Member.State.DOWN ? downEntry(member, now) : peerEntry(set, member, primary, now));
        }
        return new Document("set", set.name())
            .append("date", now)
            .append("myState", self.state().code)
            .append("term", set.term())
            .append("syncSourceHost", syncSource(self, primary))
            .append("syncSourceId", self == primary || primary == null ? -1 : primary.id)
            .append("heartbeatIntervalMillis", 2000L)
            .append("majorityVoteCount", majority)
            .append("writeMajorityCount", majority)
            .append("votingMembersCount", voting)
            .append("writableVotingMembersCount", voting)
            .append("optimes", new Document("lastCommittedOpTime", committed.toDocument())
                .append("lastCommittedWallTime", committed.wall())
                .append("readConcernMajorityOpTime", committed.toDocument())
                .append("appliedOpTime", mine.toDocument())
                .append("durableOpTime", mine.toDocument())
                .append("lastAppliedWallTime", mine.wall())
                .append("lastDurableWallTime", mine.wall()))
            .append("members", members)
            .append("ok", 1.0);
    }

    private static Document selfEntry(ReplicaSetStandIn set, Member self, Member primary, Instant now) {
        OpTime optime = set.optime(self);
        Document entry = common(self, now)
            .append("optime", optime.toDocument())
            .append("optimeDate", optime.wall())
            .append("lastAppliedWallTime", optime.wall())
            .append("lastDurableWallTime", optime.wall())
            .append("syncSourceHost", syncSource(self, primary))
            .append("syncSourceId", self == primary || primary == null ? -1 : primary.id)
            .append("infoMessage", "");
        addElection(set, self, entry);
        return entry.append("configVersion", set.configVersion()).append("configTerm", set.term())
            .append("self", true).append("lastHeartbeatMessage", "");
    }

    private static Document peerEntry(ReplicaSetStandIn set, Member peer, Member primary, Instant now) {
        OpTime optime = set.optime(peer);
        Document entry = common(peer, now)
            .append("optime", optime.toDocument())
            .append("optimeDurable", optime.toDocument())
            .append("optimeDate", optime.wall())
            .append("optimeDurableDate", optime.wall())
            .append("lastAppliedWallTime", optime.wall())
            .append("lastDurableWallTime", optime.wall())
            .append("lastHeartbeat", now.minusMillis(now.toEpochMilli() % 2000))
            .append("lastHeartbeatRecv", now.minusMillis((now.toEpochMilli() + 1000) % 2000))
            .append("pingMs", 0L)
            .append("lastHeartbeatMessage", "")
            .append("syncSourceHost", syncSource(peer, primary))
            .append("syncSourceId", peer == primary || primary == null ? -1 : primary.id)
            .append("infoMessage", "");
        addElection(set, peer, entry);
        return entry.append("configVersion", set.configVersion()).append("configTerm", set.term());
    }

    private static Document downEntry(Member down, Instant now) {
        Document never = new Document("ts", new BsonTimestamp(0)).append("t", -1L);
        return new Document("_id", down.id)
            .append("name", down.host())
            .append("health", 0.0)
            .append("state", Member.State.DOWN.code)
            .append("stateStr", Member.State.DOWN.label)
            .append("uptime", 0)
            .append("optime", never)
            .append("optimeDurable", never)
            .append("optimeDate", Instant.EPOCH)
            .append("optimeDurableDate", Instant.EPOCH)
            .append("lastAppliedWallTime", Instant.EPOCH)
            .append("lastDurableWallTime", Instant.EPOCH)
            .append("lastHeartbeat", now)
            .append("lastHeartbeatRecv", down.lastSeen())
            .append("pingMs", 0L)
            .append("lastHeartbeatMessage", "Error connecting to " + down.host() + " :: caused by :: Connection refused")
            .append("authenticated", false)
            .append("syncSourceHost", "")
            .append("syncSourceId", -1)
            .append("infoMessage", "")
            .append("configVersion", -1)
            .append("configTerm", -1L);
    }

    private static Document common(Member member, Instant now) {
        long uptime = Duration.between(member.node.process().started, now).toSeconds();
        return new Document("_id", member.id)
            .append("name", member.host())
            .append("health", 1.0)
            .append("state", member.state().code)
            .append("stateStr", member.state().label)
            .append("uptime", (int) uptime);
    }

    private static void addElection(ReplicaSetStandIn set, Member member, Document entry) {
        if (member == set.primaryMember()) {
            entry.append("electionTime", set.electionTime()).append("electionDate", set.electionDate());
        }
    }

    private static String syncSource(Member member, Member primary) {
        return member == primary || primary == null ? "" : primary.host();
    }

    // https://www.mongodb.com/docs/manual/reference/command/replSetGetConfig/
    // member fields: https://www.mongodb.com/docs/manual/reference/replica-configuration/
    static Document config(ReplicaSetStandIn set) {
        List<Document> members = new ArrayList<>();
        for (Member member : set.members()) {
            members.add(new Document("_id", member.id)
                .append("host", member.host())
                .append("arbiterOnly", false)
                .append("buildIndexes", true)
                .append("hidden", false)
                .append("priority", 1.0)
                .append("tags", new Document())
                .append("secondaryDelaySecs", 0L)
                .append("votes", 1));
        }
        Document config = new Document("_id", set.name())
            .append("version", set.configVersion())
            .append("term", set.term())
            .append("members", members)
            .append("protocolVersion", 1L)
            .append("writeConcernMajorityJournalDefault", true);
        if (set.clusterRole() == ClusterRole.CONFIG_SERVER) {
            config.append("configsvr", true);
        }
        config.append("settings", new Document("chainingAllowed", true)
            .append("heartbeatIntervalMillis", 2000)
            .append("heartbeatTimeoutSecs", 10)
            .append("electionTimeoutMillis", 10000)
            .append("catchUpTimeoutMillis", -1)
            .append("catchUpTakeoverDelayMillis", 30000)
            .append("getLastErrorModes", new Document())
            .append("getLastErrorDefaults", new Document("w", 1).append("wtimeout", 0))
            .append("replicaSetId", set.replicaSetId()));
        return new Document("config", config).append("ok", 1.0);
    }
}
