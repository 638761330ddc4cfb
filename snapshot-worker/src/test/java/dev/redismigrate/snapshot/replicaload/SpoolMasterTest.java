package dev.redismigrate.snapshot.replicaload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.snapshot.spool.Spool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master side of the handshake, spoken to by hand: what a replica and a stranger each get. */
class SpoolMasterTest {
    private static final byte[] SECRET = "redis-migrate:test:secret".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void aReplicaWaitingForTheFirstRdbBytesHearsANewlineASecondThenGetsTheRdbInTheDisklessFormat() throws Exception {
        try (Spool spool = new Spool(dir, 1_000_000); SpoolMaster master = new SpoolMaster("127.0.0.1", SECRET, spool);
             Socket replica = new Socket("127.0.0.1", master.port())) {
            replica.setSoTimeout(10_000);
            OutputStream out = replica.getOutputStream();
            InputStream in = replica.getInputStream();
            out.write(command("AUTH", new String(SECRET, StandardCharsets.US_ASCII)));
            assertEquals("+OK", line(in));
            out.write(command("PSYNC", "?", "-1"));
            assertTrue(line(in).startsWith("+FULLRESYNC "));

            // a disk-based source's BGSAVE: no RDB byte for 2.5 s
            long start = System.nanoTime();
            int newlines = 0;
            while (System.nanoTime() - start < 2_500_000_000L) {
                assertEquals('\n', in.read(), "only newlines until the RDB's first bytes");
                newlines++;
            }
            assertTrue(newlines >= 2, "a newline a second: " + newlines);

            byte[] rdb = "REDIS0011 pretend this is an RDB".getBytes(StandardCharsets.US_ASCII);
            spool.write(rdb, 0, rdb.length);
            spool.finish();
            String header = line(in);
            while (header.isEmpty()) {
                header = line(in); // newlines sent before the bytes were readable
            }
            assertTrue(header.startsWith("$EOF:") && header.length() == 5 + 40, header);
            byte[] mark = header.substring(5).getBytes(StandardCharsets.US_ASCII);
            byte[] body = in.readNBytes(rdb.length + mark.length);
            assertArrayEquals(rdb, Arrays.copyOf(body, rdb.length));
            assertArrayEquals(mark, Arrays.copyOfRange(body, rdb.length, body.length), "ended by the mark");
            long until = System.currentTimeMillis() + 5_000;
            while (master.completeSends() < 1 && System.currentTimeMillis() < until) {
                Thread.sleep(10); // counted once the mark was flushed
            }
            assertEquals(1, master.completeSends());

            // nothing after the mark until the replica speaks: a PING read with the mark would hide it from a disk load
            Thread.sleep(1_500);
            assertEquals(0, in.available(), "no PING before the replica's first acknowledgement");
            out.write(command("REPLCONF", "ACK", "0"));
            assertEquals("*1", line(in), "then a PING a second");
            assertEquals("$4", line(in));
            assertEquals("PING", line(in));
        }
    }

    @Test
    void aPeerThatTalksWithoutSyncingIsClosedAfterSixteenCommands() throws Exception {
        try (Spool spool = new Spool(dir, 1_000_000); SpoolMaster master = new SpoolMaster("127.0.0.1", SECRET, spool);
             Socket squatter = new Socket("127.0.0.1", master.port())) {
            squatter.setSoTimeout(5_000);
            InputStream in = squatter.getInputStream();
            for (int i = 0; i < SpoolMaster.HANDSHAKE_COMMANDS; i++) {
                squatter.getOutputStream().write(command("PING"));
                assertEquals("+PONG", line(in));
            }
            assertEquals(-1, in.read(), "closed after its sixteenth: its place is given back");
        }
    }

    @Test
    void connectionsBeyondTheCapAreClosedUnservedAndAFreedPlaceServesAgain() throws Exception {
        try (Spool spool = new Spool(dir, 1_000_000); SpoolMaster master = new SpoolMaster("127.0.0.1", SECRET, spool)) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < SpoolMaster.MAX_CONNECTIONS; i++) {
                    Socket s = new Socket("127.0.0.1", master.port());
                    s.getOutputStream().write(command("PING"));
                    s.setSoTimeout(5_000);
                    assertEquals("+PONG", line(s.getInputStream()), "served while under the cap");
                    idle.add(s);
                }
                try (Socket beyond = new Socket("127.0.0.1", master.port())) {
                    beyond.setSoTimeout(5_000);
                    assertEquals(-1, beyond.getInputStream().read(), "closed without a word");
                }
                assertEquals(1, master.refusedConnections());

                idle.remove(0).close();
                long until = System.currentTimeMillis() + 5_000;
                String answer = null;
                while (answer == null && System.currentTimeMillis() < until) {
                    try (Socket again = new Socket("127.0.0.1", master.port())) {
                        again.setSoTimeout(5_000);
                        again.getOutputStream().write(command("PING"));
                        answer = line(again.getInputStream());
                    } catch (IOException closedStill) {
                        Thread.sleep(50); // the freed place is noticed once its thread ends
                    }
                }
                assertEquals("+PONG", answer);
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aWrongPasswordGetsNoRdbAndTheConnectionIsClosed() throws Exception {
        try (Spool spool = new Spool(dir, 1_000_000); SpoolMaster master = new SpoolMaster("127.0.0.1", SECRET, spool);
             Socket stranger = new Socket("127.0.0.1", master.port())) {
            stranger.setSoTimeout(5_000);
            stranger.getOutputStream().write(command("PSYNC", "?", "-1"));
            assertEquals("-NOAUTH Authentication required.", line(stranger.getInputStream()));
            assertEquals(-1, stranger.getInputStream().read());
            assertEquals(0, master.fullSyncs());
        }
    }

    private static byte[] command(String... argv) {
        StringBuilder resp = new StringBuilder("*" + argv.length + "\r\n");
        for (String arg : argv) {
            resp.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
        }
        return resp.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** One line without its CRLF (a bare newline reads as ""); throws at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new java.io.EOFException("closed");
            }
            bytes.write(c);
        }
        String s = bytes.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
