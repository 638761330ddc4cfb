package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.ClusterWriteException;
import dev.redismigrate.common.cluster.ClusterWriter;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * and the log records the offset after them (they remove the slots' checkpoints too). A slot that
 * moves while the stream runs (MOVED or ASK) ends the stream in error naming the slot. A
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
    /** per slot touched: the checkpoint it holds as far as we know */
    private final Map<Integer, StreamCheckpoint> expected = new HashMap<>();
    /** per slot: the source offset up to which it holds the stream (from the claim): skipped there */
    private final Map<Integer, Long> heldUpTo = new HashMap<>();
    /** what a slot without a checkpoint holds: everything up to this source offset */
    private long base = Long.MIN_VALUE;
    /** per slot: the open batch's commands */
    private final Map<Integer, List<byte[][]>> batch = new LinkedHashMap<>();

    private final BatchState batchState = new BatchState();
    /** see {@link StreamApplier#committed()} */
    private ReplicationOffset committed;

    /**
     * @param cluster routes by the target's slots; closed with this
     * @param target the address the user gave, for messages
     * @param pacer the migration's commands per second (null: none)
     */
    ClusterCheckpointedApplier(ClusterWriter cluster, String target, CheckpointLog log, UUID migrationId, Integer shard,
            int attempt, int maxBatchCommands, Pacer pacer, long replyTimeoutMillis) {
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
            heldUpTo.clear();
            mine.forEach((slot, c) -> heldUpTo.put(slot, c.offset().offset()));
            base = (logged != null ? logged.offset() : fallback).offset();
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
        heldUpTo.clear();
        now.forEach((slot, c) -> heldUpTo.put(slot, c.offset().offset()));
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
        if (end.offset() <= base) {
            return; // applied before the resume's base (the log records each flush once applied)
        }
        List<CompletableFuture<Object>> replies = new ArrayList<>();
        for (ClusterWriter.Routed part : parts) {
            replies.add(link(part.address()).send(part.argv()));
        }
        for (int i = 0; i < replies.size(); i++) {
            await(replies.get(i), parts.get(i).address(), name);
        }
        if (name.equals("FLUSHALL") || name.equals("FLUSHDB")) {
            log.record(migrationId, shard, new StreamCheckpoint(attempt, end));
            committed = end;
            expected.clear();
            heldUpTo.clear();
            base = end.offset();
        }
        batchState.applied(1);
    }

    @Override
    public void skipTo(ReplicationOffset end) {
        batchState.reached(end);
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

    @Override
    public long idleNanos() {
        return batchState.idleNanos();
    }

    @Override
    public boolean holdsCheckpoint() {
        return !expected.isEmpty();
    }

    @Override
    public ReplicationOffset committed() {
        return committed;
    }

    @Override
    public long commandsApplied() {
        return batchState.commandsApplied();
    }

    @Override
    public void removeCheckpoint(ReplicationOffset position) {
        if (batchState.isOpen() || expected.isEmpty()) {
            return;
        }
        log.record(migrationId, shard, new StreamCheckpoint(attempt, position)); // before the target forgets it
        committed = position;
        Map<Integer, List<byte[][]>> none = new LinkedHashMap<>();
        expected.keySet().forEach(slot -> none.put(slot, List.of()));
        if (!run(none, slot -> null).isEmpty()) {
            throw moved();
        }
        heldUpTo.clear();
        base = position.offset();
    }

    private void commit() {
        StreamCheckpoint next = new StreamCheckpoint(attempt, batchState.end());
        Map<Integer, List<byte[][]>> parts = new LinkedHashMap<>(batch);
        batch.clear();
        int commands = batchState.close();
        if (!run(parts, slot -> next).isEmpty()) {
            throw moved();
        }
        committed = next.offset();
        batchState.applied(commands);
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
        List<Integer> moved = new ArrayList<>();
        for (Map.Entry<Integer, CompletableFuture<Object>> reply : replies.entrySet()) {
            int slot = reply.getKey();
            Object result;
            try {
                result = reply.getValue().get(replyTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw refused(slot, nodeOf.get(slot), perSlot.get(slot), e.getCause());
            } catch (TimeoutException e) {
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
        if (why instanceof org.redisson.client.RedisRedirectException redirect) {
            return new TargetWriteException("slot " + slot + " of the cluster target moved from " + node + " to "
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
        gets.forEach((slot, reply) -> {
            StreamCheckpoint c = StreamCheckpoint.decode(await(reply, nodeOf.get(slot), "GET"));
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
        return cluster.route(new byte[][] {GET, key}).get(0).address();
    }

    private RedisLink link(String node) {
        try {
            return cluster.linkTo(node);
        } catch (RedisAccessException e) {
            throw new TargetWriteException("the cluster target's node " + node + " cannot be reached: " + e.getMessage());
        }
    }

    private Object await(CompletableFuture<Object> reply, String node, String what) {
        try {
            return reply.get(replyTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TargetWriteException("the cluster target's node " + node + " refused " + what + ": "
                    + e.getCause().getMessage());
        } catch (TimeoutException e) {
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
