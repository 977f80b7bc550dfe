package io.openmms.testkit;

import de.bwaldvogel.mongo.wire.MongoDatabaseHandler;
import de.bwaldvogel.mongo.wire.MongoExceptionHandler;
import de.bwaldvogel.mongo.wire.MongoWireMessageEncoder;
import de.bwaldvogel.mongo.wire.MongoWireProtocolHandler;
import de.bwaldvogel.mongo.wire.MongoWireReplyEncoder;
import de.bwaldvogel.mongo.wire.message.ClientRequest;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.AttributeKey;

/**
 * The pipeline of one accepted connection: mongo-java-server's codec and dispatcher, plus
 * <ol>
 *   <li>a traffic counter at the socket end (connections, bytes in and out for {@code serverStatus});</li>
 *   <li>a decoder that accepts the {@code exhaustAllowed} OP_MSG flag the driver's streaming
 *       monitor sets (mongo-java-server rejects any flag); replies are sent one per request,
 *       without {@code moreToCome}, which the protocol allows;</li>
 *   <li>the parking of awaitable hellos (see {@link Node});</li>
 *   <li>the parking of awaitData getMores on the oplog ({@link TailParking}).</li>
 * </ol>
 */
final class Wire extends ChannelInitializer<SocketChannel> {

    static final AttributeKey<Node.Process> PROCESS = AttributeKey.valueOf("openmms.standin.process");
    static final AttributeKey<Long> CONNECTION_ID = AttributeKey.valueOf("openmms.standin.connectionId");

    private static final int OP_MSG = 2013;
    private static final int EXHAUST_ALLOWED = 1 << 16;

    private final Node node;
    private final Node.Process process;
    private final ChannelGroup clients;

    Wire(Node node, Node.Process process, ChannelGroup clients) {
        this.node = node;
        this.process = process;
        this.clients = clients;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        channel.attr(PROCESS).set(process);
        clients.add(channel);
        channel.pipeline().addLast(
            new TrafficCounter(process.stats),
            new MongoWireReplyEncoder(),
            new MongoWireMessageEncoder(),
            new RequestDecoder(process.stats),
            new HelloParking(node, process),
            new TailParking(node.role()),
            new MongoDatabaseHandler(node.backend(), clients),
            new MongoExceptionHandler());
    }

    private static final class TrafficCounter extends ChannelDuplexHandler {
        private final NodeStats stats;

        TrafficCounter(NodeStats stats) {
            this.stats = stats;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            ctx.channel().attr(CONNECTION_ID).set(stats.connectionOpened());
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            stats.connectionClosed();
            super.channelInactive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof ByteBuf buf) {
                stats.bytesIn(buf.readableBytes());
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof ByteBuf buf) {
                stats.bytesOut(buf.readableBytes());
            }
            super.write(ctx, msg, promise);
        }
    }

    private static final class RequestDecoder extends MongoWireProtocolHandler {
        private final NodeStats stats;

        RequestDecoder(NodeStats stats) {
            this.stats = stats;
        }

        @Override
        protected ClientRequest decode(ChannelHandlerContext ctx, ByteBuf buf) throws Exception {
            int start = buf.readerIndex();
            if (buf.readableBytes() >= 20 && buf.getIntLE(start + 12) == OP_MSG) {
                int flags = buf.getIntLE(start + 16);
                if ((flags & EXHAUST_ALLOWED) != 0) {
                    buf.setIntLE(start + 16, flags & ~EXHAUST_ALLOWED);
                }
            }
            ClientRequest request = super.decode(ctx, buf);
            if (request != null) {
                stats.request();
            }
            return request;
        }
    }

    private static final class HelloParking extends ChannelInboundHandlerAdapter {
        private final Node node;
        private final Node.Process process;

        HelloParking(Node node, Node.Process process) {
            this.node = node;
            this.process = process;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof MongoMessage message && node.mayPark(process, message.getDocument())) {
                node.park(ctx, process, message);
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }
}
