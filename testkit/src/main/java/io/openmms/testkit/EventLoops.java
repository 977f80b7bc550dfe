package io.openmms.testkit;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

/**
 * The netty threads every stand-in in the JVM shares: one acceptor thread and a few I/O threads,
 * all daemons, created on first use and never shut down. Sharing them keeps starting a sharded
 * cluster (ten listeners or more) cheap and lets closed stand-ins leave no threads behind.
 */
final class EventLoops {

    private static final EventLoopGroup BOSS = group("openmms-standin-accept", 1);
    private static final EventLoopGroup WORKERS =
        group("openmms-standin-io", Math.max(4, Runtime.getRuntime().availableProcessors()));

    private EventLoops() {
    }

    static EventLoopGroup boss() {
        return BOSS;
    }

    static EventLoopGroup workers() {
        return WORKERS;
    }

    private static EventLoopGroup group(String prefix, int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        return new MultiThreadIoEventLoopGroup(threads, factory, NioIoHandler.newFactory());
    }
}
