package dev.redismigrate.common.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;

/**
 * One plain RESP2 connection whose commands are encoded straight into a send buffer and whose
 * replies are read in the caller's thread: for a copy's hot path, where a client library's
 * per-command objects, futures and event-loop hand-overs cost more CPU than the command's bytes
 * (about 1.5 s per 1,000,000 keys, measured). Not thread-safe: one user at a time; {@link #close}
 * may come from another thread (a stop), which makes a blocked read or write fail.
 */
public final class RespSocket implements AutoCloseable {
    /** what a reply that is no error reads as; an error reads as its message */
    public static final String OK = null;

    private static final int BUFFER = 64 << 10;
    /** how often a blocked read looks at the interrupt flag and its deadline */
    private static final int READ_SLICE_MILLIS = 200;

    private final RedisEndpoint endpoint;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] sendBuffer = new byte[BUFFER];
    private int sendLength;
    private final byte[] readBuffer = new byte[BUFFER];
    private int readPosition;
    private int readLimit;
    private final long replyTimeoutMillis;
    private volatile boolean broken;

    private RespSocket(RedisEndpoint endpoint, Socket socket, long replyTimeoutMillis) throws IOException {
        this.endpoint = endpoint;
        this.socket = socket;
        this.replyTimeoutMillis = replyTimeoutMillis;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_SLICE_MILLIS);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects and logs in (AUTH with the opened password, CLIENT SETNAME). */
    static RespSocket open(RedisEndpoint endpoint, String password, String clientName, TlsTrust tls,
            int connectTimeoutMillis, long replyTimeoutMillis) {
        Socket socket = null;
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), connectTimeoutMillis);
            if (endpoint.tls()) {
                SSLSocket ssl = (SSLSocket) tls.context().getSocketFactory()
                        .createSocket(socket, endpoint.host(), endpoint.port(), true);
                javax.net.ssl.SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the host name checked, as Redisson's links do
                ssl.setSSLParameters(parameters);
                ssl.setSoTimeout(connectTimeoutMillis);
                ssl.startHandshake();
                socket = ssl;
            }
            RespSocket resp = new RespSocket(endpoint, socket, replyTimeoutMillis);
            if (password != null) {
                boolean user = endpoint.username() != null && !endpoint.username().isEmpty();
                resp.write(user ? new byte[][] {ascii("AUTH"), endpoint.username().getBytes(StandardCharsets.UTF_8),
                        password.getBytes(StandardCharsets.UTF_8)}
                        : new byte[][] {ascii("AUTH"), password.getBytes(StandardCharsets.UTF_8)});
            }
            if (clientName != null) {
                resp.write(new byte[][] {ascii("CLIENT"), ascii("SETNAME"), clientName.getBytes(StandardCharsets.UTF_8)});
            }
            resp.send();
            for (int i = (password != null ? 1 : 0) + (clientName != null ? 1 : 0); i > 0; i--) {
                String error = resp.readReply();
                if (error != null) {
                    resp.close();
                    throw new RedisAccessException("cannot connect to " + endpoint.address() + ": " + error);
                }
            }
            return resp;
        } catch (IOException e) {
            closeQuietly(socket);
            RedisAccessException tlsFailure = RedisAccessException.tlsReason(e) == null ? null
                    : new RedisAccessException("cannot connect to " + endpoint.address() + ": " + RedisAccessException.tlsReason(e));
            throw tlsFailure != null ? tlsFailure
                    : new RedisAccessException("cannot connect to " + endpoint.address() + ": " + RedisAccessException.reason(e));
        }
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** Encodes one command into the send buffer (sent when it fills, or at {@link #send}). */
    public void write(byte[][] argv) throws IOException {
        header('*', argv.length);
        for (byte[] arg : argv) {
            header('$', arg.length);
            if (arg.length > BUFFER - sendLength) {
                if (arg.length >= BUFFER) {
                    send();
                    out.write(arg);
                } else {
                    flushBuffer();
                    System.arraycopy(arg, 0, sendBuffer, sendLength, arg.length);
                    sendLength += arg.length;
                }
            } else {
                System.arraycopy(arg, 0, sendBuffer, sendLength, arg.length);
                sendLength += arg.length;
            }
            crlf();
        }
    }

    /** Bytes encoded and not sent yet. */
    public int pendingBytes() {
        return sendLength;
    }

    /** Sends what is buffered. */
    public void send() throws IOException {
        flushBuffer();
        out.flush();
    }

    private void flushBuffer() throws IOException {
        if (sendLength > 0) {
            try {
                out.write(sendBuffer, 0, sendLength);
            } catch (IOException e) {
                broken = true;
                throw e;
            }
            sendLength = 0;
        }
    }

    private void header(char type, int n) throws IOException {
        if (BUFFER - sendLength < 16) {
            flushBuffer();
        }
        sendBuffer[sendLength++] = (byte) type;
        if (n == 0) {
            sendBuffer[sendLength++] = '0';
        } else {
            int digits = 0;
            for (int v = n; v > 0; v /= 10) {
                digits++;
            }
            for (int i = sendLength + digits - 1, v = n; v > 0; v /= 10, i--) {
                sendBuffer[i] = (byte) ('0' + v % 10);
            }
            sendLength += digits;
        }
        crlf();
    }

    private void crlf() throws IOException {
        if (BUFFER - sendLength < 2) {
            flushBuffer();
        }
        sendBuffer[sendLength++] = '\r';
        sendBuffer[sendLength++] = '\n';
    }

    /** Whether reply bytes wait in this side's buffer (no system call). */
    public boolean replyBuffered() {
        return readPosition < readLimit;
    }

    /** Whether a reply has (at least partly) arrived, so that {@link #readReply} will not wait long. */
    public boolean replyWaiting() throws IOException {
        return readPosition < readLimit || in.available() > 0;
    }

    /**
     * Reads one whole reply (nested arrays included) and says whether it was an error: {@link #OK}
     * (null), or the error's message. Waits up to the reply timeout.
     */
    public String readReply() throws IOException {
        long deadline = System.nanoTime() + replyTimeoutMillis * 1_000_000L;
        byte type = next(deadline);
        switch (type) {
            case '-' -> {
                return line(deadline);
            }
            case '+', ':' -> {
                skipLine(deadline);
                return OK;
            }
            case '$' -> {
                long length = number(deadline);
                if (length >= 0) {
                    skip(length + 2, deadline);
                }
                return OK;
            }
            case '*' -> {
                String firstError = OK;
                for (long n = number(deadline); n > 0; n--) {
                    String error = readReply();
                    firstError = firstError == null ? error : firstError;
                }
                return firstError;
            }
            default -> {
                broken = true;
                throw new IOException("unexpected reply type '" + (char) type + "'");
            }
        }
    }

    /** An error reply, as {@link #readValue} gives it. */
    public record ErrorReply(String message) {
    }

    /**
     * Reads one whole reply as a value: a bulk or simple string as its bytes (null for a null
     * bulk), an integer as a Long, an array as a List (null for a null array), an error as an
     * {@link ErrorReply}. Waits up to the reply timeout.
     */
    public Object readValue() throws IOException {
        long deadline = System.nanoTime() + replyTimeoutMillis * 1_000_000L;
        byte type = next(deadline);
        switch (type) {
            case '-' -> {
                return new ErrorReply(line(deadline));
            }
            case '+' -> {
                return line(deadline).getBytes(StandardCharsets.ISO_8859_1);
            }
            case ':' -> {
                return number(deadline);
            }
            case '$' -> {
                int length = (int) number(deadline);
                if (length < 0) {
                    return null;
                }
                byte[] value = new byte[length];
                int at = 0;
                while (at < length) {
                    if (readPosition == readLimit) {
                        fill(deadline);
                    }
                    int step = Math.min(length - at, readLimit - readPosition);
                    System.arraycopy(readBuffer, readPosition, value, at, step);
                    readPosition += step;
                    at += step;
                }
                skip(2, deadline);
                return value;
            }
            case '*' -> {
                int n = (int) number(deadline);
                if (n < 0) {
                    return null;
                }
                java.util.List<Object> items = new java.util.ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(readValue());
                }
                return items;
            }
            default -> {
                broken = true;
                throw new IOException("unexpected reply type '" + (char) type + "'");
            }
        }
    }

    private byte next(long deadline) throws IOException {
        if (readPosition == readLimit) {
            fill(deadline);
        }
        return readBuffer[readPosition++];
    }

    private String line(long deadline) throws IOException {
        StringBuilder text = new StringBuilder();
        while (true) {
            byte b = next(deadline);
            if (b == '\r') {
                next(deadline); // '\n'
                return text.toString();
            }
            text.append((char) (b & 0xff));
        }
    }

    /** The decimal number up to the line's end (the line read whole). */
    private long number(long deadline) throws IOException {
        byte b = next(deadline);
        boolean negative = b == '-';
        if (negative) {
            b = next(deadline);
        }
        long value = 0;
        while (b != '\r') {
            if (b < '0' || b > '9') {
                broken = true;
                throw new IOException("a malformed number in a reply from " + endpoint.address());
            }
            value = value * 10 + (b - '0');
            b = next(deadline);
        }
        next(deadline); // '\n'
        return negative ? -value : value;
    }

    private void skipLine(long deadline) throws IOException {
        while (next(deadline) != '\r') {
            // the line's text is not needed
        }
        next(deadline); // '\n'
    }

    private void skip(long n, long deadline) throws IOException {
        while (n > 0) {
            if (readPosition == readLimit) {
                fill(deadline);
            }
            int step = (int) Math.min(n, readLimit - readPosition);
            readPosition += step;
            n -= step;
        }
    }

    private void fill(long deadline) throws IOException {
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException("interrupted while waiting for " + endpoint.address());
            }
            try {
                int n = in.read(readBuffer, 0, readBuffer.length);
                if (n < 0) {
                    broken = true;
                    throw new IOException("the connection was closed by " + endpoint.address());
                }
                readPosition = 0;
                readLimit = n;
                return;
            } catch (SocketTimeoutException slice) {
                if (System.nanoTime() > deadline) {
                    // the late reply would be read as the next command's: the connection is of no more use
                    broken = true;
                    throw new SocketTimeoutException(endpoint.address() + NO_ANSWER + replyTimeoutMillis + " ms");
                }
            } catch (IOException e) {
                broken = true;
                throw e;
            }
        }
    }

    private static final String NO_ANSWER = " did not answer within ";

    /**
     * Whether a failure says a reply did not come in time (the connection is broken then, like a
     * lost one; a caller that reconnects should not do so forever for a server that keeps not answering).
     */
    public static boolean noAnswer(Throwable failure) {
        return failure != null && failure.getMessage() != null && failure.getMessage().contains(NO_ANSWER);
    }

    /** Whether the connection still stands (no read or write on it has failed, not closed). */
    public boolean isOpen() {
        return !broken && !socket.isClosed();
    }

    @Override
    public void close() {
        broken = true;
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing: nothing left to tell
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
