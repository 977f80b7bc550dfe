package io.openmms.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.mongodb.client.MongoClient;

import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * An in-process stand-in for a MongoDB replica set: every member listens on 127.0.0.1 on its own
 * free port and answers like a MongoDB 7.0 member ({@code hello}, {@code replSetGetStatus},
 * {@code replSetGetConfig}, {@code serverStatus}, ...), so the official driver discovers it as a
 * replica set. All members share one in-memory data set: a write on the primary is visible on
 * every member at once; a secondary's reported optime lags by {@link #setLag}. Member 0 starts as
 * primary.
 *
 * <p>The oplog ({@code local.oplog.rs}) holds entries in the shapes MongoDB 5.0+ writes ($v:2 update
 * diffs, DDL commands, implicit creates) and serves tailable awaitData cursors; see {@link TermOplog}.
 *
 * <p>Controls: {@link #stepDown()}, {@link #kill}, {@link #restart}, {@link #addMember()},
 * {@link #setLag}, {@link #setOplogMaxEntries}, {@link #setTwoPhaseIndexBuilds}. Killing the primary elects the next live member at once (a real set would take
 * about ten seconds). Thread-safe.
 */
public final class ReplicaSetStandIn implements AutoCloseable {

    /** A primary writes a no-op to the oplog when it was idle this long, as MongoDB does. */
    private static final Duration NOOP_INTERVAL = Duration.ofSeconds(10);

    private final String name;
    private final ClusterRole clusterRole;
    private final Clock clock;
    private final DataBackend data;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final ObjectId replicaSetId = new ObjectId();
    private volatile int configVersion = 1;
    private volatile Member primary;
    private volatile Instant electionDate;
    private volatile BsonTimestamp electionTime;
    private MongoClient client;

    private ReplicaSetStandIn(String name, ClusterRole clusterRole, Clock clock) {
        this.name = name;
        this.clusterRole = clusterRole;
        this.clock = clock;
        this.data = new DataBackend(clock).withOplog();
        data.termOplog().listener(this::replicated);
    }

    /** Starts a replica set of {@code members} members on free ports of 127.0.0.1; member 0 is primary. */
    public static ReplicaSetStandIn start(String setName, int members) {
        return start(setName, members, ClusterRole.NONE, Clock.systemUTC());
    }

    /** Starts a config-server replica set: like {@link #start}, and {@code hello} answers {@code configsvr: 2}. */
    public static ReplicaSetStandIn startConfigServers(String setName, int members) {
        return start(setName, members, ClusterRole.CONFIG_SERVER, Clock.systemUTC());
    }

    static ReplicaSetStandIn start(String setName, int members, ClusterRole role, Clock clock) {
        if (members < 1) {
            throw new IllegalArgumentException("a replica set needs at least one member, got " + members);
        }
        ReplicaSetStandIn set = new ReplicaSetStandIn(setName, role, clock);
        try {
            for (int i = 0; i < members; i++) {
                set.launch();
            }
            set.elect(set.members.get(0));
            return set;
        } catch (RuntimeException e) {
            set.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** "127.0.0.1:PORT" of every member in member order, killed ones included. */
    public List<String> hosts() {
        return members.stream().map(Member::host).toList();
    }

    /** The current primary's "host:port", or null while the set has no primary. */
    public String primary() {
        Member current = primary;
        return current == null ? null : current.host();
    }

    /** {@code mongodb://h1,h2,h3/?replicaSet=NAME} */
    public String connectionString() {
        return "mongodb://" + seedList() + "/?replicaSet=" + name;
    }

    /** "h1,h2,h3" */
    public String seedList() {
        return String.join(",", hosts());
    }

    /** A driver client connected to the set, created on first use and closed by {@link #close()}. */
    public synchronized MongoClient client() {
        if (client == null) {
            client = Clients.open(connectionString());
        }
        return client;
    }

    /** The primary steps down; the next live member in member order is elected with a higher term and electionId. */
    public synchronized void stepDown() {
        Member old = primary;
        if (old == null) {
            throw new IllegalStateException("replica set " + name + " has no primary to step down");
        }
        Member next = nextLive(old);
        if (next == null) {
            throw new IllegalStateException("replica set " + name + " has no electable secondary");
        }
        old.state(Member.State.SECONDARY);
        elect(next);
    }

    /** Stops a member: its port refuses connections and its open connections drop. A killed primary is replaced at once. */
    public synchronized void kill(String host) {
        Member member = member(host);
        if (member.state() == Member.State.DOWN) {
            return;
        }
        member.node.kill();
        member.state(Member.State.DOWN);
        if (member == primary) {
            primary = null;
            Member next = nextLive(member);
            if (next != null) {
                elect(next);
            } else {
                topologyChanged();
            }
        }
    }

    /** Starts a killed member again on the same port, as a new process (uptime and counters from zero), as secondary. */
    public synchronized void restart(String host) {
        Member member = member(host);
        if (member.state() != Member.State.DOWN) {
            throw new IllegalStateException(host + " is running; kill it first");
        }
        member.state(Member.State.SECONDARY); // before listening, so no client sees a member without a state
        try {
            member.node.restart();
        } catch (RuntimeException e) {
            member.state(Member.State.DOWN);
            throw e;
        }
        if (primary == null) {
            elect(member);
        }
    }

    /** Adds a secondary on a new free port; it appears in every member's hello and in the replica-set config. */
    public synchronized String addMember() {
        Member member = launch();
        configVersion++;
        topologyChanged();
        return member.host();
    }

    /** Makes a secondary report an optime {@code lag} behind the primary's (zero: caught up). */
    public synchronized void setLag(String host, Duration lag) {
        if (lag.isNegative()) {
            throw new IllegalArgumentException("lag must not be negative: " + lag);
        }
        member(host).lag(lag);
    }

    /**
     * Caps the oplog at {@code entries} entries: from now on each new entry truncates the oldest, and
     * older entries beyond the cap go at once. A tailing cursor whose position is truncated fails with
     * {@code CappedPositionLost}, and a reader resuming from a truncated position finds a gap.
     */
    public void setOplogMaxEntries(long entries) {
        data.termOplog().maxEntries(entries);
    }

    /** The timestamp of the oldest entry still in the oplog. */
    public org.bson.BsonTimestamp oplogFirstTs() {
        return new org.bson.BsonTimestamp(data.termOplog().firstTs().getValue());
    }

    /** The timestamp of the newest entry in the oplog. */
    public org.bson.BsonTimestamp oplogLastTs() {
        return new org.bson.BsonTimestamp(data.termOplog().last().ts().getValue());
    }

    /**
     * With {@code true}, createIndexes on a non-empty collection is logged as MongoDB 4.4+ logs its
     * index builds, a {@code startIndexBuild} and a {@code commitIndexBuild} entry, instead of one
     * {@code createIndexes} entry per index (what MongoDB writes for an empty collection). Off by default.
     */
    public void setTwoPhaseIndexBuilds(boolean on) {
        data.twoPhaseIndexBuilds(on);
    }

    /** Closes the client, stops every member and drops the data; rethrows the first failure after trying all. */
    @Override
    public synchronized void close() {
        List<Runnable> steps = new ArrayList<>();
        MongoClient open = client;
        client = null;
        if (open != null) {
            steps.add(open::close);
        }
        members.forEach(member -> steps.add(member.node::kill));
        steps.add(data::close);
        Closing.all(steps);
    }

    // ---- package-private: the members' view of the set

    DataBackend data() {
        return data;
    }

    ClusterRole clusterRole() {
        return clusterRole;
    }

    int configVersion() {
        return configVersion;
    }

    List<Member> members() {
        return members;
    }

    Member primaryMember() {
        return primary;
    }

    long term() {
        return data.term();
    }

    ObjectId replicaSetId() {
        return replicaSetId;
    }

    Instant electionDate() {
        return electionDate;
    }

    BsonTimestamp electionTime() {
        return electionTime;
    }

    /** As MongoDB forms it for protocol version 1: 0x7fffffff followed by the term. */
    ObjectId electionId() {
        return new ObjectId(String.format("7fffffff%016x", term()));
    }

    /** The optime a member reports: the newest oplog entry, minus the member's lag unless it is primary. */
    OpTime optime(Member member) {
        OpTime last = data.lastOpTime(NOOP_INTERVAL);
        return member == primary ? last : last.minus(member.lag());
    }

    /** The newest optime a majority of the members has (the majority commit point). */
    OpTime committedOpTime() {
        List<OpTime> optimes = new ArrayList<>();
        for (Member member : members) {
            if (member.state() != Member.State.DOWN) {
                optimes.add(optime(member));
            }
        }
        optimes.sort(Comparator.comparing(OpTime::ts).reversed());
        int majority = members.size() / 2 + 1;
        return optimes.isEmpty() ? data.termOplog().last() : optimes.get(Math.min(majority, optimes.size()) - 1);
    }

    // ---- internals

    private Member launch() {
        int id = members.stream().mapToInt(m -> m.id).max().orElse(-1) + 1;
        Member member = new Member(this, id, clock);
        member.node.start(0);
        members.add(member);
        return member;
    }

    private void elect(Member member) {
        data.nextTerm();
        member.state(Member.State.PRIMARY);
        primary = member;
        data.termOplog().noop("new primary");
        electionTime = data.termOplog().last().ts();
        electionDate = clock.instant();
        topologyChanged();
    }

    private void topologyChanged() {
        for (Member member : members) {
            if (member.node.alive()) {
                member.node.topologyChanged();
            }
        }
    }

    private Member nextLive(Member after) {
        int start = members.indexOf(after);
        for (int i = 1; i <= members.size(); i++) {
            Member candidate = members.get((start + i) % members.size());
            if (candidate != after && candidate.state() != Member.State.DOWN) {
                return candidate;
            }
        }
        return null;
    }

    private Member member(String host) {
        return members.stream().filter(m -> m.host().equals(host)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no member " + host + " in replica set " + name + " " + hosts()));
    }

    private void replicated(String op, int count) {
        for (Member member : members) {
            if (member.state() == Member.State.SECONDARY && member.node.alive()) {
                member.node.process().stats.replicated(op, count);
            }
        }
    }
}
