package dev.redismigrate.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.moilioncircle.redis.replicator.util.CRC64;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** RDB files a real server saved, with values added by hand: what no server here writes (a module's value, an older encoding). */
final class CraftedRdb {
    private CraftedRdb() {
    }

    /** The server's own RDB file (SAVE): magic, version, aux fields, dbs, EOF opcode, CRC64. */
    static byte[] saved(RedisServer server) throws Exception {
        server.cli("SAVE");
        String dir = server.cli("CONFIG", "GET", "dir").trim().split("\n")[1].trim();
        return Files.readAllBytes(Path.of(dir, "dump.rdb"));
    }

    /** The RDB with more values after its last one (in the last db it selected), and its checksum made anew. */
    static byte[] withValue(byte[] rdb, byte[] value) {
        assertEquals((byte) 0xff, rdb[rdb.length - 9], "an RDB ends with the EOF opcode and 8 bytes of CRC64");
        byte[] body = concat(Arrays.copyOf(rdb, rdb.length - 9), value, new byte[] {(byte) 0xff});
        return concat(body, CRC64.longToByteArray(DumpChecksum.of(body, 0, body.length)));
    }

    /**
     * A test class's links for copies from an {@link RdbServingProxy}, opened before its first test and
     * closed after its last: {@code @RegisterExtension static final CraftedRdb.Copies COPIES = new CraftedRdb.Copies();}
     */
    static final class Copies implements BeforeAllCallback, AfterAllCallback {
        private RedisConnector connector;
        private CheckpointLog checkpoints;

        @Override
        public void beforeAll(ExtensionContext context) {
            connector = new RedisConnector(SnapshotCopierTest.CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
            checkpoints = new CheckpointLog("127.0.0.1:19092", "snapshot-worker-test." + UUID.randomUUID() + ".checkpoints");
        }

        @Override
        public void afterAll(ExtensionContext context) {
            connector.close();
            checkpoints.close();
        }

        RedisConnector connector() {
            return connector;
        }

        /** A replication copy from the proxy (serving a crafted RDB) into the target; @return its events, the last one how it ended */
        List<MigrationEvent> copy(RdbServingProxy proxy, RedisServer target) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint("127.0.0.1", proxy.port(), null, null, false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of());
            new SnapshotCopier(request, connector, events::add, checkpoints, SnapshotCopierTest.CHANGE_LOG,
                    SnapshotCopierTest.config()).run();
            return events;
        }
    }

    /** The RDB version in the file's header ("REDIS0010": 10). */
    static int version(byte[] rdb) {
        return Integer.parseInt(new String(rdb, 5, 4, StandardCharsets.US_ASCII));
    }

    /** A short string as the RDB writes it: a 6-bit length, then the bytes. */
    static byte[] rdbString(byte[] s) {
        assertTrue(s.length < 64);
        return concat(new byte[] {(byte) s.length}, s);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

}
