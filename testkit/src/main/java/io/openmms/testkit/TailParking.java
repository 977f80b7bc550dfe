package io.openmms.testkit;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Makes a {@code getMore} on a tailable awaitData cursor over the oplog wait, as a real server does
 * (https://www.mongodb.com/docs/manual/reference/command/getMore/): when the cursor has nothing new,
 * the request is parked until an entry the cursor returns is written, or until its
 * {@code maxTimeMS} (default 1 s) is up; then it is passed on and answered with what is there
 * (an empty batch on timeout, with the cursor still open).
 *
 * <p>Parking holds no thread: the event loop goes on serving the connection's other requests
 * and every other connection. Appends wake the parked requests, which re-check their cursor on their
 * own event loop. One instance per connection.
 */
final class TailParking extends ChannelInboundHandlerAdapter {

    private static final long DEFAULT_AWAIT_MS = 1000;

    private final Role role;

    TailParking(Role role) {
        this.role = role;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MongoMessage message) {
            OplogCursor cursor = awaitable(message);
            if (cursor != null && !cursor.hasNext()) {
                park(ctx, message, cursor);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private OplogCursor awaitable(MongoMessage message) {
        Document request = message.getDocument();
        if (request.isEmpty() || !"getMore".equals(request.keySet().iterator().next())
            || !(request.get("getMore") instanceof Number id)) {
            return null;
        }
        DataBackend data = role.dataFor(message.getDatabaseName());
        return data.hasOplog() ? data.awaitDataCursor(id.longValue()) : null;
    }

    private void park(ChannelHandlerContext ctx, MongoMessage message, OplogCursor cursor) {
        long await = message.getDocument().get("maxTimeMS") instanceof Number ms && ms.longValue() > 0
            ? ms.longValue() : DEFAULT_AWAIT_MS;
        TermOplog oplog = role.dataFor(message.getDatabaseName()).termOplog();
        Parked parked = new Parked(ctx, message, cursor, oplog);
        oplog.addWaiter(parked.waiter);
        parked.timeout = ctx.executor().schedule(parked::release, await, TimeUnit.MILLISECONDS);
        parked.check(); // an entry may have come between the first look and the waiter's registration
    }

    /** A getMore waiting for its cursor to have something. */
    private final class Parked {
        private final ChannelHandlerContext ctx;
        private final MongoMessage message;
        private final OplogCursor cursor;
        private final TermOplog oplog;
        private final AtomicBoolean done = new AtomicBoolean();
        private final Runnable waiter = () -> execute(this::check);
        private volatile ScheduledFuture<?> timeout;

        Parked(ChannelHandlerContext ctx, MongoMessage message, OplogCursor cursor, TermOplog oplog) {
            this.ctx = ctx;
            this.message = message;
            this.cursor = cursor;
            this.oplog = oplog;
        }

        /** On the event loop: passes the request on when the cursor has an entry for it. */
        void check() {
            if (!done.get() && (cursor.hasNext() || !ctx.channel().isActive())) {
                release();
            }
        }

        /** On the event loop: passes the request on, once. */
        void release() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            oplog.removeWaiter(waiter);
            ScheduledFuture<?> pending = timeout;
            if (pending != null) {
                pending.cancel(false);
            }
            if (ctx.channel().isActive()) {
                ctx.fireChannelRead(message); // to the next handler: not parked again
            }
        }

        private void execute(Runnable task) {
            if (!done.get()) {
                ctx.executor().execute(task);
            }
        }
    }
}
