package dev.redismigrate.stream;

import static dev.redismigrate.stream.StreamReplayerTest.await;
import static dev.redismigrate.stream.StreamReplayerTest.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stream into a real cluster target (3 masters, a replica each) whose nodes go away under writes
 * (INCRs: a command applied twice or lost shows in the counter). The stream reconnects, reads the
 * topology again and resumes from the slots' checkpoints: still streaming, every counter exact.
 */
class ClusterTargetReconnectTest {
    private static final int ROUNDS = 3000;
    @RegisterExtension
    static final StreamTestLinks LINKS = new StreamTestLinks();

    /** Every master's connections killed, then master 1's replica promoted (CLUSTER FAILOVER, which loses nothing). */
    @Test
    void killedConnectionsAndAFailoverMidStreamAreReconnectedAndEveryCounterIsExact() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisServer source = RedisServer.start(); RedisServer helper = RedisServer.start();
             RedisLink writes = LINKS.connector().open(endpoint(source), "test-load")) {
            String[] tag = tagPerMaster();
            Stream stream = Stream.start(cluster, source, helper);
            for (int i = 0; i < ROUNDS; i++) {
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
            stream.awaitExact(cluster, tag, ROUNDS);
            assertTrue(cluster.nodes().get(4).cli("ROLE").startsWith("master"), "the failover took place");

            // and it goes on after the hand-over
            writes.call("INCR", "{" + tag[1] + "}counter");
            stream.awaitExact(cluster, new String[] {tag[1]}, ROUNDS + 1);
            stream.stop();
        }
    }

    /**
     * The node the stream was given as the cluster target (its registration's node, master 0) dies and its replica
     * takes over: the reconnect reaches the cluster through another node it knew, and every counter ends exact.
     * Before 12-07 the reconnect waited for the dead node until {@code target-retry-for}, then failed.
     */
    @Test
    void theTargetsRegisteredNodeDyingIsReachedThroughAnotherNode() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisServer source = RedisServer.start(); RedisServer helper = RedisServer.start();
             RedisLink writes = LINKS.connector().open(endpoint(source), "test-load")) {
            String[] tag = tagPerMaster();
            Stream stream = Stream.start(cluster, source, helper);
            RedisServer seed = cluster.master(0);
            RedisServer replica = cluster.nodes().get(3); // master 0's
            RedisServer reader = cluster.master(1);
            int rounds = 2000;
            for (int i = 0; i < rounds; i++) {
                for (String t : tag) {
                    writes.call("INCR", "{" + t + "}counter");
                }
                if (i == 1000) {
                    seed.kill();
                    assertEquals("OK", replica.cli("CLUSTER", "FAILOVER", "TAKEOVER").trim());
                    await(() -> replica.cli("ROLE").startsWith("master"), "master 0's replica promoted");
                }
            }
            for (String t : tag) {
                await(() -> Integer.toString(rounds).equals(reader.cli("-c", "GET", "{" + t + "}counter").trim()),
                        () -> "counter {" + t + "} at " + rounds + ", is " + reader.cli("-c", "GET", "{" + t + "}counter").trim()
                                + "; events: " + stream.events().stream().filter(e -> e.type() != EventType.STREAM_PROGRESS).toList());
            }
            assertTrue(stream.thread().isAlive(), "still streaming");
            stream.stop();
        }
    }

    /**
     * Master 1's replica loses its link (killed, and the master now wants a password the replica does
     * not have, so it stays down) for longer than the change log's trim period while the stream goes
     * on; then master 1 dies and the replica takes over (CLUSTER FAILOVER TAKEOVER): the target lost
     * writes its old master had acknowledged, the slot's checkpoint going back with them. The stream
     * applies them again from the change log, which is only trimmed behind what a replica confirmed
     * holding (WAIT).
     */
    @Test
    void aFailoverThatLosesAcknowledgedWritesIsReappliedFromTheChangeLog() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisServer source = RedisServer.start(); RedisServer helper = RedisServer.start();
             RedisLink writes = LINKS.connector().open(endpoint(source), "test-load")) {
            String[] tag = tagPerMaster();
            String counter = "{" + tag[1] + "}counter";
            RedisServer master = cluster.master(1);
            RedisServer replica = cluster.nodes().get(4);
            Stream stream = Stream.start(cluster, source, helper);
            for (int i = 0; i < ROUNDS; i++) {
                for (String t : tag) {
                    writes.call("INCR", "{" + t + "}counter");
                }
                if (i == 1000) { // the stream's connections stay authenticated; the replica's new one cannot
                    master.cli("CONFIG", "SET", "requirepass", "not-the-replicas");
                    replica.cli("CLIENT", "KILL", "TYPE", "master");
                    await(() -> replica.cli("INFO", "replication").contains("master_link_status:down"), "the link down");
                }
                if (i > 1000 && i < 1500) {
                    Thread.sleep(8); // 4 s without the replica's link: twice the change log's trim period
                }
                if (i == 1500) {
                    await(() -> Long.parseLong(masterGet(master, counter)) > 1400, "the stream applying to master 1");
                    long acknowledged = Long.parseLong(masterGet(master, counter));
                    master.kill();
                    assertEquals("OK", replica.cli("CLUSTER", "FAILOVER", "TAKEOVER").trim());
                    await(() -> replica.cli("ROLE").startsWith("master"), "the replica promoted");
                    long kept = Long.parseLong(replica.cli("GET", counter).trim());
                    assertTrue(kept < acknowledged, "the failover lost acknowledged writes: the promoted replica holds "
                            + kept + ", master 1 had " + acknowledged);
                }
            }
            stream.awaitExact(cluster, tag, ROUNDS);
            stream.stop();
        }
    }

    /**
     * A stream gone idle has moved its checkpoints out of the target's slots; then one master (no replica)
     * restarts without persistence: it comes back with its slots and no key, the others keep theirs,
     * nothing in the slots' checkpoints tells it. The shard's keyspace does: the stream ends naming it.
     */
    @Test
    void aMasterRestartedEmptyWhileTheStreamIsIdleIsReported() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
             RedisServer source = RedisServer.start(); RedisServer helper = RedisServer.start();
             RedisLink writes = LINKS.connector().open(endpoint(source), "test-load")) {
            String[] tag = tagPerMaster();
            Stream stream = Stream.start(cluster, source, helper);
            for (String t : tag) {
                writes.call("INCR", "{" + t + "}counter");
            }
            stream.awaitExact(cluster, tag, 1);
            // idle: every slot's checkpoint has left the target, which now holds the counters alone
            for (int m = 0; m < 3; m++) {
                RedisServer master = cluster.master(m);
                await(() -> master.cli("DBSIZE").trim().equals("1"), "the checkpoints gone from master " + master.port());
            }
            Thread.sleep(500); // past the progress tick that took what the idle target held
            assertTrue(stream.thread().isAlive(), () -> "an idle stream goes on: " + stream.failures());

            cluster.master(1).restartEmpty();
            stream.thread().join(20_000);
            String failed = stream.events().stream().filter(e -> e.type() == EventType.FAILED).map(e -> e.message())
                    .findFirst().orElse(null);
            int from = HashSlot.SLOTS / 3;
            int to = HashSlot.SLOTS * 2 / 3 - 1;
            assertTrue(failed != null && failed.contains("lost its data: its shard of slots " + from + "-" + to + " held 1 keys"),
                    () -> "the stream ended naming the emptied shard: " + stream.failures());
        }
    }

    private static String masterGet(RedisServer master, String key) {
        return master.cli("-a", "not-the-replicas", "--no-auth-warning", "GET", key).trim();
    }

    /** A stream of a standalone source into the cluster, and what it reported. */
    private record Stream(StreamReplayer replayer, Thread thread, StreamReplayerTest.RecordedEvents events) {

        static Stream start(RedisCluster cluster, RedisServer source, RedisServer helper) throws Exception {
            // an empty source with a backlog: the stream follows it from its current offset
            ReplicationOffset from = StreamReplayerTest.detachedReplicaOffset(source, helper);
            StreamReplayerTest.RecordedEvents events = new StreamReplayerTest.RecordedEvents();
            StreamReplayer replayer = new StreamReplayer(new StreamRequest(UUID.randomUUID(), 1, endpoint(source),
                    endpoint(cluster.master(0)), Set.of(), from), LINKS.connector(), events::add, LINKS.checkpoints(),
                    StreamReplayerTest.CHANGE_LOG, StreamReplayerTest.config());
            Thread thread = new Thread(replayer);
            thread.start();
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // the claim reads 16384 slots' checkpoints
            while (events.stream().noneMatch(e -> e.type() == EventType.STREAM_STARTED) && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertTrue(events.stream().anyMatch(e -> e.type() == EventType.STREAM_STARTED), "streaming within 60 s");
            return new Stream(replayer, thread, events);
        }

        /** Every tag's counter at {@code expected} on the target, the stream still running, nothing failed. */
        void awaitExact(RedisCluster cluster, String[] tags, int expected) throws InterruptedException {
            for (String t : tags) {
                await(() -> Integer.toString(expected).equals(cluster.cli("GET", "{" + t + "}counter").trim()),
                        () -> "counter {" + t + "} at " + expected + " on the target, is "
                                + cluster.cli("GET", "{" + t + "}counter").trim() + "; events: " + failures()
                                // a failover that did not complete (seen once in CI: CLUSTERDOWN to the end) says why
                                + "; the first node's view:\n" + cluster.nodes().get(0).cli("CLUSTER", "INFO")
                                + cluster.nodes().get(0).cli("CLUSTER", "NODES")
                                // a stream stalled with the cluster ok (seen once in CI: a counter stuck after the
                                // connections were killed) says where
                                + "the stream's threads:\n" + StreamReplayerTest.streamThreads());
            }
            assertTrue(thread.isAlive(), () -> "still streaming: " + failures());
            assertTrue(events.stream().noneMatch(e -> e.type() == EventType.FAILED), this::failures);
        }

        void stop() throws InterruptedException {
            replayer.stop();
            thread.join(10_000);
            assertTrue(events.stream().noneMatch(e -> e.type() == EventType.FAILED), this::failures);
        }

        private String failures() {
            return events.stream().filter(e -> e.type() != EventType.STREAM_PROGRESS).toList().toString();
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
