package dev.redismigrate.stream;

import static dev.redismigrate.stream.StreamReplayerTest.await;
import static dev.redismigrate.stream.StreamReplayerTest.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stream into a real cluster target (3 masters, a replica each) whose nodes go away under writes:
 * every connection to the masters killed, then a master replaced by its replica (CLUSTER FAILOVER).
 * The stream reconnects, reads the topology again and resumes from the slots' checkpoints: still
 * streaming, and every counter exact (nothing lost, nothing applied twice).
 */
class ClusterTargetReconnectTest {
    private static RedisConnector connector;
    private static CheckpointLog checkpoints;

    @BeforeAll
    static void start() {
        connector = new RedisConnector(StreamReplayerTest.CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
        checkpoints = new CheckpointLog("127.0.0.1:19092", "stream-worker-test." + UUID.randomUUID() + ".checkpoints");
    }

    @AfterAll
    static void stop() {
        connector.close();
        checkpoints.close();
    }

    @Test
    void killedConnectionsAndAFailoverMidStreamAreReconnectedAndEveryCounterIsExact() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisServer source = RedisServer.start(); RedisServer helper = RedisServer.start();
             RedisLink writes = connector.open(endpoint(source), "test-load")) {
            String[] tag = tagPerMaster();
            // an empty source with a backlog: the stream follows it from its current offset
            ReplicationOffset from = StreamReplayerTest.detachedReplicaOffset(source, helper);
            StreamReplayerTest.RecordedEvents events = new StreamReplayerTest.RecordedEvents();
            StreamReplayer replayer = new StreamReplayer(new StreamRequest(UUID.randomUUID(), 1, endpoint(source),
                    endpoint(cluster.master(0)), Set.of(), from), connector, events::add, checkpoints,
                    StreamReplayerTest.CHANGE_LOG, StreamReplayerTest.config());
            Thread thread = new Thread(replayer);
            thread.start();
            await(() -> events.stream().anyMatch(e -> e.type() == EventType.STREAM_STARTED), "streaming");

            int rounds = 3000;
            for (int i = 0; i < rounds; i++) {
                for (String t : tag) {
                    writes.call("INCR", "{" + t + "}counter");
                }
                if (i == 1000) { // every connection to the masters cut, mid-stream
                    for (int m = 0; m < 3; m++) {
                        cluster.master(m).cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
                    }
                }
                if (i == 2000) { // master 1's replica takes over its slots
                    assertEquals("OK", cluster.nodes().get(4).cli("CLUSTER", "FAILOVER").trim());
                }
            }
            for (String t : tag) {
                await(() -> Integer.toString(rounds).equals(cluster.cli("GET", "{" + t + "}counter").trim()),
                        () -> "counter {" + t + "} at " + rounds + " on the target, is " + cluster.cli("GET", "{" + t + "}counter").trim()
                                + "; events: " + events);
            }
            assertTrue(cluster.nodes().get(4).cli("ROLE").startsWith("master"), "the failover took place");
            assertTrue(thread.isAlive(), () -> "still streaming: " + events);
            assertTrue(events.stream().noneMatch(e -> e.type() == EventType.FAILED), () -> "events: " + events);

            // and it goes on after the hand-over
            writes.call("INCR", "{" + tag[1] + "}counter");
            await(() -> Integer.toString(rounds + 1).equals(cluster.cli("GET", "{" + tag[1] + "}counter").trim()),
                    "a write after the failover applied on the promoted replica");
            replayer.stop();
            thread.join(10_000);
            assertTrue(events.stream().noneMatch(e -> e.type() == EventType.FAILED), () -> "events: " + events);
        }
    }

    /** A hash tag in the slots of each of the 3 masters (RedisCluster splits the slots evenly). */
    private static String[] tagPerMaster() {
        String[] tag = new String[3];
        for (int i = 0; tag[0] == null || tag[1] == null || tag[2] == null; i++) {
            int slot = HashSlot.of("t" + i);
            int master = slot < HashSlot.SLOTS / 3 ? 0 : slot < HashSlot.SLOTS * 2 / 3 ? 1 : 2;
            if (tag[master] == null) {
                tag[master] = "t" + i;
            }
        }
        return tag;
    }
}
