package dev.redismigrate.snapshot.replicaload;

import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.snapshot.spool.Spool;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The master side of Redis's replication protocol, as far as a replica's full sync needs it: a
 * replica (the target) that authenticates with this load's one-time password and asks {@code PSYNC}
 * gets {@code +FULLRESYNC} and the spooled RDB, sent while it is still being spooled, in the diskless
 * format ({@code $EOF:<mark>} … mark) so its length need not be known. The RDB goes from the spool's
 * file to the socket by {@code sendfile} ({@link FileChannel#transferTo}): its bytes never enter the
 * JVM, whose CPU a 2-core machine shares with the source's RDB child and the loading target. No command follows; the
 * replica is detached ({@code REPLICAOF NO ONE}) once it has loaded the RDB. A replica that
 * reconnects (its link broke) gets the whole RDB again, from the spool's start.
 *
 * <p>Anyone who can reach the port could otherwise read the dataset: a connection that has not
 * authenticated gets nothing but {@code +PONG} and errors, and is closed at its first PSYNC; at most
 * {@link #MAX_CONNECTIONS} are served at once, and a handshake that has not asked PSYNC within 10 s
 * or 16 commands is ended.
 */
final class SpoolMaster implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SpoolMaster.class);
    private static final int MARK = 40;
    /** the longest command a replica sends in its handshake: anything longer is not one */
    private static final int MAX_ARGUMENT = 4096;
    /** how often a replica waiting for the RDB's first bytes, or done loading it, hears from us */
    private static final long KEEPALIVE_MILLIS = 1000;
    /**
     * connections served at once: one target needs one (two while a broken link is noticed); more
     * are refused, so that nobody who reaches the port can hold threads of the worker
     */
    static final int MAX_CONNECTIONS = 4;
    /** a replica's handshake is a few round trips (PING, AUTH, REPLCONF twice or thrice, PSYNC) */
    static final long HANDSHAKE_MILLIS = 10_000;
    static final int HANDSHAKE_COMMANDS = 16;

    private final ServerSocketChannel listener;
    private final Spool rdb;
    private final byte[] password;
    private final String replId = HexFormat.of().formatHex(randomBytes(20));
    private final Thread acceptor;
    private final List<SocketChannel> sockets = new ArrayList<>();
    private final AtomicLong bytesServed = new AtomicLong();
    private final AtomicInteger fullSyncs = new AtomicInteger();
    private final AtomicInteger completeSends = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean closed;
    private volatile String lastFailure;

    /**
     * Listens on {@code host} (an ephemeral port) for replicas that authenticate with {@code password}.
     */
    SpoolMaster(String host, byte[] password, Spool rdb) throws IOException {
        this.listener = ServerSocketChannel.open();
        this.listener.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 4);
        this.password = password.clone();
        this.rdb = rdb;
        this.acceptor = MigrationThreads.factory("spool-master").newThread(this::acceptLoop);
        this.acceptor.start();
    }

    int port() {
        return listener.socket().getLocalPort();
    }

    /** RDB bytes sent to replicas, over every full sync. */
    long bytesServed() {
        return bytesServed.get();
    }

    /** Full syncs begun (a replica that reconnected asks again). */
    int fullSyncs() {
        return fullSyncs.get();
    }

    /** Full syncs whose whole RDB, end mark included, was sent. */
    int completeSends() {
        return completeSends.get();
    }

    /** Connections closed unserved: {@link #MAX_CONNECTIONS} were open. */
    int refusedConnections() {
        return refused.get();
    }

    /** Why the last full sync ended early (null: none did). */
    String lastFailure() {
        return lastFailure;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel replica;
            try {
                replica = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.warnf("the replica load's listener could not accept a connection: %s", e.toString());
                sleepQuietly(100); // e.g. out of file descriptors: not in a tight loop
                continue;
            }
            synchronized (sockets) {
                if (closed) {
                    closeQuietly(replica);
                    return;
                }
                if (sockets.size() >= MAX_CONNECTIONS) {
                    refused.incrementAndGet();
                    closeQuietly(replica);
                    continue;
                }
                sockets.add(replica);
            }
            MigrationThreads.factory("spool-master-replica").newThread(() -> serve(replica)).start();
        }
    }

    private void serve(SocketChannel replica) {
        try (replica) {
            replica.socket().setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(replica.socket().getInputStream());
            OutputStream out = new BufferedOutputStream(replica.socket().getOutputStream(), 1 << 12);
            if (handshake(replica, in, out)) {
                sendRdb(replica, out);
                drainUntilClosed(in, out);
            }
        } catch (IOException e) {
            if (!closed) {
                lastFailure = e.getMessage();
                LOG.debugf("a replica's full sync ended: %s", e.toString());
            }
        } finally {
            synchronized (sockets) {
                sockets.remove(replica);
            }
        }
    }

    /**
     * Answers the replica's handshake, which must end (PSYNC) within {@link #HANDSHAKE_MILLIS} and
     * {@link #HANDSHAKE_COMMANDS} commands: a peer that keeps talking without syncing holds a place
     * of the {@link #MAX_CONNECTIONS} no longer than that.
     * @return whether it authenticated and asked for a sync
     */
    private boolean handshake(SocketChannel replica, InputStream in, OutputStream out) throws IOException {
        boolean authenticated = false;
        long deadline = System.nanoTime() + HANDSHAKE_MILLIS * 1_000_000L;
        for (int commands = 0; ; commands++) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0 || commands >= HANDSHAKE_COMMANDS) {
                throw new IOException("no PSYNC within " + HANDSHAKE_MILLIS + " ms and " + HANDSHAKE_COMMANDS + " commands");
            }
            replica.socket().setSoTimeout((int) left);
            List<byte[]> argv = readCommand(in);
            String name = new String(argv.get(0), StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
            switch (name) {
                case "PING" -> reply(out, "+PONG");
                case "AUTH" -> {
                    // AUTH <password> or AUTH <masteruser> <password>: only the password is this load's secret
                    authenticated = argv.size() >= 2
                            && MessageDigest.isEqual(argv.get(argv.size() - 1), password);
                    if (!authenticated) {
                        reply(out, "-WRONGPASS invalid password");
                        return false; // one try per connection
                    }
                    reply(out, "+OK");
                }
                case "REPLCONF" -> reply(out, "+OK");
                case "PSYNC", "SYNC" -> {
                    if (!authenticated) {
                        reply(out, "-NOAUTH Authentication required.");
                        return false;
                    }
                    return true;
                }
                default -> reply(out, "-ERR unknown command '" + name.replaceAll("[^A-Z-]", "") + "'");
            }
        }
    }

    /** +FULLRESYNC, then the spool from its start in the diskless format, ended by the mark. */
    private void sendRdb(SocketChannel replica, OutputStream out) throws IOException {
        fullSyncs.incrementAndGet();
        byte[] mark = HexFormat.of().formatHex(randomBytes(MARK / 2)).getBytes(StandardCharsets.US_ASCII);
        out.write(("+FULLRESYNC " + replId + " 0\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // a disk-based source sends its first RDB bytes once its BGSAVE is done, which can take longer than the
        // replica's repl-timeout: until then a newline a second keeps the link alive, as Redis's own master does
        while (rdb.awaitReadable(0, KEEPALIVE_MILLIS) < 0) {
            if (closed) {
                throw new EOFException("the load was ended");
            }
            out.write('\n');
            out.flush();
        }
        out.write("$EOF:".getBytes(StandardCharsets.US_ASCII));
        out.write(mark);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        try (FileChannel file = FileChannel.open(rdb.file(), StandardOpenOption.READ)) {
            long position = 0;
            long readable;
            while ((readable = rdb.awaitReadable(position)) > 0) {
                if (closed) {
                    throw new EOFException("the load was ended");
                }
                long sent = file.transferTo(position, readable, replica);
                position += sent;
                bytesServed.addAndGet(sent);
            }
        }
        out.write(mark);
        out.flush();
        completeSends.incrementAndGet();
    }

    /**
     * After the RDB: reads (and drops) the replica's acknowledgements and, once it has sent one,
     * pings it, so that neither side's timeout ends the link before the replica is detached. Not
     * before: a replica that loads from disk looks for the end mark in the last bytes of each read,
     * and a PING read together with the mark would hide it (Redis's own master waits for the first
     * {@code REPLCONF ACK} as well).
     */
    private void drainUntilClosed(InputStream in, OutputStream out) throws IOException {
        byte[] ping = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] buffer = new byte[4096];
        long lastPing = System.nanoTime();
        boolean heard = false;
        while (!closed) {
            if (heard && System.nanoTime() - lastPing > KEEPALIVE_MILLIS * 1_000_000L) {
                out.write(ping);
                out.flush();
                lastPing = System.nanoTime();
            }
            if (in.available() > 0) {
                if (in.read(buffer) < 0) {
                    return;
                }
                heard = true;
            } else {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One command as a replica sends it: a RESP array of bulk strings. */
    private static List<byte[]> readCommand(InputStream in) throws IOException {
        String header = readLine(in);
        if (header.isEmpty() || header.charAt(0) != '*') {
            throw new IOException("not a replica's command: " + header.length() + " bytes of something else");
        }
        int count = parseCount(header);
        if (count < 1 || count > 16) {
            throw new IOException("not a replica's command: " + count + " arguments");
        }
        List<byte[]> argv = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String bulk = readLine(in);
            if (bulk.isEmpty() || bulk.charAt(0) != '$') {
                throw new IOException("not a replica's command: an argument without its length");
            }
            int length = parseCount(bulk);
            if (length < 0 || length > MAX_ARGUMENT) {
                throw new IOException("not a replica's command: an argument of " + length + " bytes");
            }
            byte[] arg = in.readNBytes(length);
            if (arg.length != length || in.read() != '\r' || in.read() != '\n') {
                throw new EOFException("the replica closed the connection");
            }
            argv.add(arg);
        }
        return argv;
    }

    private static int parseCount(String line) throws IOException {
        try {
            return Integer.parseInt(line.substring(1));
        } catch (NumberFormatException e) {
            throw new IOException("not a replica's command: a malformed length");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (line.length() <= 32) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the replica closed the connection");
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) c);
        }
        throw new IOException("not a replica's command: a line too long");
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** Stops listening and ends every replica's connection. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        synchronized (sockets) {
            sockets.forEach(SpoolMaster::closeQuietly);
            sockets.clear();
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
