package io.openmms.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;

/**
 * Sends one OP_MSG exactly as given, for requests the driver would rewrite (it always sets its own
 * {@code $readPreference}).
 */
final class RawWire {

    private RawWire() {
    }

    static org.bson.Document command(String host, org.bson.Document body) throws IOException {
        byte[] bson = bytes(new RawBsonDocument(body, new DocumentCodec()));
        int length = 16 + 4 + 1 + bson.length;
        ByteBuffer message = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN)
            .putInt(length).putInt(1).putInt(0).putInt(2013).putInt(0).put((byte) 0).put(bson);
        int colon = host.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host.substring(0, colon), Integer.parseInt(host.substring(colon + 1))), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(message.array());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] header = new byte[16];
            in.readFully(header);
            int replyLength = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt();
            byte[] rest = new byte[replyLength - 16];
            in.readFully(rest);
            byte[] document = new byte[rest.length - 5];
            System.arraycopy(rest, 5, document, 0, document.length);
            return new RawBsonDocument(document).decode(new DocumentCodec());
        }
    }

    private static byte[] bytes(RawBsonDocument document) {
        ByteBuffer buffer = document.getByteBuffer().asNIO();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
