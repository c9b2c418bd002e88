package io.pgpilot.proxy.support;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A bare PostgreSQL protocol client over a socket, for tests that need what a driver hides: exact timing
 * of a close, a client that stops reading, the BackendKeyData. Trust authentication only.
 */
public final class PgClient implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private int pid;
    private int secret;

    private PgClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream()));
    }

    /** Connects and completes the startup; throws with the server's message when refused. */
    public static PgClient connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        PgClient client = new PgClient(socket);
        try {
            client.startup();
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return client;
    }

    private void startup() throws IOException {
        byte[] params = "user\0postgres\0database\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        out.writeInt(8 + params.length);
        out.writeInt(3 << 16);
        out.write(params);
        out.flush();
        while (true) {
            int type = in.readUnsignedByte();
            byte[] body = body();
            if (type == 'E') {
                throw new ServerError(errorMessage(body));
            }
            if (type == 'K') {
                pid = ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16) | ((body[2] & 0xff) << 8) | (body[3] & 0xff);
                secret = ((body[4] & 0xff) << 24) | ((body[5] & 0xff) << 16) | ((body[6] & 0xff) << 8) | (body[7] & 0xff);
            }
            if (type == 'Z') {
                return;
            }
        }
    }

    private byte[] body() throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return body;
    }

    private static String errorMessage(byte[] body) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char field = (char) body[i++];
            int start = i;
            while (body[i] != 0) {
                i++;
            }
            String value = new String(body, start, i - start, StandardCharsets.UTF_8);
            i++;
            if (field == 'C' || field == 'M') {
                sb.append(field == 'C' ? value + ": " : value);
            }
        }
        return sb.toString();
    }

    /** Runs a query and returns the first column of the first row (null when there is none). */
    public String query(String sql) throws IOException {
        send(sql);
        String first = null;
        String error = null;
        while (true) {
            int type = in.readUnsignedByte();
            byte[] body = body();
            if (type == 'D' && first == null) {
                int length = ((body[2] & 0xff) << 24) | ((body[3] & 0xff) << 16) | ((body[4] & 0xff) << 8) | (body[5] & 0xff);
                first = length < 0 ? null : new String(body, 6, length, StandardCharsets.UTF_8);
            } else if (type == 'E') {
                error = errorMessage(body);
            } else if (type == 'Z') {
                if (error != null) {
                    throw new ServerError(error);
                }
                return first;
            }
        }
    }

    /** Sends a query without reading anything back. */
    public void send(String sql) throws IOException {
        byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
        out.writeByte('Q');
        out.writeInt(4 + text.length);
        out.write(text);
        out.flush();
    }

    /** True when the other side closes the connection within {@code timeout}; whatever arrives first is discarded. */
    public boolean closedWithin(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (in.read() < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | SocketException e) {
            return true;
        }
    }

    public int pid() {
        return pid;
    }

    public int secret() {
        return secret;
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** An ErrorResponse: SQLSTATE and message. */
    public static final class ServerError extends IOException {
        public ServerError(String message) {
            super(message);
        }
    }
}
