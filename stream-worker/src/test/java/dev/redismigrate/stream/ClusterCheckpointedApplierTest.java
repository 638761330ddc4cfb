package dev.redismigrate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stream's apply into a real 3-master cluster: a checkpoint per master, on that master, written
 * with that master's part of each batch; a resume from the lowest checkpoint that applies on each
 * master only what it lacks; multi-key commands split or refused by name; a newer attempt fences.
 */
class ClusterCheckpointedApplierTest {
    private static final String REPL_ID = "0123456789012345678901234567890123456789";
    private static RedisCluster cluster;
    private static RedisConnector connector;
    private static CheckpointLog checkpoints;
    /** three keys' hash tags, one on each master (0, 1, 2) */
    private static final String[] TAG = new String[3];

    @BeforeAll
    static void start() {
        connector = new RedisConnector(StreamReplayerTest.CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
        checkpoints = new CheckpointLog("127.0.0.1:19092", "stream-worker-test." + UUID.randomUUID() + ".checkpoints");
        cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
        for (int i = 0; TAG[0] == null || TAG[1] == null || TAG[2] == null; i++) {
            int slot = HashSlot.of("t" + i);
            // the RedisCluster gives master m the slots from 16384*m/3 up to the next master's first
            int master = slot < HashSlot.SLOTS / 3 ? 0 : slot < HashSlot.SLOTS * 2 / 3 ? 1 : 2;
            if (TAG[master] == null) {
                TAG[master] = "t" + i;
            }
        }
    }

    @AfterAll
    static void stop() {
        cluster.close();
        connector.close();
        checkpoints.close();
    }

    private static ClusterCheckpointedApplier applier(UUID migration, int attempt, int batch) {
        return applier(migration, attempt, batch, 10_000);
    }

    private static ClusterCheckpointedApplier applier(UUID migration, int attempt, int batch, long replyTimeoutMillis) {
        RedisEndpoint seed = new RedisEndpoint("127.0.0.1", cluster.master(1).port(), null, null, false);
        return new ClusterCheckpointedApplier(TargetSinks.clusterWriter(connector, seed, 1000, 1 << 20,
                replyTimeoutMillis, "applier-test"), seed.address(), checkpoints, migration, null, attempt, batch, null,
                replyTimeoutMillis, null);
    }

    private static ReplicationOffset at(long offset) {
        return new ReplicationOffset(REPL_ID, offset, 0);
    }

    private static Entry entry(long offset, String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return new Entry(0, argv, offset);
    }

    /** The checkpoint of the slot of {@code key}, read on master {@code m}. */
    private static String checkpointOn(int m, ClusterCheckpointedApplier applier, String key) {
        String name = new String(applier.checkpointKey(HashSlot.of(key)), StandardCharsets.US_ASCII);
        return cluster.master(m).cli("GET", name).trim();
    }

    @Test
    void eachSlotHoldsItsCheckpointWithItsPartOfTheBatchAndAResumeAppliesOnlyWhatASlotLacks() {
        for (int m = 0; m < 3; m++) {
            cluster.master(m).cli("FLUSHALL");
        }
        UUID migration = UUID.randomUUID();
        checkpoints.record(migration, new StreamCheckpoint(1, at(100))); // as a completed snapshot does
        List<Entry> batch = new ArrayList<>();
        long offset = 100;
        for (int m = 0; m < 3; m++) {
            batch.add(entry(++offset, "INCR", "{" + TAG[m] + "}counter"));
        }
        batch.add(entry(++offset, "MSET", "{" + TAG[0] + "}a", "1", "{" + TAG[1] + "}b", "2", "{" + TAG[2] + "}c", "3"));
        // a source transaction spanning masters: kept in one batch, applied per slot
        batch.add(entry(++offset, "MULTI"));
        batch.add(entry(++offset, "SET", "{" + TAG[0] + "}tx", "x"));
        batch.add(entry(++offset, "SET", "{" + TAG[2] + "}tx", "y"));
        batch.add(entry(++offset, "EXEC"));
        batch.add(entry(++offset, "DEL", "{" + TAG[0] + "}a", "{" + TAG[1] + "}b"));
        long last = offset;
        batch.add(entry(last + 1, "PUBLISH", "news", "hello")); // keyless, replicated by sources: to one master
        try (ClusterCheckpointedApplier applier = applier(migration, 1, 1000)) {
            assertEquals(at(100), applier.claim(at(1)), "the log's checkpoint, no slot holding one yet");
            for (Entry e : batch) {
                applier.apply(e, at(e.sourceOffset()));
            }
            applier.commitIfPossible();
            for (int m = 0; m < 3; m++) {
                // the slot's checkpoint lives on the master of that slot: the node answered GET without MOVED
                assertEquals("1 " + REPL_ID + " " + last + " 0", checkpointOn(m, applier, "{" + TAG[m] + "}"), "master " + m);
                assertEquals("1", cluster.master(m).cli("GET", "{" + TAG[m] + "}counter").trim());
            }
            assertEquals("", cluster.master(0).cli("GET", "{" + TAG[0] + "}a").trim());
            assertEquals("3", cluster.master(2).cli("GET", "{" + TAG[2] + "}c").trim());
            assertEquals("y", cluster.master(2).cli("GET", "{" + TAG[2] + "}tx").trim());

            // as if the script of TAG[0]'s slot had never run (a crash before master 0 got it)
            String key0 = new String(applier.checkpointKey(HashSlot.of("{" + TAG[0] + "}")), StandardCharsets.US_ASCII);
            cluster.master(0).cli("SET", key0, "1 " + REPL_ID + " 100 0");
            cluster.master(0).cli("DEL", "{" + TAG[0] + "}counter", "{" + TAG[0] + "}tx");
        }
        try (ClusterCheckpointedApplier resumed = applier(migration, 2, 1000)) {
            assertEquals(at(100), resumed.claim(at(1)), "the lowest checkpoint over the slots");
            for (Entry e : batch) {
                resumed.apply(e, at(e.sourceOffset()));
            }
            resumed.commitIfPossible();
            for (int m = 0; m < 3; m++) {
                assertEquals("1", cluster.master(m).cli("GET", "{" + TAG[m] + "}counter").trim(),
                        "applied once on master " + m + ", skipped where the slot held it");
                assertEquals("2 " + REPL_ID + " " + last + " 0", checkpointOn(m, resumed, "{" + TAG[m] + "}"));
            }
            assertEquals("x", cluster.master(0).cli("GET", "{" + TAG[0] + "}tx").trim());
            assertEquals("", cluster.master(1).cli("GET", "{" + TAG[1] + "}b").trim());
        }
    }

    /**
     * A cluster source's shard 0 (slots 0-5460, master 0's of this target) and shard 1 (the rest) streaming into
     * the cluster target: shard 0's FLUSHALL deletes the keys of its slots and its own slot checkpoints, not
     * shard 1's keys nor checkpoints; the log records the offset after it, and shard 0's stream goes on.
     */
    @Test
    void aFlushFromOneShardOfAClusterSourceDeletesTheKeysOfItsSlotsOnly() {
        for (int m = 0; m < 3; m++) {
            cluster.master(m).cli("FLUSHALL");
        }
        UUID migration = UUID.randomUUID();
        java.util.BitSet shard0 = dev.redismigrate.common.cluster.SlotRange.parse("0-5460");
        try (ClusterCheckpointedApplier first = shardApplier(migration, 0, shard0);
             ClusterCheckpointedApplier second = shardApplier(migration, 1, dev.redismigrate.common.cluster.SlotRange.parse("5461-16383"))) {
            first.claim(at(100));
            second.claim(at(100));
            long offset = 100;
            for (int i = 0; i < 1_500; i++) {
                first.apply(entry(++offset, "SET", "{" + TAG[0] + "}" + i, "v"), at(offset));
            }
            first.apply(entry(++offset, "SET", "{" + TAG[0] + "}x", "v"), at(offset));
            second.apply(entry(++offset, "SET", "{" + TAG[1] + "}b", "2"), at(offset));
            second.apply(entry(++offset, "SET", "{" + TAG[2] + "}c", "3"), at(offset));
            first.commitIfPossible();
            second.commitIfPossible();
            assertEquals(String.valueOf(1_501 + 1), cluster.master(0).cli("DBSIZE").trim(), "shard 0's keys and its checkpoint");

            first.apply(entry(++offset, "FLUSHALL"), at(offset));
            assertEquals("0", cluster.master(0).cli("DBSIZE").trim(), "shard 0's keys and its checkpoint are gone");
            assertEquals("2", cluster.master(1).cli("GET", "{" + TAG[1] + "}b").trim(), "shard 1's keys stay");
            assertEquals("3", cluster.master(2).cli("GET", "{" + TAG[2] + "}c").trim());
            assertTrue(checkpointOn(2, second, "{" + TAG[2] + "}").startsWith("1 "), "shard 1's checkpoints stay");
            assertEquals(at(offset), checkpoints.latest(migration, 0).offset(), "the log records the offset after the flush");

            first.apply(entry(++offset, "SET", "{" + TAG[0] + "}after", "v"), at(offset));
            first.commitIfPossible();
            assertEquals("v", cluster.master(0).cli("GET", "{" + TAG[0] + "}after").trim());
            assertEquals(at(offset), first.committed());
        }
    }

    /**
     * The idle watches' question to a cluster source's shard (this cluster as the source, master 0 as its shard
     * 0 of slots 0-5460): whether it holds keys in the slots a target part serves.
     */
    @Test
    void aSourceShardIsAskedForKeysInTheSlotsATargetPartServes() {
        for (int m = 0; m < 3; m++) {
            cluster.master(m).cli("FLUSHALL");
        }
        RedisEndpoint master0 = new RedisEndpoint("127.0.0.1", cluster.master(0).port(), null, null, false);
        java.util.BitSet shard0 = dev.redismigrate.common.cluster.SlotRange.parse("0-5460");
        String key = "{" + TAG[0] + "}k";
        int slot = HashSlot.of(key);
        cluster.master(0).cli("SET", key, "v");
        assertTrue(SourceShardKeys.holdKeysFor(connector, master0, shard0, IdleTargetWatch.WHOLE), "a standalone target: DBSIZE");
        assertTrue(SourceShardKeys.holdKeysFor(connector, master0, shard0, "shard of slots 0-8191"), "a part serving all its slots");
        assertTrue(SourceShardKeys.holdKeysFor(connector, master0, shard0, "shard of slots " + slot), "the key's own slot");
        assertEquals(slot == 0, SourceShardKeys.holdKeysFor(connector, master0, shard0, "shard of slots 0," + (slot + 1) + "-5460"),
                "the shard's other slots hold nothing");
        assertEquals(false, SourceShardKeys.holdKeysFor(connector, master0, shard0, "shard of slots 5461-16383"), "none of its slots");
        assertTrue(SourceShardKeys.holdKeysFor(connector, master0, null, "shard of slots 5461-16383"), "a standalone source owes every part");
        cluster.master(0).cli("FLUSHALL");
        assertEquals(false, SourceShardKeys.holdKeysFor(connector, master0, shard0, IdleTargetWatch.WHOLE), "flushed: owes nothing");
    }

    private static ClusterCheckpointedApplier shardApplier(UUID migration, int shard, java.util.BitSet slots) {
        RedisEndpoint seed = new RedisEndpoint("127.0.0.1", cluster.master(1).port(), null, null, false);
        return new ClusterCheckpointedApplier(TargetSinks.clusterWriter(connector, seed, 1000, 1 << 20, 10_000, "applier-test"),
                seed.address(), checkpoints, migration, shard, 1, 10_000, null, 10_000, slots);
    }

    /**
     * A master that stops answering (a frozen process, a proxy holding the connection: no reset, no
     * error) under a batch spread over 200 of its slots: the batch fails within the reply timeout, and
     * as a lost target (the stream reconnects and resumes from the slots' checkpoints), not a refusal
     * that would end the migration, nor a wait without end. (2 s, not less: the claim reads 16,384
     * slots' checkpoints within that same timeout.)
     */
    @Test
    void aSilentMasterIsLostWithinOneReplyTimeout() {
        UUID migration = UUID.randomUUID();
        RedisServer silent = cluster.master(2); // slots 10923-16383
        try (ClusterCheckpointedApplier applier = applier(migration, 1, 1000, 2_000)) {
            applier.claim(at(300)); // reads every slot's checkpoint: the connections are open
            silent.freeze(true);
            long start = System.nanoTime();
            try {
                long offset = 300;
                for (int slot = 11_000; slot < 11_200; slot++) {
                    applier.apply(entry(++offset, "SET", "{" + HashSlot.tag(slot) + "}silent", "v"), at(offset));
                }
                TargetWriteException e = assertThrows(TargetWriteException.class, applier::commitIfPossible);
                double seconds = (System.nanoTime() - start) / 1e9;
                assertTrue(seconds < 10, "the silent master reported after " + seconds + " s: " + e.getMessage());
                assertTrue(e.getMessage().contains("did not answer within 2000 ms"), e.getMessage());
                assertTrue(applier.lostTarget(), "the stream reconnects and resumes from the slots' checkpoints");
            } finally {
                silent.freeze(false);
            }
        }
    }

    /**
     * A batch whose round failed on a killed connection is gone (taken out before the send), and the
     * cluster's links reopen on their next use: a later batch on the same applier found the slot's
     * checkpoint as expected and went past the lost one's commands (a counter 10 short, nothing
     * reported: a progress timer's commit failed, the apply thread's next one went through). The
     * first failed round ends the applier's writes; the stream resumes on a new one.
     */
    @Test
    void noBatchGoesThroughAfterOneWasLostWithItsConnection() throws Exception {
        UUID migration = UUID.randomUUID();
        RedisServer master = cluster.master(0);
        String counter = "{" + TAG[0] + "}lost-batch";
        try (ClusterCheckpointedApplier applier = applier(migration, 1, 1000)) {
            applier.claim(at(400));
            for (long offset = 401; offset <= 410; offset++) {
                applier.apply(entry(offset, "INCR", counter), at(offset));
            }
            // the batch's script waits in the paused master, and dies there with its connection
            master.cli("CLIENT", "PAUSE", "5000", "WRITE");
            java.util.concurrent.CompletableFuture<Void> commit = java.util.concurrent.CompletableFuture.runAsync(applier::commitIfPossible);
            StreamReplayerTest.await(() -> master.cli("CLIENT", "LIST").contains("cmd=eval"), "the batch waiting in the paused master");
            master.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            master.cli("CLIENT", "UNPAUSE");
            java.util.concurrent.ExecutionException lost = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> commit.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(lost.getCause() instanceof TargetWriteException, lost.getCause().toString());
            assertTrue(applier.lostTarget(), "a lost connection: the stream reconnects");

            applier.apply(entry(411, "INCR", counter), at(411));
            TargetWriteException after = assertThrows(TargetWriteException.class, applier::commitIfPossible);
            assertTrue(after.getMessage().contains("no write after it"), after.getMessage());
            assertTrue(applier.lostTarget(), after.getMessage());
            assertEquals("", master.cli("GET", counter).trim(), "neither batch applied");
            assertEquals("", checkpointOn(0, applier, counter), "the slot holds no checkpoint past the lost batch");
        }
    }

    @Test
    void commandsThatCannotBeSplitOrOtherDbsEndTheStreamNamingThem() {
        UUID migration = UUID.randomUUID();
        try (ClusterCheckpointedApplier applier = applier(migration, 1, 1000)) {
            applier.claim(at(10));
            TargetWriteException rename = assertThrows(TargetWriteException.class,
                    () -> applier.apply(entry(11, "RENAME", "{" + TAG[0] + "}x", "{" + TAG[1] + "}y"), at(11)));
            assertTrue(rename.getMessage().contains("cannot apply the source's command at offset 11: RENAME with keys in slots"),
                    rename.getMessage());
            TargetWriteException smove = assertThrows(TargetWriteException.class,
                    () -> applier.apply(entry(12, "SMOVE", "{" + TAG[0] + "}s", "{" + TAG[2] + "}d", "m"), at(12)));
            assertTrue(smove.getMessage().contains("SMOVE with keys in slots"), smove.getMessage());
            TargetWriteException db3 = assertThrows(TargetWriteException.class,
                    () -> applier.apply(new Entry(3, new byte[][] {"SET".getBytes(), "k".getBytes(), "v".getBytes()}, 13), at(13)));
            assertTrue(db3.getMessage().contains("is a cluster, which has db 0 only: SET of the source's db 3"), db3.getMessage());
        }
    }

    /**
     * The cause of the double applies once seen after a reconnect: a resume starts at the lowest slot
     * checkpoint, and an idle timer moving the checkpoints out at that position made the slots holding
     * more apply their part again. Until the stream has passed the highest, it is not idle and keeps them.
     */
    @Test
    void aResumeKeepsTheSlotsCheckpointsUntilItHasPassedTheHighest() throws InterruptedException {
        UUID migration = UUID.randomUUID();
        try (ClusterCheckpointedApplier first = applier(migration, 1, 1000)) {
            first.claim(at(200));
            first.apply(entry(201, "INCR", "{" + TAG[0] + "}resumed"), at(201));
            first.commitIfPossible();
            first.apply(entry(202, "INCR", "{" + TAG[1] + "}resumed"), at(202));
            first.commitIfPossible(); // slot of TAG[0] holds 201, slot of TAG[1] 202
        }
        try (ClusterCheckpointedApplier resumed = applier(migration, 1, 1000)) {
            assertEquals(at(200), resumed.claim(at(200)), "the request's offset (lower than every slot checkpoint)");
            Thread.sleep(1_100); // longer than the stream's idle removal waits
            assertEquals(0, resumed.idleNanos(), "replaying what a slot holds is not idle");
            resumed.removeCheckpoint(at(201));
            assertEquals("1 " + REPL_ID + " 202 0", checkpointOn(1, resumed, "{" + TAG[1] + "}"), "kept");
            assertNull(checkpoints.latest(migration), "nothing recorded in the log");

            resumed.apply(entry(202, "INCR", "{" + TAG[1] + "}resumed"), at(202)); // read again: skipped there
            resumed.commitIfPossible();
            assertEquals("1", cluster.master(1).cli("GET", "{" + TAG[1] + "}resumed").trim(), "applied once");
            Thread.sleep(1_100);
            assertTrue(resumed.idleNanos() > 1_000_000_000L, "idle once past the highest");
            resumed.removeCheckpoint(at(202));
            assertEquals("", checkpointOn(1, resumed, "{" + TAG[1] + "}"), "removed");
            assertEquals(new StreamCheckpoint(1, at(202)), checkpoints.latest(migration));
        }
    }

    @Test
    void aNewerAttemptFencesAnOlderOneOnTheSlotsItFound() {
        UUID migration = UUID.randomUUID();
        try (ClusterCheckpointedApplier older = applier(migration, 1, 1000);
             ClusterCheckpointedApplier newer = applier(migration, 2, 1000)) {
            older.claim(at(50));
            older.apply(entry(51, "SET", "{" + TAG[1] + "}fenced", "a"), at(51));
            older.commitIfPossible();
            assertEquals(at(50), newer.claim(at(50)));
            assertNull(older.claim(at(50)), "a newer attempt owns the target");
            older.apply(entry(52, "SET", "{" + TAG[1] + "}fenced", "b"), at(52));
            CheckpointMovedException moved = assertThrows(CheckpointMovedException.class, older::commitIfPossible);
            assertEquals(2, moved.found.attempt());
            assertEquals("a", cluster.master(1).cli("GET", "{" + TAG[1] + "}fenced").trim(), "nothing applied");
            newer.apply(entry(52, "SET", "{" + TAG[1] + "}fenced", "b"), at(52));
            newer.commitIfPossible();
            assertEquals("b", cluster.master(1).cli("GET", "{" + TAG[1] + "}fenced").trim());
            newer.removeCheckpoint(at(52));
            assertEquals("", checkpointOn(1, newer, "{" + TAG[1] + "}"), "removed");
            assertEquals(new StreamCheckpoint(2, at(52)), checkpoints.latest(migration));
        }
    }
}
