package dev.redismigrate.snapshot;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of a real redis-server that answers PSYNC itself, with a full resync and an
 * RDB of the test's making: the copier's own connections and parser read a crafted snapshot, while
 * every other command (INFO, CONFIG, PING, REPLCONF) is the real server's business.
 */
final class RdbServingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int backendPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger psyncs = new AtomicInteger();
    private volatile byte[] rdb;

    RdbServingProxy(int backendPort) throws IOException {
        this.backendPort = backendPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(this::acceptLoop, "proxy-accept").start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The RDB the next PSYNC gets. */
    void serve(byte[] rdb) {
        this.rdb = rdb;
    }

    /** PSYNCs answered so far (a copy that retried would ask again). */
    int psyncs() {
        return psyncs.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort);
                sockets.add(client);
                sockets.add(backend);
                daemon(() -> pump(backend, client), "proxy-to-client").start();
                daemon(() -> commands(client, backend), "proxy-to-server").start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Replies of the real server, as they are. */
    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                synchronized (to) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException closed) {
            // either side went away
        }
    }

    /** The client's commands, one RESP array at a time: PSYNC answered here, the rest passed on. */
    private void commands(Socket client, Socket backend) {
        try {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream toBackend = backend.getOutputStream();
            while (true) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                String header = line(in, raw);
                if (!header.startsWith("*")) {
                    throw new IOException("not a RESP array: " + header);
                }
                String name = null;
                for (int i = Integer.parseInt(header.substring(1)); i > 0; i--) {
                    int len = Integer.parseInt(line(in, raw).substring(1));
                    byte[] arg = in.readNBytes(len + 2);
                    raw.write(arg);
                    if (name == null) {
                        name = new String(arg, 0, len, StandardCharsets.US_ASCII);
                    }
                }
                if ("PSYNC".equalsIgnoreCase(name)) {
                    psyncs.incrementAndGet();
                    byte[] payload = rdb;
                    synchronized (client) {
                        OutputStream out = client.getOutputStream();
                        out.write(("+FULLRESYNC " + "0123456789abcdef0123456789abcdef01234567 0\r\n$" + payload.length + "\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(payload);
                        out.flush();
                    }
                    return; // what the replica sends next (REPLCONF ACK) is for no one
                }
                toBackend.write(raw.toByteArray());
                toBackend.flush();
            }
        } catch (IOException | RuntimeException closed) {
            // the client went away
        }
    }

    private static String line(InputStream in, ByteArrayOutputStream raw) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new EOFException();
            }
            raw.write(b);
            if (b != '\r') {
                s.append((char) b);
            }
        }
        raw.write('\n');
        return s.toString();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
