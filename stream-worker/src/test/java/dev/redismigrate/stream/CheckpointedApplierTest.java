package dev.redismigrate.stream;

import dev.redismigrate.worker.checkpoint.StreamCheckpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.SocketEntryWriter;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The standalone apply's fence against a real redis-server: once a newer attempt has claimed the
 * target, an older one's transactions are refused, and the older one learns it from the refused
 * EXEC itself (not at some later round trip): it must neither count those batches as applied nor
 * move its committed offset, which the change log is trimmed up to.
 */
class CheckpointedApplierTest {
    private static final String REPL_ID = "0123456789012345678901234567890123456789";
    @RegisterExtension
    static final StreamTestLinks LINKS = new StreamTestLinks();

    @Test
    void anOlderAttemptsBatchesAfterANewerClaimAreRefusedAndNotCounted() {
        UUID migration = UUID.randomUUID();
        try (RedisServer target = RedisServer.start();
             RespSocket olderLink = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000);
             RespSocket newerLink = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000)) {
            CheckpointedApplier older = applier(olderLink, migration, 1);
            assertEquals(at(100), older.claim(at(100)));
            older.apply(incr(110), at(110));
            older.commitIfPossible();
            older.flush();
            assertEquals(at(110), older.committed());

            CheckpointedApplier newer = applier(newerLink, migration, 2);
            assertEquals(at(110), newer.claim(at(100)), "the newer attempt starts where the older one's target stands");

            // two batches pipelined back to back: both refused; the first refusal is raised when seen
            // (at the next batch's start if it came back by then, else at the flush)
            CheckpointMovedException moved = assertThrows(CheckpointMovedException.class, () -> {
                older.apply(incr(120), at(120));
                older.commitIfPossible();
                older.apply(incr(130), at(130));
                older.commitIfPossible();
                older.flush();
            });
            assertEquals(2, moved.found.attempt(), "the older attempt is told who holds the target");
            assertEquals(at(110), older.committed(), "a refused batch does not move what the change log may be trimmed to");
            assertEquals(1, older.commandsApplied(), "a refused batch is not counted as applied");
            assertEquals("1", target.cli("GET", "counter").trim(), "the refused batches changed nothing");

            newer.apply(incr(120), at(120));
            newer.commitIfPossible();
            newer.flush();
            assertEquals(at(120), newer.committed());
            assertEquals(1, newer.commandsApplied());
            assertEquals("2", target.cli("GET", "counter").trim());
        }
    }

    /**
     * A new copy (attempt 2, after a lost offset) records where its stream starts in the checkpoint log; the
     * target may still hold attempt 1's checkpoint (an emptying with key filters keeps unselected keys). The
     * stream starts where the new copy ended, not at the older checkpoint: the change log now begins there.
     */
    @Test
    void aNewerAttemptsCheckpointInTheLogWinsOverAnOlderOneLeftInTheTarget() {
        UUID migration = UUID.randomUUID();
        try (RedisServer target = RedisServer.start();
             RespSocket oldLink = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000);
             RespSocket newLink = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000)) {
            CheckpointedApplier old = applier(oldLink, migration, 1);
            old.claim(at(100));
            old.apply(incr(110), at(110));
            old.commitIfPossible();
            old.flush();
            LINKS.checkpoints().record(migration, new StreamCheckpoint(2, at(5_000))); // the new copy's end

            assertEquals(at(5_000), applier(newLink, migration, 2).claim(at(5_000)), "where the new copy ended");
            assertEquals(new StreamCheckpoint(2, at(5_000)), StreamCheckpoint.decode(target.cli("GET",
                    new String(StreamCheckpoint.key(migration, null), StandardCharsets.US_ASCII)).trim()));
        }
    }

    /**
     * What a progress report reads without waiting: a batch the paused target has not answered is in
     * flight (the target holds only the last confirmed one), a skipped position is held at once.
     */
    @Test
    void aBatchThePausedTargetHasNotAnsweredIsInFlightAndOnlyTheConfirmedOneIsHeld() {
        UUID migration = UUID.randomUUID();
        try (RedisServer target = RedisServer.start();
             RespSocket link = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000)) {
            CheckpointedApplier applier = applier(link, migration, 1);
            applier.claim(at(100));
            applier.apply(incr(110), at(110));
            applier.commitIfPossible();
            applier.flush();
            applier.skipTo(at(115)); // a PING: nothing to confirm
            assertFalse(applier.inFlight(), "everything sent was confirmed");

            target.cli("CLIENT", "PAUSE", "1000", "WRITE");
            applier.apply(incr(120), at(120));
            assertTrue(applier.inFlight(), "an open batch is in flight");
            applier.commitIfPossible();
            assertTrue(applier.inFlight(), "a batch the paused target has not answered is in flight");
            assertEquals(at(110), applier.committed(), "the target holds the last confirmed batch only");
            applier.flush(); // waits for the pause's end
            assertFalse(applier.inFlight());
            assertEquals(at(120), applier.committed());
            assertEquals("2", target.cli("GET", "counter").trim());
        }
    }

    /**
     * A cluster source's shard 0 (slots 0-5460) and shard 1 streaming into one standalone target: shard 0's
     * FLUSHALL deletes the keys of its slots only (1,000 keys, more than one SCAN page), shard 1's keys and both
     * shards' checkpoints stay; shard 0's stream goes on after it, its checkpoint past the flush.
     */
    @Test
    void aFlushFromOneShardOfAClusterSourceDeletesTheKeysOfItsSlotsOnly() {
        UUID migration = UUID.randomUUID();
        java.util.BitSet shard0 = dev.redismigrate.common.cluster.SlotRange.parse("0-5460");
        try (RedisServer target = RedisServer.start();
             RespSocket link0 = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000);
             RespSocket link1 = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000)) {
            CheckpointedApplier first = shardApplier(link0, migration, 0, shard0);
            CheckpointedApplier second = shardApplier(link1, migration, 1, dev.redismigrate.common.cluster.SlotRange.parse("5461-16383"));
            first.claim(at(100));
            second.claim(at(100));
            long offset = 100;
            int mine = 0;
            for (int i = 0; i < 3_000; i++) {
                String key = "key:" + i;
                boolean ofShard0 = shard0.get(dev.redismigrate.common.cluster.HashSlot.of(key));
                mine += ofShard0 ? 1 : 0;
                (ofShard0 ? first : second).apply(set(++offset, key), at(offset));
            }
            first.commitIfPossible();
            second.commitIfPossible();
            first.flush();
            second.flush();
            assertEquals(String.valueOf(3_000 + 2), target.cli("DBSIZE").trim(), "3,000 keys and two checkpoints");

            first.apply(new Entry(0, new byte[][] {"FLUSHALL".getBytes(StandardCharsets.US_ASCII)}, ++offset), at(offset));
            assertEquals(String.valueOf(3_000 - mine + 2), target.cli("DBSIZE").trim(), "shard 1's keys and both checkpoints stay");
            assertEquals("1", target.cli("EXISTS", "key:" + firstOf(shard0, false)).trim(), "a key of shard 1 stays");
            assertEquals("0", target.cli("EXISTS", "key:" + firstOf(shard0, true)).trim(), "a key of shard 0 is gone");

            String after = "key:" + firstOf(shard0, true);
            first.apply(set(++offset, after), at(offset));
            first.commitIfPossible();
            first.flush();
            assertEquals(at(offset), first.committed());
            assertEquals("1", target.cli("EXISTS", after).trim(), "written after the flush");

            assertEquals(String.valueOf(3_000 - mine + 3), target.cli("DBSIZE").trim());
        }
    }

    /** An older attempt still running meets the flush after a newer one claimed the target: it deletes nothing. */
    @Test
    void anOlderAttemptsShardFlushAfterANewerClaimDeletesNothing() {
        UUID migration = UUID.randomUUID();
        java.util.BitSet shard0 = dev.redismigrate.common.cluster.SlotRange.parse("0-5460");
        try (RedisServer target = RedisServer.start();
             RespSocket olderLink = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000);
             RespSocket newerLink = LINKS.connector().openSocket(StreamReplayerTest.endpoint(target), "applier-test", 10_000)) {
            CheckpointedApplier older = shardApplier(olderLink, migration, 0, shard0, 1);
            older.claim(at(100));
            String mine = "key:" + firstOf(shard0, true);
            older.apply(set(110, mine), at(110));
            older.commitIfPossible();
            older.flush();
            CheckpointedApplier newer = shardApplier(newerLink, migration, 0, shard0, 2);
            assertEquals(at(110), newer.claim(at(100)));

            assertThrows(CheckpointMovedException.class,
                    () -> older.apply(new Entry(0, new byte[][] {"FLUSHALL".getBytes(StandardCharsets.US_ASCII)}, 120), at(120)));
            assertEquals("1", target.cli("EXISTS", mine).trim(), "the older attempt's flush deleted nothing");
        }
    }

    private static int firstOf(java.util.BitSet slots, boolean inside) {
        for (int i = 0; ; i++) {
            if (slots.get(dev.redismigrate.common.cluster.HashSlot.of("key:" + i)) == inside) {
                return i;
            }
        }
    }

    private static CheckpointedApplier shardApplier(RespSocket link, UUID migration, int shard, java.util.BitSet slots) {
        return shardApplier(link, migration, shard, slots, 1);
    }

    private static CheckpointedApplier shardApplier(RespSocket link, UUID migration, int shard, java.util.BitSet slots, int attempt) {
        return new CheckpointedApplier(SocketEntryWriter.keepingReplies(link, 100, 1 << 20), LINKS.checkpoints(), migration, shard,
                attempt, 0, 500, slots, new java.util.concurrent.atomic.AtomicLong());
    }

    private static Entry set(long offset, String key) {
        return new Entry(0, new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), key.getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.US_ASCII)}, offset);
    }

    private static CheckpointedApplier applier(RespSocket link, UUID migration, int attempt) {
        return new CheckpointedApplier(SocketEntryWriter.keepingReplies(link, 100, 1 << 20), LINKS.checkpoints(), migration, null, attempt, 0, 50, null,
                new java.util.concurrent.atomic.AtomicLong());
    }

    private static ReplicationOffset at(long offset) {
        return new ReplicationOffset(REPL_ID, offset, 0);
    }

    private static Entry incr(long offset) {
        return new Entry(0, new byte[][] {"INCR".getBytes(StandardCharsets.US_ASCII), "counter".getBytes(StandardCharsets.US_ASCII)}, offset);
    }
}
