package io.openmms.testkit;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * One mongod or mongos of a stand-in: a listener on 127.0.0.1 whose process can be killed (the port
 * refuses connections, open connections drop) and restarted on the same port (a new process: new
 * {@code topologyVersion.processId}, uptime and counters from zero).
 *
 * <p>It also implements the awaitable {@code hello} of the driver's streaming monitor
 * (https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-monitoring.md):
 * a hello that carries the current {@code topologyVersion} and {@code maxAwaitTimeMS} is parked
 * until the topology changes or the time is up, then answered. Without that the driver would poll
 * in a busy loop.
 *
 * <p>Lifecycle methods are synchronized; the rest is safe to call from any thread.
 */
final class Node {

    /** One incarnation of the process. */
    static final class Process {
        final ObjectId processId = new ObjectId();
        final Instant started;
        final NodeStats stats = new NodeStats();
        final AtomicLong topologyCounter = new AtomicLong();

        Process(Instant started) {
            this.started = started;
        }

        Document topologyVersion() {
            return new Document("processId", processId).append("counter", topologyCounter.get());
        }
    }

    private final Role role;
    private final Clock clock;
    private final NodeBackend backend;
    private final Set<Parked> parked = ConcurrentHashMap.newKeySet();
    private volatile Process process;
    private volatile boolean alive;
    private volatile int port;
    private Channel listener;
    private ChannelGroup clients;

    Node(Role role, Clock clock) {
        this.role = role;
        this.clock = clock;
        this.backend = new NodeBackend(this, role, clock);
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    Clock clock() {
        return clock;
    }

    Role role() {
        return role;
    }

    Process process() {
        return process;
    }

    boolean alive() {
        return alive;
    }

    NodeBackend backend() {
        return backend;
    }

    /** Starts a new process listening on {@code port}; 0 picks a free port. */
    synchronized void start(int port) {
        if (alive) {
            throw new IllegalStateException(host() + " is already running");
        }
        Process next = new Process(clock.instant());
        ChannelGroup group = new DefaultChannelGroup("openmms-standin-clients", GlobalEventExecutor.INSTANCE);
        Channel channel;
        try {
            channel = bind(next, group, port);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        this.process = next;
        this.clients = group;
        this.listener = channel;
        this.port = ((InetSocketAddress) channel.localAddress()).getPort();
        this.alive = true;
    }

    private Channel bind(Process next, ChannelGroup group, int port) {
        return new ServerBootstrap()
            .group(EventLoops.boss(), EventLoops.workers())
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, Boolean.TRUE)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childOption(ChannelOption.TCP_NODELAY, Boolean.TRUE)
            .childHandler(new Wire(this, next, group))
            .bind(new InetSocketAddress("127.0.0.1", port))
            .syncUninterruptibly()
            .channel();
    }

    /** Stops the process: the port refuses connections and every open connection is closed. */
    synchronized void kill() {
        if (!alive) {
            return;
        }
        alive = false;
        listener.close().syncUninterruptibly();
        clients.close().syncUninterruptibly();
        parked.forEach(Parked::drop);
        List<Long> cursors = List.copyOf(process.stats.openCursors(id -> true));
        role.dataFor("admin").closeCursors(cursors);
    }

    /** Starts a new process on the same port. */
    synchronized void restart() {
        start(port);
    }

    /** The node's view of the topology changed: bumps {@code topologyVersion.counter} and answers parked hellos. */
    void topologyChanged() {
        Process current = process;
        if (current != null) {
            current.topologyCounter.incrementAndGet();
        }
        parked.forEach(Parked::release);
    }

    /** True when the request is an awaitable hello whose topologyVersion is current, so the reply may wait. */
    boolean mayPark(Process owner, Document request) {
        if (!(request.get("topologyVersion") instanceof Document version) || !(request.get("maxAwaitTimeMS") instanceof Number)) {
            return false;
        }
        String command = request.keySet().iterator().next();
        return alive && owner == process && NodeBackend.isHello(command)
            && owner.processId.equals(version.get("processId"))
            && version.get("counter") instanceof Number counter && counter.longValue() == owner.topologyCounter.get();
    }

    void park(ChannelHandlerContext ctx, Process owner, MongoMessage request) {
        long maxAwait = ((Number) request.getDocument().get("maxAwaitTimeMS")).longValue();
        Parked hello = new Parked(ctx, owner, request);
        parked.add(hello);
        owner.stats.awaiting(1);
        hello.timeout = ctx.executor().schedule(hello::release, maxAwait, TimeUnit.MILLISECONDS);
        if (!mayPark(owner, request.getDocument())) {
            hello.release(); // the topology changed while we were parking
        }
    }

    /** A hello waiting for a topology change. */
    private final class Parked {
        private final ChannelHandlerContext ctx;
        private final Process owner;
        private final MongoMessage request;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;

        Parked(ChannelHandlerContext ctx, Process owner, MongoMessage request) {
            this.ctx = ctx;
            this.owner = owner;
            this.request = request;
        }

        void release() {
            if (finish()) {
                ctx.executor().execute(() -> {
                    if (ctx.channel().isActive()) {
                        ctx.fireChannelRead(request);
                    }
                });
            }
        }

        void drop() {
            finish();
        }

        private boolean finish() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            parked.remove(this);
            owner.stats.awaiting(-1);
            ScheduledFuture<?> pending = timeout;
            if (pending != null) {
                pending.cancel(false);
            }
            return true;
        }
    }
}
