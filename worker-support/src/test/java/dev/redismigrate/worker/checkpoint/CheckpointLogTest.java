package dev.redismigrate.worker.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.redismigrate.common.replication.ReplicationOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Against the real Kafka that infra/test.sh starts, on a topic of this test's own. */
class CheckpointLogTest {
    private static final String REPL_ID = "8b3b0c5b7f0d4a7e9d3c2b1a0f9e8d7c6b5a4f3e";

    @Test
    void eachReadSeesTheLatestCheckpointOfItsMigrationOnly() {
        try (CheckpointLog log = new CheckpointLog("127.0.0.1:19092", "checkpoint-log-test." + UUID.randomUUID())) {
            UUID first = UUID.randomUUID();
            UUID second = UUID.randomUUID();
            assertNull(log.latest(first), "nothing recorded yet");

            log.record(first, new StreamCheckpoint(1, new ReplicationOffset(REPL_ID, 100, 0)));
            log.record(second, new StreamCheckpoint(1, new ReplicationOffset(REPL_ID, 200, 3)));
            assertEquals(100, log.latest(first).offset().offset());

            // the reader is kept between calls: it must still see what was recorded after its last read
            log.record(first, new StreamCheckpoint(2, new ReplicationOffset(REPL_ID, 150, 1)));
            assertEquals(new StreamCheckpoint(2, new ReplicationOffset(REPL_ID, 150, 1)), log.latest(first));
            assertEquals(new StreamCheckpoint(1, new ReplicationOffset(REPL_ID, 200, 3)), log.latest(second));
            assertNull(log.latest(UUID.randomUUID()));

            // an older attempt's write that lands late (it stalled between its check and its write) is not the latest
            log.record(first, new StreamCheckpoint(1, new ReplicationOffset(REPL_ID, 120, 1)));
            assertEquals(new StreamCheckpoint(2, new ReplicationOffset(REPL_ID, 150, 1)), log.latest(first));
            log.record(first, new StreamCheckpoint(2, new ReplicationOffset(REPL_ID, 170, 1)));
            assertEquals(170, log.latest(first).offset().offset(), "the newest attempt's last");
        }
    }
}
