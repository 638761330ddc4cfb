package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.ClusterWriteException;
import dev.redismigrate.common.cluster.ClusterShard;
import dev.redismigrate.common.cluster.ClusterWriter;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.KeyDeleter;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The checkpointed apply for a Redis Cluster target, where one transaction cannot hold a batch:
 * a cluster runs a transaction (or a script) within one slot only, and a batch's commands span
 * many slots. So each slot a batch touches holds its own checkpoint (a key with a hash tag of that
 * slot, see {@link StreamCheckpoint#slotKey}), and the slot's part of the batch is
 * applied with it atomically by a script ({@link #APPLY}): it compares the slot's checkpoint with
 * the one this attempt expects there, runs the part's commands in order and sets the new
 * checkpoint, or changes nothing and returns what it found. One round trip per batch, the scripts
 * pipelined to every master at once. After a crash the slots may stand at different batches: the
 * stream resumes from the lowest checkpoint and skips, per slot, what that slot already holds; a
 * slot without a checkpoint holds everything up to the base (the checkpoint log's, else the
 * request's), because a slot's checkpoint is written with every part applied to it and removed
 * only after the log recorded where the idle stream stood.
 *
 * <p>A source transaction (MULTI/EXEC) is kept within one batch, so its commands of one slot are
 * applied atomically there; across slots it is applied per slot (a cluster has no transaction
 * across slots). Multi-key commands are split per slot where that keeps their meaning
 * ({@link ClusterWriter#route}); others across slots (RENAME, SMOVE, MSETNX ...) end the stream
 * with the command named. {@code FLUSHALL}/{@code FLUSHDB} go to every master between batches,
 * and the log records the offset after them (they remove the slots' checkpoints too). A lost
 * connection, a node that does not answer and a slot answered with MOVED (a failover promoted a
 * replica) are {@link #lostTarget()}: the stream reconnects, with a new topology, and resumes from
 * the slots' checkpoints, which a replica holds together with the data they cover (a script's writes
 * replicate as one). A slot being migrated (ASK) ends the stream in error naming the slot. A
 * newer attempt rewrites every checkpoint it finds with its number when it claims the target, so an
 * older one still running stops at its next batch on such a slot.
 */
final class ClusterCheckpointedApplier implements StreamApplier {
    /**
     * KEYS[1] the slot's checkpoint; ARGV[1] what it must hold ("" for none), ARGV[2] the new one
     * ("" removes it), then per command its argument count and its arguments. Returns 1, or what it found.
     */
    static final String APPLY = """
            local found = redis.call('GET', KEYS[1]) or ''
            if found ~= ARGV[1] then return found end
            local i = 3
            while i <= #ARGV do
              local n = tonumber(ARGV[i])
              redis.call(unpack(ARGV, i + 1, i + n))
              i = i + n + 1
            end
            if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
            return 1
            """;
    /** Lua's unpack takes at most ~8000 values (its C stack): a command with more arguments cannot go through the script */
    static final int MAX_ARGS = 7000;
    private static final byte[] EVAL = ascii("EVAL");
    private static final byte[] SCRIPT = ascii(APPLY);
    private static final byte[] ONE = ascii("1");
    private static final byte[] GET = ascii("GET");
    private static final byte[] WAIT = ascii("WAIT");
    /** how long a round of {@link #durable()} waits for the replicas (the trim waits for the next round) */
    private static final byte[] REPLICA_WAIT_MILLIS = ascii("100");
    private static final byte[] NONE = new byte[0];

    private final ClusterWriter cluster;
    private final String target;
    private final CheckpointLog log;
    private final UUID migrationId;
    /** the source shard (null: a standalone source): each has its own checkpoints */
    private final Integer shard;
    private final int attempt;
    private final int maxBatchCommands;
    private final Pacer pacer;
    private final long replyTimeoutMillis;
    /** see {@link ShardFlush} (null: a flush goes to every master as it is) */
    private final BitSet shardSlots;
    /** per slot touched: the checkpoint it holds as far as we know */
    private final Map<Integer, StreamCheckpoint> expected = new HashMap<>();
    /** per slot: the source offset up to which it holds the stream (from the claim): skipped there */
    private final Map<Integer, Long> heldUpTo = new HashMap<>();
    /** what a slot without a checkpoint holds: everything up to this source offset */
    private long base = Long.MIN_VALUE;
    /**
     * The highest checkpoint found by the claim (or adopted): until the stream has passed it, some slot
     * holds more than the stream has reached, and the stream is replaying, not idle.
     */
    private long catchUpTo = Long.MIN_VALUE;
    /** the source offset the stream has reached (applied, skipped or passed over) */
    private long reached = Long.MIN_VALUE;
    /** per slot: the open batch's commands */
    private final Map<Integer, List<byte[][]>> batch = new LinkedHashMap<>();

    private final BatchState batchState = new BatchState();
    /** see {@link StreamApplier#committed()} */
    private ReplicationOffset committed;
    /** see {@link StreamApplier#lostTarget()} */
    private boolean lost;
    /** why the first write round that failed did (null: none did); see {@link #written} */
    private String failedWrite;
    /** the masters written to since a replica of theirs last confirmed holding all of it (WAIT) */
    private final java.util.Set<String> unconfirmed = new java.util.HashSet<>();
    /** see {@link #durable()} */
    private ReplicationOffset durable;
    /**
     * Per slot, the checkpoint offset a replica confirmed holding at {@link #durable} (and, carried
     * over a reconnect, before): a slot that goes back no further lacks nothing the change log lost.
     */
    private final Map<Integer, Long> confirmed = new HashMap<>();

    /**
     * @param cluster routes by the target's slots; closed with this
     * @param target the address the user gave, for messages
     * @param pacer the migration's commands per second (null: none)
     */
    ClusterCheckpointedApplier(ClusterWriter cluster, String target, CheckpointLog log, UUID migrationId, Integer shard,
            int attempt, int maxBatchCommands, Pacer pacer, long replyTimeoutMillis, BitSet shardSlots) {
        this.shardSlots = shardSlots;
        this.cluster = cluster;
        this.target = target;
        this.log = log;
        this.migrationId = migrationId;
        this.shard = shard;
        this.attempt = attempt;
        this.maxBatchCommands = maxBatchCommands;
        this.pacer = pacer;
        this.replyTimeoutMillis = replyTimeoutMillis;
    }

    /** The checkpoint key of a slot. */
    byte[] checkpointKey(int slot) {
        return StreamCheckpoint.slotKey(migrationId, shard, HashSlot.tag(slot));
    }

    @Override
    public ReplicationOffset claim(ReplicationOffset fallback) {
        while (true) {
            Map<Integer, StreamCheckpoint> found = readAll();
            if (found.values().stream().anyMatch(c -> c.attempt() > attempt)) {
                return null;
            }
            StreamCheckpoint logged = log.latest(migrationId, shard);
            if (logged != null && logged.attempt() > attempt) {
                return null;
            }
            ReplicationOffset start = logged != null ? logged.offset() : fallback;
            // every checkpoint found now carries this attempt's number: an older attempt stops at it
            Map<Integer, StreamCheckpoint> mine = new HashMap<>();
            Map<Integer, List<byte[][]>> none = new LinkedHashMap<>();
            for (Map.Entry<Integer, StreamCheckpoint> f : found.entrySet()) {
                mine.put(f.getKey(), new StreamCheckpoint(attempt, f.getValue().offset()));
                none.put(f.getKey(), List.of());
                if (f.getValue().offset().offset() < start.offset()) {
                    start = f.getValue().offset();
                }
            }
            expected.clear();
            expected.putAll(found);
            if (!run(none, mine::get).isEmpty()) {
                continue; // another instance wrote in between: look again
            }
            holdUpTo(mine);
            base = (logged != null ? logged.offset() : fallback).offset();
            reached = start.offset();
            committed = start;
            return start;
        }
    }

    @Override
    public void adopt(StreamCheckpoint found) {
        // the moved checkpoint was reported as the lowest over the slots: expect what each holds now
        Map<Integer, StreamCheckpoint> now = readAll();
        expected.clear();
        expected.putAll(now);
        holdUpTo(now);
    }

    /** Each slot holds the stream up to its checkpoint: skipped there until the stream has passed the highest. */
    private void holdUpTo(Map<Integer, StreamCheckpoint> checkpoints) {
        heldUpTo.clear();
        checkpoints.forEach((slot, c) -> heldUpTo.put(slot, c.offset().offset()));
        catchUpTo = heldUpTo.values().stream().mapToLong(Long::longValue).max().orElse(Long.MIN_VALUE);
    }

    /**
     * Still replaying what some slot already holds (after a resume, the stream starts at the lowest
     * slot checkpoint): not idle, and the checkpoints must stay, whatever the time since the last batch.
     */
    private boolean catchingUp() {
        return reached < catchUpTo;
    }

    @Override
    public void apply(Entry entry, ReplicationOffset end) {
        String name = entry.name();
        // a source transaction stays within one batch: atomic per slot
        if (!batchState.sourceTransactionMark(name)) {
            if (entry.db() != 0) {
                throw new TargetWriteException("the target " + target + " is a cluster, which has db 0 only: " + name
                        + " of the source's db " + entry.db() + " (at source offset " + end.offset()
                        + ") has nowhere to go (leave that db out with ignore_dbs)");
            }
            List<ClusterWriter.Routed> parts;
            try {
                parts = cluster.route(entry.argv());
            } catch (ClusterWriteException e) {
                throw new TargetWriteException("the cluster target " + target + " cannot apply the source's command at offset "
                        + end.offset() + ": " + e.getMessage());
            }
            if (pacer != null && pacer.rate() > 0) {
                pacer.acquire(1);
            }
            if (parts.get(0).slot() < 0) {
                applyToEveryMaster(name, parts, end);
                return;
            }
            if (!batchState.isOpen()) {
                batchState.open();
                batch.clear();
            }
            for (ClusterWriter.Routed part : parts) {
                if (part.argv().length > MAX_ARGS) {
                    throw new TargetWriteException("the cluster target " + target + " cannot apply " + name + " with "
                            + part.argv().length + " arguments (source offset " + end.offset() + "): a slot's part of a"
                            + " batch is applied by a script, which takes at most " + MAX_ARGS + " arguments per command");
                }
                if (end.offset() > heldUpTo.getOrDefault(part.slot(), base)) {
                    batch.computeIfAbsent(part.slot(), s -> new ArrayList<>()).add(part.argv());
                }
            }
            batchState.added();
        }
        batchState.reached(end);
        reached = end.offset();
        if (batchState.full(maxBatchCommands)) {
            commit();
        }
    }

    /**
     * FLUSHALL, FLUSHDB (and SCRIPT, FUNCTION): after the open batch, on every master. A flush
     * removes the slots' checkpoints too, so the log records the offset after it: a resume skips it
     * and everything before, and applies from there on to empty slots.
     */
    private void applyToEveryMaster(String name, List<ClusterWriter.Routed> parts, ReplicationOffset end) {
        if (batchState.isOpen()) {
            commit();
        }
        reached = end.offset();
        if (end.offset() <= base) {
            return; // applied before the resume's base (the log records each flush once applied)
        }
        boolean flush = name.equals("FLUSHALL") || name.equals("FLUSHDB");
        if (flush && shardSlots != null) {
            flushShard(end);
            batchState.applied(1);
            return;
        }
        written(() -> {
            List<CompletableFuture<Object>> replies = new ArrayList<>();
            for (ClusterWriter.Routed part : parts) {
                replies.add(link(part.address()).send(part.argv()));
                unconfirmed.add(part.address());
            }
            for (int i = 0; i < replies.size(); i++) {
                await(replies.get(i), parts.get(i).address(), name);
            }
        });
        if (flush) {
            log.record(migrationId, shard, new StreamCheckpoint(attempt, end));
            committed = end;
            expected.clear();
            holdUpTo(Map.of());
            base = end.offset();
        }
        batchState.applied(1);
    }

    /**
     * A cluster source's shard's flush ({@link ShardFlush}), exact at every point a crash may cut it:
     * first a fence (the slots' checkpoints still ours: an older attempt must not delete what a newer one
     * wrote), then the keys of the shard's slots on each master serving some of them, every checkpoint kept
     * (a resume reads the flush again and deletes again: each slot's checkpoint still says which of its
     * commands were applied, and none of its commands lies between that checkpoint and the flush); then the
     * log records the offset after it, and only then this shard's slot checkpoints go (fenced), as a whole
     * flush removes them: a resume from the log skips the flush and applies from there on.
     */
    private void flushShard(ReplicationOffset end) {
        written(() -> {
            StreamCheckpoint logged = expected.isEmpty() ? log.latest(migrationId, shard) : null;
            if (logged != null && logged.attempt() > attempt) {
                throw new CheckpointMovedException(logged);
            }
            Map<Integer, List<byte[][]>> none = new LinkedHashMap<>();
            expected.keySet().forEach(slot -> none.put(slot, List.of()));
            if (!none.isEmpty() && !run(none, expected::get).isEmpty()) {
                throw moved();
            }
            for (ClusterShard master : cluster.topology().shards()) {
                BitSet served = master.slotsAmong(shardSlots);
                if (master.master() != null && !served.isEmpty()) {
                    String node = master.master().address();
                    KeyDeleter.bySlots(linkNode(node), served, ShardFlush.inSlots(shardSlots,
                            key -> ShardNames.isCheckpointKey(migrationId, key)));
                    unconfirmed.add(node);
                }
            }
            log.record(migrationId, shard, new StreamCheckpoint(attempt, end));
            committed = end;
            if (!none.isEmpty() && !run(none, slot -> null).isEmpty()) {
                throw moved();
            }
            expected.clear();
            holdUpTo(Map.of());
            base = end.offset();
        });
    }

    /** A master as {@link ShardFlush} reaches it: through this applier's link, waited for as a batch is, paced. */
    private KeyDeleter.Server linkNode(String node) {
        RedisLink link = link(node);
        return new KeyDeleter.Server() {
            @Override
            public List<Object> call(List<byte[][]> commands) {
                List<CompletableFuture<Object>> replies = new ArrayList<>();
                commands.forEach(command -> replies.add(link.queue(command)));
                link.sendQueued();
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(replyTimeoutMillis);
                List<Object> answers = new ArrayList<>();
                replies.forEach(reply -> answers.add(await(reply, node, "CLUSTER GETKEYSINSLOT", deadline)));
                return answers;
            }

            @Override
            public void delete(List<byte[]> keys) {
                List<CompletableFuture<Object>> replies = new ArrayList<>();
                for (byte[] key : keys) {
                    if (pacer != null && pacer.rate() > 0) {
                        pacer.acquire(1);
                    }
                    replies.add(link.queue(new byte[][] {ShardFlush.DEL, key}));
                }
                link.sendQueued();
                replies.forEach(reply -> await(reply, node, "DEL"));
            }
        };
    }

    /** The target's nodes as this applier last knew them (masters first): where a reconnect may reach the cluster when its seed is down. */
    List<RedisEndpoint> knownNodes() {
        return cluster.knownEndpoints();
    }

    @Override
    public void skipTo(ReplicationOffset end) {
        batchState.reached(end);
        reached = end.offset();
    }

    @Override
    public void commitIfPossible() {
        if (batchState.closable()) {
            commit();
        }
    }

    /** Every batch is awaited when it commits: nothing is left in flight. */
    @Override
    public void flush() {
    }

    /** Every batch is awaited when it commits: only an open one is not confirmed. */
    @Override
    public boolean inFlight() {
        return batchState.isOpen();
    }

    @Override
    public long idleNanos() {
        return catchingUp() ? 0 : batchState.idleNanos();
    }

    @Override
    public boolean holdsCheckpoint() {
        return !expected.isEmpty();
    }

    @Override
    public ReplicationOffset committed() {
        return committed;
    }

    /**
     * What a replica of every master written to holds as well ({@code WAIT 1} on each, after the
     * batches that master took): a failover may promote a replica that lacks the old master's last
     * acknowledged writes (replication is asynchronous), and the slots' checkpoints go back with
     * them, so the change log must still hold what follows. A master without a live replica has
     * nothing to fail over to. A replica that does not confirm within the round holds the trim back.
     */
    @Override
    public ReplicationOffset durable() {
        ReplicationOffset now = committed;
        Map<Integer, Long> held = new HashMap<>();
        expected.forEach((slot, c) -> held.put(slot, c.offset().offset()));
        Map<String, CompletableFuture<Object>> waits = new HashMap<>();
        for (java.util.Iterator<String> nodes = unconfirmed.iterator(); nodes.hasNext(); ) {
            String node = nodes.next();
            if (!hasLiveReplica(node)) {
                nodes.remove();
            } else if (cluster.isOpen(node)) {
                // WAIT covers the writes of the connection it is sent on: a reopened one has none
                // yet and would confirm at once; it is asked once the next batch went through it
                waits.put(node, link(node).send(new byte[][] {WAIT, ONE, REPLICA_WAIT_MILLIS}));
            }
        }
        waits.forEach((node, reply) -> {
            if (await(reply, node, "WAIT") instanceof Number replicas && replicas.longValue() >= 1) {
                unconfirmed.remove(node);
            }
        });
        if (unconfirmed.isEmpty()) {
            durable = now;
            confirmed.putAll(held);
        }
        return durable;
    }

    /**
     * Whether the node has a replica that is not failed: one still syncing ("loading", as Redis 7.0
     * calls a replica whose offset its master has not heard yet) could be promoted all the same.
     */
    private boolean hasLiveReplica(String node) {
        return cluster.topology().shards().stream()
                .filter(s -> s.master() != null && s.master().address().equals(node))
                .anyMatch(s -> s.replicas().stream().anyMatch(r -> !r.health().startsWith("fail")));
    }

    @Override
    public boolean lostTarget() {
        return lost;
    }

    /**
     * Every shard's {@code INFO keyspace} from its master ({@link PartKeyspaces}), named by the shard's slots: a
     * master restarted empty shows there while the others keep their keys. A master that does not answer is a
     * lost target, as for a write.
     */
    @Override
    public Map<String, Map<String, String>> targetKeyspaces() {
        Map<String, RedisLink> masters = new LinkedHashMap<>();
        for (ClusterShard shard : cluster.topology().shards()) {
            if (shard.master() != null && !shard.slots().isEmpty()) {
                masters.put(IdleTargetWatch.part(shard), link(shard.master().address()));
            }
        }
        PartKeyspaces.Read read;
        try {
            read = PartKeyspaces.read(masters, Duration.ofMillis(replyTimeoutMillis));
        } catch (RedisAccessException e) {
            throw new TargetWriteException(e.getMessage());
        }
        if (!read.unanswered().isEmpty()) {
            lost = true;
            throw new TargetWriteException("the cluster target's node " + read.unanswered().values().iterator().next());
        }
        return read.keyspaces();
    }

    @Override
    public long commandsApplied() {
        return batchState.commandsApplied();
    }

    @Override
    public void removeCheckpoint(ReplicationOffset position) {
        // a slot holding more than position would, with its checkpoint gone and the log at position,
        // apply (position, its checkpoint] again: a resume's idle timer once did so (counters too high)
        if (batchState.isOpen() || expected.isEmpty() || position.offset() < catchUpTo) {
            return;
        }
        written(() -> {
            log.record(migrationId, shard, new StreamCheckpoint(attempt, position)); // before the target forgets it
            committed = position;
            Map<Integer, List<byte[][]>> none = new LinkedHashMap<>();
            expected.keySet().forEach(slot -> none.put(slot, List.of()));
            if (!run(none, slot -> null).isEmpty()) {
                throw moved();
            }
            heldUpTo.clear();
            base = position.offset();
        });
    }

    private void commit() {
        written(() -> {
            StreamCheckpoint next = new StreamCheckpoint(attempt, batchState.end());
            Map<Integer, List<byte[][]>> parts = new LinkedHashMap<>(batch);
            batch.clear();
            int commands = batchState.close();
            if (!run(parts, slot -> next).isEmpty()) {
                throw moved();
            }
            committed = next.offset();
            batchState.applied(commands);
        });
    }

    /**
     * Runs a write round; the first that fails ends this applier's writes. Its batch is gone with it
     * (taken out before the send), and {@link ClusterWriter} reopens a closed link on the next use: a
     * later round would find the checkpoint of a slot whose part never ran still as expected and go
     * past that part. A progress timer's commit failed on killed connections, the apply thread's next
     * record committed on reopened ones, and a counter ended 10 short, nothing reported (12-05, 12-06).
     * The stream resumes on a new applier from the slots' checkpoints. A moved checkpoint is an
     * answer, not a failure: the stream continues from it ({@link CheckpointMovedException}).
     */
    private void written(Runnable round) {
        if (failedWrite != null) {
            throw new TargetWriteException(failedWrite + " (no write after it on this connection to the target)");
        }
        try {
            round.run();
        } catch (CheckpointMovedException e) {
            throw e;
        } catch (RuntimeException e) {
            failedWrite = String.valueOf(e.getMessage());
            throw e;
        }
    }

    /**
     * Runs {@link #APPLY} for each slot (pipelined to every master, then every reply awaited):
     * expecting {@link #expected}, setting {@code next} (null: removing it). Updates what each slot
     * is expected to hold; returns the slots whose checkpoint was not the one expected.
     */
    private List<Integer> run(Map<Integer, List<byte[][]>> perSlot, java.util.function.IntFunction<StreamCheckpoint> next) {
        Map<Integer, CompletableFuture<Object>> replies = new LinkedHashMap<>();
        Map<Integer, String> nodeOf = new HashMap<>();
        java.util.Set<String> nodes = new java.util.HashSet<>();
        for (Map.Entry<Integer, List<byte[][]>> part : perSlot.entrySet()) {
            int slot = part.getKey();
            byte[] key = checkpointKey(slot);
            StreamCheckpoint now = expected.get(slot);
            StreamCheckpoint then = next.apply(slot);
            List<byte[]> argv = new ArrayList<>();
            argv.add(EVAL);
            argv.add(SCRIPT);
            argv.add(ONE);
            argv.add(key);
            argv.add(now == null ? NONE : now.encode());
            argv.add(then == null ? NONE : then.encode());
            for (byte[][] command : part.getValue()) {
                argv.add(ascii(Integer.toString(command.length)));
                java.util.Collections.addAll(argv, command);
            }
            String node = owner(key);
            nodeOf.put(slot, node);
            nodes.add(node);
            replies.put(slot, link(node).queue(argv.toArray(byte[][]::new)));
        }
        nodes.forEach(node -> link(node).sendQueued());
        unconfirmed.addAll(nodes);
        // one deadline for every slot's reply (as ClusterWriter.flush): a silent master is lost within one timeout
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(replyTimeoutMillis);
        List<Integer> moved = new ArrayList<>();
        for (Map.Entry<Integer, CompletableFuture<Object>> reply : replies.entrySet()) {
            int slot = reply.getKey();
            Object result;
            try {
                result = reply.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                noteLost(nodeOf.get(slot), e.getCause());
                throw refused(slot, nodeOf.get(slot), perSlot.get(slot), e.getCause());
            } catch (TimeoutException e) {
                lost = true;
                throw new TargetWriteException("the cluster target's node " + nodeOf.get(slot) + " did not answer within "
                        + replyTimeoutMillis + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TargetWriteException("interrupted while applying to the target");
            }
            if (result instanceof Number) {
                StreamCheckpoint then = next.apply(slot);
                if (then == null) {
                    expected.remove(slot);
                } else {
                    expected.put(slot, then);
                    // the slot now holds the stream up to there: a rewind (after another attempt's write
                    // was met) must skip it there, or it applies this attempt's own commands twice
                    heldUpTo.merge(slot, then.offset().offset(), Math::max);
                }
            } else {
                moved.add(slot);
            }
        }
        return moved;
    }

    /** Why a slot's part was refused: a slot that moved (MOVED/ASK), or the server's reason with the first command's name. */
    private TargetWriteException refused(int slot, String node, List<byte[][]> commands, Throwable why) {
        if (why instanceof org.redisson.client.RedisMovedException moved) { // lost(): the stream reconnects
            return new TargetWriteException("slot " + slot + " of the cluster target moved from " + node + " to "
                    + moved.getUrl().getHost() + ":" + moved.getUrl().getPort() + " (a failover promoted a replica)");
        }
        if (why instanceof org.redisson.client.RedisRedirectException redirect) {
            return new TargetWriteException("slot " + slot + " of the cluster target is being moved from " + node + " to "
                    + redirect.getUrl().getHost() + ":" + redirect.getUrl().getPort() + " while the stream ran: a cluster"
                    + " target's slots must stay where they are while a migration streams (resharding mid-stream is not supported)");
        }
        String names = commands.stream().map(ClusterCheckpointedApplier::name).distinct().limit(5)
                .collect(java.util.stream.Collectors.joining(", "));
        return new TargetWriteException("the cluster target's node " + node + " refused the stream's commands of slot " + slot
                + " (" + (names.isEmpty() ? "its checkpoint" : names) + "): " + String.valueOf(why.getMessage())
                .split("\\. channel:|, channel:| channel: \\[")[0]);
    }

    /** Every slot's checkpoint that exists (16384 GETs, pipelined to the masters). */
    private Map<Integer, StreamCheckpoint> readAll() {
        Map<Integer, CompletableFuture<Object>> gets = new LinkedHashMap<>();
        Map<Integer, String> nodeOf = new HashMap<>();
        for (int slot = 0; slot < HashSlot.SLOTS; slot++) {
            byte[] key = checkpointKey(slot);
            String node = owner(key);
            nodeOf.put(slot, node);
            gets.put(slot, link(node).queue(new byte[][] {GET, key}));
        }
        new java.util.HashSet<>(nodeOf.values()).forEach(node -> link(node).sendQueued());
        Map<Integer, StreamCheckpoint> found = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(replyTimeoutMillis);
        gets.forEach((slot, reply) -> {
            StreamCheckpoint c = StreamCheckpoint.decode(await(reply, nodeOf.get(slot), "GET", deadline));
            if (c != null) {
                found.put(slot, c);
            }
        });
        return found;
    }

    /**
     * Someone else wrote a checkpoint: a newer attempt's (this one ends), one this attempt expected
     * gone (removed by the instance that took over: ends too), else the lowest, from where to continue.
     */
    private CheckpointMovedException moved() {
        Map<Integer, StreamCheckpoint> now = readAll();
        StreamCheckpoint newer = now.values().stream().filter(c -> c.attempt() > attempt).findFirst().orElse(null);
        if (newer != null || !now.keySet().containsAll(expected.keySet())) {
            return new CheckpointMovedException(newer);
        }
        return new CheckpointMovedException(now.values().stream()
                .min(Comparator.comparingLong(c -> c.offset().offset())).orElse(null));
    }

    private String owner(byte[] key) {
        try {
            return cluster.route(new byte[][] {GET, key}).get(0).address();
        } catch (ClusterWriteException e) { // a slot without a master: a failover under way
            lost = true;
            throw new TargetWriteException("the cluster target " + target + ": " + e.getMessage());
        }
    }

    /** A failure that is the node going away (its connection lost) or a slot moved (MOVED: a failover), not a refusal. */
    private void noteLost(String node, Throwable why) {
        if (!cluster.isOpen(node) || why instanceof org.redisson.client.RedisMovedException) {
            lost = true;
        }
    }

    private RedisLink link(String node) {
        try {
            return cluster.linkTo(node);
        } catch (RedisAccessException e) {
            lost = true;
            throw new TargetWriteException("the cluster target's node " + node + " cannot be reached: " + e.getMessage());
        }
    }

    private Object await(CompletableFuture<Object> reply, String node, String what) {
        return await(reply, node, what, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(replyTimeoutMillis));
    }

    /** The reply, by {@code deadline} (nanoTime) shared with the other replies of its round. */
    private Object await(CompletableFuture<Object> reply, String node, String what, long deadline) {
        try {
            return reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            noteLost(node, e.getCause());
            throw new TargetWriteException("the cluster target's node " + node + " refused " + what + ": "
                    + e.getCause().getMessage());
        } catch (TimeoutException e) {
            lost = true;
            throw new TargetWriteException("the cluster target's node " + node + " did not answer " + what + " within "
                    + replyTimeoutMillis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetWriteException("interrupted while applying to the target");
        }
    }

    private static String name(byte[][] argv) {
        return new String(argv[0], StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        cluster.close();
    }
}
