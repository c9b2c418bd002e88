package io.pgpilot.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** The few pieces of the PostgreSQL wire protocol the proxy reads or writes itself. */
final class PgWire {

    private PgWire() {
    }

    /** Codes in the version field of an untyped first packet. */
    static final int CANCEL_REQUEST = 80877102;
    static final int SSL_REQUEST = 80877103;
    static final int GSSENC_REQUEST = 80877104;
    static final int PROTOCOL_MAJOR_3 = 3;

    /** PostgreSQL's own limit on a startup packet (MAX_STARTUP_PACKET_LENGTH). */
    static final int MAX_STARTUP_PACKET = 10_000;

    static final byte BACKEND_KEY_DATA = 'K';
    static final byte READY_FOR_QUERY = 'Z';
    static final byte ERROR_RESPONSE = 'E';

    /** SQLSTATE 57P03 cannot_connect_now: libpq and drivers report it as "the database system is not accepting connections". */
    static final String CANNOT_CONNECT_NOW = "57P03";
    /** SQLSTATE 08P01 protocol_violation. */
    static final String PROTOCOL_VIOLATION = "08P01";
    /** SQLSTATE 08006 connection_failure. */
    static final String CONNECTION_FAILURE = "08006";

    /** A FATAL ErrorResponse, which every client shows to its user before the connection closes. */
    static ByteBuf fatal(ByteBufAllocator alloc, String sqlState, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = alloc.buffer(64 + text.length);
        buf.writeByte(ERROR_RESPONSE);
        int lengthAt = buf.writerIndex();
        buf.writeInt(0);
        field(buf, 'S', "FATAL");
        field(buf, 'V', "FATAL");
        field(buf, 'C', sqlState);
        buf.writeByte('M').writeBytes(text).writeByte(0);
        buf.writeByte(0);
        buf.setInt(lengthAt, buf.writerIndex() - lengthAt);
        return buf;
    }

    private static void field(ByteBuf buf, char type, String value) {
        buf.writeByte(type).writeBytes(value.getBytes(StandardCharsets.US_ASCII)).writeByte(0);
    }
}
