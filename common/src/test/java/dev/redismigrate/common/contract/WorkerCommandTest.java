package dev.redismigrate.common.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WorkerCommandTest {
    private static final UUID ID = UUID.fromString("6f1c2a8e-1d3b-4c5a-9e7f-0a1b2c3d4e5f");
    private static final RedisEndpoint SOURCE = new RedisEndpoint("10.0.0.1", 6379, null, null, false);
    private static final RedisEndpoint TARGET = new RedisEndpoint("10.0.0.2", 6379, null, null, false);

    @Test
    void eachCommandKnowsItsTopic() {
        assertEquals(Topics.SNAPSHOT_REQUESTS, new SnapshotRequest(ID, 1, SOURCE, TARGET, Set.of()).topic());
        assertEquals(Topics.STREAM_REQUESTS, new StreamRequest(ID, 1, SOURCE, TARGET, Set.of(), null).topic());
        assertEquals(Topics.CONTROL, new StopRequest(ID, "why").topic());
        assertEquals(Topics.VERIFY_REQUESTS,
                new VerifyRequest(UUID.randomUUID(), ID, SOURCE, TARGET, Set.of(), VerifyMode.FULL, null).topic());
    }

    /** A migration's commands share a key (one partition, in order); the parts of a split scan spread out. */
    @Test
    void theKeyIsTheMigrationOrForAPartOfAScanTheMigrationAndThePart() {
        assertEquals(ID.toString(), new SnapshotRequest(ID, 1, SOURCE, TARGET, Set.of()).key());
        assertEquals(ID + "/2", new SnapshotRequest(ID, 1, SOURCE, TARGET, Set.of(), MigrationMethod.SCAN, 2, 3).key());
        assertEquals(ID.toString(), new StopRequest(ID, "why", 2).key());
        assertEquals(ID.toString(),
                new VerifyRequest(UUID.randomUUID(), ID, SOURCE, TARGET, Set.of(), VerifyMode.SAMPLE, 10).key());
    }

    @Test
    void topicAndKeyAreNotPartOfTheRecord() {
        String json = MessageCodec.encode(new SnapshotRequest(ID, 1, SOURCE, TARGET, Set.of(), MigrationMethod.SCAN, 2, 3));
        assertFalse(json.contains("topic") || json.contains("\"key\""), json);
        assertEquals(new StopRequest(ID, "why", 2), MessageCodec.decode(MessageCodec.encode(new StopRequest(ID, "why", 2)),
                StopRequest.class));
    }
}
