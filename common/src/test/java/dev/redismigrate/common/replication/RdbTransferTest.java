package dev.redismigrate.common.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.cmd.impl.DefaultCommand;
import com.moilioncircle.redis.replicator.event.PreCommandSyncEvent;
import com.moilioncircle.redis.replicator.io.RedisInputStream;
import com.moilioncircle.redis.replicator.util.CRC64;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The RDB of a full sync copied off the link unparsed: from real servers, and byte by byte. */
class RdbTransferTest {
    static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    /** diskless ($EOF:<mark>, ended by the mark) and from disk ($<length>) */
    @ParameterizedTest
    @ValueSource(strings = {"yes", "no"})
    void theWholeRdbArrivesAndTheCommandsAfterItComeAsEvents(String diskless) throws Exception {
        try (RedisServer source = RedisServer.start("--repl-diskless-sync", diskless);
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1)) {
            // random values (incompressible) of 2 MB in all: the RDB spans many socket reads
            source.cli("EVAL", "for i = 1, 200 do local v = {} for j = 1, 10000 do v[j] = string.char(math.random(0, 255)) end"
                    + " redis.call('SET', 'k' .. i, table.concat(v)) end", "0");
            ByteArrayOutputStream rdb = new ByteArrayOutputStream();
            int[] ends = {0};
            List<String> commands = new CopyOnWriteArrayList<>();
            Replicator link = SourceReplicas.fullSync(new RedisEndpoint(source.host(), source.port(), null, null, false),
                    connector, List.of("SET"), new RdbTransfer.Sink() {
                        public void write(byte[] bytes, int offset, int length) {
                            rdb.write(bytes, offset, length);
                        }

                        public void end() {
                            ends[0]++;
                        }
                    }, 5_000);
            link.addEventListener((r, event) -> {
                if (event instanceof PreCommandSyncEvent) {
                    source.cli("SET", "after", "the-rdb");
                } else if (event instanceof DefaultCommand command) {
                    commands.add(new String(command.getCommand(), StandardCharsets.US_ASCII) + " "
                            + new String(command.getArgs()[0], StandardCharsets.US_ASCII));
                    try {
                        r.close();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            link.open();

            byte[] bytes = rdb.toByteArray();
            assertEquals(1, ends[0]);
            assertTrue(bytes.length > 2_000_000, "RDB of " + bytes.length + " bytes");
            assertEquals("REDIS", new String(bytes, 0, 5, StandardCharsets.US_ASCII));
            long trailer = ByteBuffer.wrap(bytes, bytes.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(CRC64.crc64(bytes, 0, bytes.length - 8), trailer, "the RDB's own checksum: every byte, no mark");
            assertEquals(List.of("SET after"), commands);
        }
    }

    @Test
    void aMarkSplitOverReadsIsFoundAndWhatFollowsStaysOnTheLink() throws IOException {
        String mark = "0123456789abcdef0123456789abcdef01234567";
        byte[] rdb = ("REDIS0009" + "0123456789abcdef0123".repeat(5) + "xyz").getBytes(StandardCharsets.US_ASCII);
        byte[] wire = concat(("\n\n$EOF:" + mark + "\r\n").getBytes(StandardCharsets.US_ASCII), rdb,
                mark.getBytes(StandardCharsets.US_ASCII), "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
        RedisInputStream in = new RedisInputStream(new Trickle(wire), 7); // reads of 1-3 bytes into a 7-byte buffer
        ByteArrayOutputStream got = new ByteArrayOutputStream();

        RdbTransfer.copy(in, sink(got));

        assertArrayEquals(rdb, got.toByteArray());
        assertEquals('*', in.read(), "the command after the RDB is the library's to read");
    }

    @Test
    void anRdbOfAGivenLengthLeavesWhatFollowsOnTheLink() throws IOException {
        byte[] rdb = "REDIS0009-some-rdb-bytes".getBytes(StandardCharsets.US_ASCII);
        byte[] wire = concat(("$" + rdb.length + "\r\n").getBytes(StandardCharsets.US_ASCII), rdb,
                "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
        RedisInputStream in = new RedisInputStream(new ByteArrayInputStream(wire), 1 << 16); // all in one read
        ByteArrayOutputStream got = new ByteArrayOutputStream();

        RdbTransfer.copy(in, sink(got));

        assertArrayEquals(rdb, got.toByteArray());
        assertEquals('*', in.read());
    }

    @Test
    void aLinkClosedBeforeTheMarkIsAnEndOfStreamNotAnRdb() {
        String mark = "0123456789abcdef0123456789abcdef01234567";
        byte[] wire = ("$EOF:" + mark + "\r\nREDIS0009-cut-here").getBytes(StandardCharsets.US_ASCII);
        RedisInputStream in = new RedisInputStream(new ByteArrayInputStream(wire), 16);
        int[] ends = {0};
        assertThrows(EOFException.class, () -> RdbTransfer.copy(in, new RdbTransfer.Sink() {
            public void write(byte[] bytes, int offset, int length) {
            }

            public void end() {
                ends[0]++;
            }
        }));
        assertEquals(0, ends[0], "an RDB cut short is never ended");
    }

    private static RdbTransfer.Sink sink(ByteArrayOutputStream into) {
        return new RdbTransfer.Sink() {
            public void write(byte[] bytes, int offset, int length) {
                into.write(bytes, offset, length);
            }

            public void end() {
            }
        };
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    /** A socket that hands over 1, 2 or 3 bytes per read. */
    private static final class Trickle extends InputStream {
        private final byte[] bytes;
        private int at;
        private int turn;

        Trickle(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return at < bytes.length ? bytes[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (at >= bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, 1 + turn++ % 3), bytes.length - at);
            System.arraycopy(bytes, at, b, off, n);
            at += n;
            return n;
        }
    }
}
