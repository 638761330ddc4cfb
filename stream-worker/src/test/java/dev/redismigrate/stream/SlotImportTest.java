package dev.redismigrate.stream;

import static dev.redismigrate.stream.StreamReplayerTest.await;
import static dev.redismigrate.stream.StreamReplayerTest.endpoint;
import static dev.redismigrate.stream.StreamReplayerTest.detachedReplicaOffset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A key handed from one shard of a cluster source to another by MIGRATE (resharding) reaches the
 * importing master's stream as RESTORE-ASKING. Its shard's stream must end the migration naming the
 * slot before that restore is applied: the migrating shard's delete of the key runs on another stream,
 * in no common order, so applying it could fail on the key still there (BUSYKEY) or bring a deleted
 * key back. The slot watch (SlotWatchedTask) polls every 2 s and is not part of this test: the stream
 * alone must see it, every time.
 */
class SlotImportTest {
    @RegisterExtension
    static final StreamTestLinks LINKS = new StreamTestLinks();

    @Test
    void aKeyHandedOverByMigrateEndsTheImportingShardsStreamBeforeItIsApplied() throws Exception {
        try (RedisCluster source = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
             RedisServer target = RedisServer.start()) {
            RedisServer from = source.master(0);
            RedisServer to = source.master(1);
            int slot = 100; // master 0 serves slots 0-5460, master 1 5461-10921
            String moving = "moving:{" + HashSlot.tag(slot) + "}";
            String staying = "staying:{" + HashSlot.tag(6000) + "}";
            from.cli("SET", moving, "v");
            // the snapshot of shard 1 by replication (a master without a replica keeps no backlog to continue from)
            ReplicationOffset at = detachedReplicaOffset(to, target);

            StreamReplayerTest.RecordedEvents events = new StreamReplayerTest.RecordedEvents();
            StreamRequest request = new StreamRequest(UUID.randomUUID(), 1, endpoint(to), endpoint(target), Set.of(), at,
                    MigrationMethod.REPLICATION, null, 1, null, "5461-10921");
            Thread thread = new Thread(new StreamReplayer(request, LINKS.connector(), events::add,
                    LINKS.checkpoints(), StreamReplayerTest.CHANGE_LOG, StreamReplayerTest.config()));
            thread.start();
            await(() -> events.stream().anyMatch(e -> e.type() == EventType.STREAM_STARTED), () -> "shard 1 streaming: " + events);
            to.cli("SET", staying, "streamed");
            await(() -> "streamed".equals(target.cli("GET", staying).trim()), "shard 1's own writes applied");

            to.cli("CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", RedisCluster.nodeId(from));
            from.cli("CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", RedisCluster.nodeId(to));
            assertEquals("OK", from.cli("MIGRATE", to.host(), Integer.toString(to.port()), moving, "0", "5000").trim());
            assertEquals("v", to.cli("-c", "GET", moving).trim().lines().reduce((a, b) -> b).orElse(""),
                    "the key lives on master 1 now");

            thread.join(20_000);
            assertFalse(thread.isAlive(), "the shard's stream ended");
            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.FAILED, last.type(), () -> "events: " + events);
            assertTrue(last.message().contains("a slot migration on the source")
                    && last.message().contains("slot " + slot + " receiving keys by MIGRATE"), last.message());
            assertTrue(last.message().contains("slot " + slot + " importing from " + from.host() + ":" + from.port()),
                    last.message());
            assertEquals("0", target.cli("EXISTS", moving).trim(), "the handed-over key was not restored on the target");
        }
    }
}
