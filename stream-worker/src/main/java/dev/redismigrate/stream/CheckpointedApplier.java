package dev.redismigrate.stream;

import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.SocketEntryWriter;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.KeyDeleter;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.contract.ShardNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies the stream to the target in transactions: {@code WATCH} the checkpoint, check it is still
 * ours, {@code MULTI}, the commands, the new checkpoint, {@code EXEC}. A crash thus leaves the
 * target either before or after a whole batch, and the checkpoint says which, so a resumed stream
 * applies nothing twice. A source transaction is never split across batches. When the stream is
 * idle (and the target's replicas hold every batch) the checkpoint is removed, so a caught-up target
 * equals the source.
 * <p>
 * The check does not wait for the target: a small script ({@link #GUARD}) compares the checkpoint
 * with the one the batches sent so far leave behind and, if another instance wrote it, touches a
 * watched key so that this batch's EXEC is refused, and with it every batch sent after it. Batches
 * thus stream to the target back to back (a round trip per batch held the apply to the target's
 * round-trip time: about 50 batches a second on a busy machine). A target that refuses scripts
 * gets the check as a round trip of its own per batch (WATCH and GET, then MULTI). Transactions in
 * flight are safe against a broken connection because the writer's one socket is never reconnected:
 * a lost connection ends this applier, and the stream resumes with a new one from the checkpoint.
 * Not thread-safe: callers synchronize on it.
 */
final class CheckpointedApplier implements StreamApplier {
    private static final byte[] WATCH = ascii("WATCH");
    private static final byte[] GET = ascii("GET");
    private static final byte[] MULTI = ascii("MULTI");
    private static final byte[] EXEC = ascii("EXEC");
    private static final byte[] SET = ascii("SET");
    private static final byte[] DEL = ascii("DEL");
    private static final byte[] INFO = ascii("INFO");
    private static final byte[] EVAL = ascii("EVAL");
    /**
     * KEYS[1] the checkpoint, KEYS[2] a key that is only ever touched (set and deleted at once),
     * both watched; ARGV[1] the checkpoint expected ("" for none). Returns the checkpoint found.
     */
    static final byte[] GUARD = ascii("local found = redis.call('GET', KEYS[1]) "
            + "if (found or '') ~= ARGV[1] then redis.call('SET', KEYS[2], '1') redis.call('DEL', KEYS[2]) end "
            + "return found");

    /** a target without an online replica for this long has none to fail over to (see {@link #durable()}) */
    static final long REPLICA_GONE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** rounds of {@link #durable()} waited for at most (one every 1-2 s) */
    private static final int MAX_REPLICA_WAITS = 64;

    private final SocketEntryWriter writer;
    private final CheckpointLog log;
    private final UUID migrationId;
    /** the source shard (null: a standalone source): its checkpoint is its own */
    private final Integer shard;
    private final int attempt;
    private static final String GUARD_PREFIX = "redis-migrate:guard:";
    private final byte[] key;
    /**
     * touched by {@link #GUARD} to refuse a batch; never holds data. One per attempt: another
     * attempt's touch must not refuse this one's batches (each refusal costs a rewind).
     */
    private final byte[] guardKey;
    private final int checkpointDb;
    private final int maxBatchCommands;
    /** see {@link ShardFlush} (null: a flush is applied as it is) */
    private final BitSet shardSlots;

    /** the checkpoint the target holds as far as we know (null: none) */
    private StreamCheckpoint expected;
    /** the checkpoint the target holds once every transaction sent is applied (null: none) */
    private StreamCheckpoint sent;
    /** EXECs sent and not verified yet, oldest first */
    private final ArrayDeque<PendingExec> pending = new ArrayDeque<>();
    /** whether the target runs the {@link #GUARD} script (asked once per connection, by {@link #claim}) */
    private boolean guardByScript;
    private final BatchState batch = new BatchState();
    /** see {@link StreamApplier#committed()} */
    private ReplicationOffset committed;
    /** see {@link #durable()}: what a replica holds as well (null: nothing confirmed yet on this connection) */
    private ReplicationOffset durable;
    /**
     * {@link #committed} as the master's replication offset was read, each round's, oldest first, until the
     * replicas' acknowledgement reaches it (a replica steadily some rounds behind still lets the trim move)
     */
    private final ArrayDeque<ReplicaWait> awaitingReplicas = new ArrayDeque<>();
    /**
     * When the target last showed an online replica, one acknowledging (0: never), shared by the stream's appliers of one
     * target (a reconnect keeps it): a replica whose link is down may come back, or be promoted ({@link #durable()})
     */
    private final AtomicLong replicaSeenNanos;

    /**
     * @param shardSlots a cluster source's shard's slots, to which its flushes are narrowed (null: flushes applied as they are)
     * @param replicaSeenNanos when the target last showed a replica (0: never), kept by the stream across reconnects
     */
    CheckpointedApplier(SocketEntryWriter writer, CheckpointLog log, UUID migrationId, Integer shard, int attempt, int checkpointDb,
            int maxBatchCommands, BitSet shardSlots, AtomicLong replicaSeenNanos) {
        this.replicaSeenNanos = replicaSeenNanos;
        this.writer = writer;
        this.log = log;
        this.migrationId = migrationId;
        this.attempt = attempt;
        this.shard = shard;
        this.key = StreamCheckpoint.key(migrationId, shard);
        this.guardKey = ascii(GUARD_PREFIX + migrationId + (shard == null ? "" : ":" + shard) + ":" + attempt);
        this.checkpointDb = checkpointDb;
        this.maxBatchCommands = maxBatchCommands;
        this.shardSlots = shardSlots;
    }

    /**
     * Claims the target for this attempt: where the checkpoint says (the target's, else, or when it is of a newer
     * attempt, the last one recorded in the {@link CheckpointLog}, else {@code fallback}), written back with this attempt's number so that an older attempt still running
     * stops at its next batch. Returns where to start, or null when a newer attempt owns the target.
     */
    @Override
    public ReplicationOffset claim(ReplicationOffset fallback) {
        guardByScript = runsScripts();
        while (true) {
            writer.write(new Entry(checkpointDb, new byte[][] {WATCH, key}, -1));
            CompletableFuture<Object> current = writer.write(new Entry(checkpointDb, new byte[][] {GET, key}, -1));
            writer.flush();
            StreamCheckpoint found = StreamCheckpoint.decode(current.join());
            StreamCheckpoint logged = log.latest(migrationId, shard);
            if (found == null || logged != null && logged.attempt() > found.attempt()) {
                // a newer attempt's in the log wins over an older one's left in the target: a new copy records where
                // its stream starts there, and an emptying that keeps unselected keys (key filters) may keep the old
                found = logged;
            }
            if (found != null && found.attempt() > attempt) {
                writer.write(new Entry(checkpointDb, new byte[][] {ascii("UNWATCH")}, -1));
                writer.flush();
                return null;
            }
            ReplicationOffset start = found == null ? fallback : found.offset();
            StreamCheckpoint mine = new StreamCheckpoint(attempt, start);
            writer.write(new Entry(checkpointDb, new byte[][] {MULTI}, -1));
            writer.write(new Entry(checkpointDb, new byte[][] {SET, key, mine.encode()}, -1));
            exec(mine, 0);
            try {
                flush();
                committed = start;
                return start;
            } catch (CheckpointMovedException raced) {
                // another instance wrote in between: look again
            }
        }
    }

    /** Takes what another instance left in the target as the checkpoint to expect from now on. */
    @Override
    public void adopt(StreamCheckpoint found) {
        expected = found;
        sent = found;
        committed = found == null ? committed : found.offset();
    }

    /** Adds one routed command; {@code end} is the source position once it is applied. */
    @Override
    public void apply(Entry entry, ReplicationOffset end) {
        if (shardSlots != null && (entry.name().equals("FLUSHALL") || entry.name().equals("FLUSHDB"))) {
            flushShard(entry, end);
            return;
        }
        if (!batch.sourceTransactionMark(entry.name())) { // our own transaction holds the source's
            if (!batch.isOpen()) {
                begin();
            }
            writer.write(entry);
            batch.added();
        }
        batch.reached(end);
        if (batch.full(maxBatchCommands)) {
            commit();
        }
    }

    /**
     * A cluster source's shard's flush ({@link ShardFlush}): after every batch before it is confirmed, the keys
     * of the shard's slots deleted page by page, each page in a transaction fenced as a batch is (the checkpoint
     * still ours, set again to what the target holds: an older attempt still running deletes nothing a newer
     * one wrote), this migration's checkpoints kept. The next batch's checkpoint covers the flush; a resume from
     * the one before it deletes again, which changes nothing (none of the shard's commands lies in between).
     * Within a source transaction it cannot be split off: refused.
     */
    private void flushShard(Entry entry, ReplicationOffset end) {
        if (batch.isOpen() && !batch.closable()) {
            throw new TargetWriteException(entry.name() + " inside a MULTI of the cluster source's shard (source offset "
                    + end.offset() + "): narrowed to the shard's slots it cannot be applied within the transaction");
        }
        if (batch.isOpen()) {
            commit();
        }
        flush();
        int db = entry.db();
        KeyDeleter.byScan(new KeyDeleter.Server() {
            @Override
            public List<Object> call(List<byte[][]> commands) {
                List<CompletableFuture<Object>> replies = new ArrayList<>();
                commands.forEach(argv -> replies.add(writer.write(new Entry(db, argv, -1))));
                writer.flush();
                return replies.stream().map(CompletableFuture::join).toList();
            }

            @Override
            public void delete(List<byte[]> keys) {
                begin();
                batch.reached(committed); // the page moves no offset: the checkpoint is set again to what the target holds
                keys.forEach(key -> writer.write(new Entry(db, new byte[][] {ShardFlush.DEL, key}, -1)));
                commit();
                CheckpointedApplier.this.flush();
            }
        }, ShardFlush.inSlots(shardSlots, key -> ShardNames.isCheckpointKey(migrationId, key)
                || key.startsWith(GUARD_PREFIX + migrationId)));
        batch.applied(1);
        skipTo(end);
    }

    /** Notes a source position reached by commands that changed nothing (PING, ignored dbs). */
    @Override
    public void skipTo(ReplicationOffset end) {
        batch.reached(end);
    }

    /** Ends the open batch, unless a source transaction is still coming in. */
    @Override
    public void commitIfPossible() {
        if (batch.closable()) {
            commit();
        }
    }

    /** Waits for everything sent; raises what the target refused or a moved checkpoint. */
    @Override
    public void flush() {
        writer.flush();
        verifyPendingExecs();
    }

    @Override
    public long idleNanos() {
        return batch.idleNanos();
    }

    @Override
    public boolean inFlight() {
        return batch.isOpen() || pending.stream().anyMatch(exec -> !exec.reply().isDone());
    }

    /** Closes the writer's connection (its own socket: the task's link is closed by the task). */
    @Override
    public void close() {
        writer.close();
    }

    /** Whether the writer's connection broke (the stream then reconnects and resumes from the checkpoint). */
    @Override
    public boolean lostTarget() {
        return !writer.isOpen();
    }

    @Override
    public boolean holdsCheckpoint() {
        return expected != null;
    }

    @Override
    public ReplicationOffset committed() {
        return committed;
    }

    /**
     * What the change log may be trimmed up to. A target with replicas (Sentinel's, a managed service's
     * standby behind the same address) may fail over to one that lacks the last acknowledged writes
     * (replication is asynchronous), and the checkpoint goes back with them, so the log must still hold
     * what follows: what was committed when the master's {@code master_repl_offset} was read is durable
     * once every online replica's acknowledged offset (its {@code slaveN} line) reaches it, a round or two
     * later (replicas acknowledge every second). Asked with {@code INFO replication}, never blocking (a {@code
     * WAIT} would hold the apply for its timeout whenever a distant replica lags). A replica whose link
     * is down may still be promoted: only a target that has shown no online replica for {@link
     * #REPLICA_GONE_NANOS}, or never, has what it confirmed durable. Not inside an
     * open batch: the INFO would join its transaction.
     */
    @Override
    public ReplicationOffset durable() {
        if (batch.isOpen() || committed == null) {
            return durable;
        }
        Map<String, String> info = replicationInfo();
        long seen = replicaSeenNanos.get();
        // a replica seen is one that acknowledges: one stuck in full syncs (counted by connected_slaves) never would,
        // and would hold the trim and the idle checkpoint's removal for ever
        if (ReplicaOffsets.lowestAcknowledged(info) >= 0) {
            replicaSeenNanos.set(System.nanoTime());
        } else if (seen == 0 || System.nanoTime() - seen > REPLICA_GONE_NANOS) {
            durable = committed;
            awaitingReplicas.clear();
            return durable;
        }
        // the least advanced online replica: Sentinel may promote any of them (replica-priority comes before the offset)
        long acknowledged = ReplicaOffsets.lowestAcknowledged(info);
        while (!awaitingReplicas.isEmpty() && awaitingReplicas.peekFirst().masterOffset() <= acknowledged) {
            durable = awaitingReplicas.pollFirst().committed();
        }
        if (awaitingReplicas.size() == MAX_REPLICA_WAITS) {
            awaitingReplicas.pollFirst(); // a replica this far behind: the newer rounds are what it will reach
        }
        awaitingReplicas.addLast(new ReplicaWait(ReplicaOffsets.masterOffset(info), committed));
        return durable;
    }

    /**
     * Whether the target's replicas hold every batch committed ({@link #durable()}): only then may an idle
     * stream's checkpoint leave the target. Removed before, a failover to a replica that lacks the last batch
     * brought back neither that batch nor the checkpoint, and the checkpoint in the log, later than what the
     * target held, was taken for it: that batch was lost, nothing said. Now such a replica still holds the
     * checkpoint of the batch before, or lacks the one it held: the stream resumes, or says so.
     */
    @Override
    public boolean replicasHoldCommitted() {
        return committed != null && committed.equals(durable());
    }

    /** The target's INFO replication; none (no field) when the target refuses it (an ACL without INFO). */
    private Map<String, String> replicationInfo() {
        CompletableFuture<Object> reply = writer.write(new Entry(checkpointDb, new byte[][] {INFO, ascii("replication")}, -1));
        try {
            flush();
        } catch (TargetWriteException e) {
            if (!writer.isOpen()) {
                throw e; // the link is lost, not the INFO refused
            }
            return Map.of();
        }
        Object text = reply.join();
        return RedisLink.infoFields(text instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(text));
    }

    /** what was committed when the master's replication offset was {@code masterOffset} */
    private record ReplicaWait(long masterOffset, ReplicationOffset committed) {
    }

    @Override
    public long commandsApplied() {
        return batch.commandsApplied();
    }

    /**
     * Moves the checkpoint out of the target (so that it equals the source) into the log: the
     * stream is idle at {@code position}, everything up to there applied or skipped.
     */
    @Override
    public void removeCheckpoint(ReplicationOffset position) {
        if (batch.isOpen() || expected == null) {
            return;
        }
        watchAndCheck();
        log.record(migrationId, shard, new StreamCheckpoint(attempt, position)); // before the target forgets it
        committed = position;
        writer.write(new Entry(checkpointDb, new byte[][] {MULTI}, -1));
        writer.write(new Entry(checkpointDb, new byte[][] {DEL, key}, -1));
        exec(null, 0);
        flush();
    }

    /** The target's INFO keyspace, asked in line with what was sent (the stream's connection shows a lost target). */
    @Override
    public Map<String, Map<String, String>> targetKeyspaces() {
        CompletableFuture<Object> reply = writer.write(new Entry(checkpointDb, new byte[][] {INFO, ascii("keyspace")}, -1));
        flush();
        Object text = reply.join();
        return IdleTargetWatch.whole(RedisLink.infoFields(text instanceof byte[] b ? new String(b, StandardCharsets.UTF_8)
                : String.valueOf(text)));
    }

    private void begin() {
        verifyAnswered();
        if (guardByScript) {
            writer.write(new Entry(checkpointDb, new byte[][] {WATCH, key, guardKey}, -1));
            byte[] expectedBytes = sent == null ? new byte[0] : sent.encode();
            writer.write(new Entry(checkpointDb, new byte[][] {EVAL, GUARD, ascii("2"), key, guardKey, expectedBytes}, -1));
        } else {
            watchAndCheck();
        }
        writer.write(new Entry(checkpointDb, new byte[][] {MULTI}, -1));
        batch.open();
    }

    private void commit() {
        StreamCheckpoint next = new StreamCheckpoint(attempt, batch.end());
        writer.write(new Entry(checkpointDb, new byte[][] {SET, key, next.encode()}, -1));
        exec(next, batch.close());
    }

    /** WATCH the checkpoint and read it: it must still be the one we expect (one round trip). */
    private void watchAndCheck() {
        writer.write(new Entry(checkpointDb, new byte[][] {WATCH, key}, -1));
        CompletableFuture<Object> current = writer.write(new Entry(checkpointDb, new byte[][] {GET, key}, -1));
        flush();
        StreamCheckpoint found = StreamCheckpoint.decode(current.join());
        if (!Objects.equals(found, expected)) {
            writer.write(new Entry(checkpointDb, new byte[][] {ascii("UNWATCH")}, -1));
            writer.flush();
            throw new CheckpointMovedException(found);
        }
    }

    /**
     * Sends EXEC; {@code next} is the checkpoint the transaction leaves in the target, {@code sourceCommands}
     * the source's commands in it (counted as applied once the target confirms them).
     */
    private void exec(StreamCheckpoint next, int sourceCommands) {
        pending.add(new PendingExec(writer.write(new Entry(checkpointDb, new byte[][] {EXEC}, -1)), next, sourceCommands));
        sent = next;
    }

    /** Verifies the transactions the target has answered already, without waiting for the others. */
    private void verifyAnswered() {
        while (!pending.isEmpty() && pending.peek().reply().isDone()) {
            verify(pending.poll());
        }
    }

    private void verifyPendingExecs() {
        while (!pending.isEmpty()) {
            verify(pending.poll());
        }
    }

    private void verify(PendingExec exec) {
        Object reply;
        try {
            reply = exec.reply().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetWriteException("interrupted while applying to the target");
        } catch (ExecutionException e) {
            throw new TargetWriteException("the target refused a transaction: " + e.getCause().getMessage());
        }
        // Refused: a watched key changed (another instance wrote the checkpoint, or our guard found it
        // had). Redis answers a null array (Redisson handed it over as an empty list, not as null);
        // ours always holds the checkpoint's SET or DEL, so a confirmed one is never empty.
        if (!(reply instanceof List<?> results) || results.isEmpty()) {
            // every transaction sent after this one was refused too (its guard found the checkpoint unexpected)
            pending.clear();
            writer.flush();
            writer.forgetSelectedDb();
            StreamCheckpoint found = readCheckpointQuietly();
            sent = expected;
            throw new CheckpointMovedException(found);
        }
        for (Object r : results) {
            if (r instanceof RespSocket.ErrorReply refusal) {
                throw new TargetWriteException("the target refused a command: " + refusal.message());
            }
        }
        batch.applied(exec.sourceCommands());
        expected = exec.checkpoint();
        if (expected != null) {
            committed = expected.offset();
        }
    }

    /** Whether the target runs scripts (the pipelined check); else the check costs a round trip per batch. */
    private boolean runsScripts() {
        CompletableFuture<Object> reply = writer.write(new Entry(checkpointDb, new byte[][] {EVAL, ascii("return 1"), ascii("0")}, -1));
        try {
            writer.flush();
            return !reply.isCompletedExceptionally();
        } catch (TargetWriteException refused) {
            return false; // refused (or the connection lost: then the claim's next step says so)
        }
    }

    private record PendingExec(CompletableFuture<Object> reply, StreamCheckpoint checkpoint, int sourceCommands) {
    }

    private StreamCheckpoint readCheckpointQuietly() {
        CompletableFuture<Object> reply = writer.write(new Entry(checkpointDb, new byte[][] {GET, key}, -1));
        writer.flush();
        return StreamCheckpoint.decode(reply.join());
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
