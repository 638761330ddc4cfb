package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.ClusterShard;
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
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The checkpointed apply for a Redis Cluster target, where one transaction cannot hold a batch:
 * a cluster runs {@code MULTI}/{@code EXEC} within one node, and a batch's commands span every
 * node. So each master holds its own checkpoint (a key with a hash tag of a slot it owns, see
 * {@link StreamCheckpoint#key(UUID, String)}), written in that master's transaction with that
 * master's part of the batch. A batch is: {@code WATCH} + {@code GET} of every master's
 * checkpoint (one round trip to all), then on every master {@code MULTI}, its commands, its new
 * checkpoint, {@code EXEC} (one round trip to all). Each master is thus either before or after its
 * part of a batch; after a crash the masters may stand at different batches, so the stream resumes
 * from the lowest checkpoint and skips, per master, the commands that master already holds.
 *
 * <p>A source transaction (MULTI/EXEC) is kept within one batch, so its commands of one master
 * are applied atomically there; across masters it is applied per node (a cluster has no
 * transaction across nodes). Multi-key commands are split per slot where that keeps their meaning
 * ({@link ClusterWriter#route}); others across slots (RENAME, SMOVE, MSETNX ...) end the stream
 * with the command named. A slot that moves while the stream runs (MOVED or ASK inside a
 * transaction) ends the stream in error naming the slot: the per-master checkpoints hold only
 * while the slots stay where the claim found them.
 */
final class ClusterCheckpointedApplier implements StreamApplier {
    private static final byte[] WATCH = ascii("WATCH");
    private static final byte[] UNWATCH = ascii("UNWATCH");
    private static final byte[] GET = ascii("GET");
    private static final byte[] MULTI = ascii("MULTI");
    private static final byte[] EXEC = ascii("EXEC");
    private static final byte[] SET = ascii("SET");
    private static final byte[] DEL = ascii("DEL");

    private final ClusterWriter cluster;
    private final String target;
    private final CheckpointLog log;
    private final UUID migrationId;
    private final int attempt;
    private final int maxBatchCommands;
    private final Pacer pacer;
    private final long replyTimeoutMillis;
    /** per master (address): its checkpoint key */
    private final Map<String, byte[]> keys = new LinkedHashMap<>();
    /** per master: the checkpoint it holds as far as we know (absent: none) */
    private final Map<String, StreamCheckpoint> expected = new HashMap<>();
    /** per master: the source offset up to which it holds the stream (from the claim): skipped there */
    private final Map<String, Long> heldUpTo = new HashMap<>();
    /** per master: the open batch's commands */
    private final Map<String, List<byte[][]>> batch = new LinkedHashMap<>();

    private boolean batchOpen;
    private boolean inSourceTransaction;
    private int batchCommands;
    private ReplicationOffset batchEnd;
    private long lastAppliedNanos = System.nanoTime();
    private long commandsApplied;

    /**
     * @param cluster routes by the target's slots (its topology is the one the checkpoints follow); closed with this
     * @param target the address the user gave, for messages
     * @param pacer the migration's commands per second (null: none)
     */
    ClusterCheckpointedApplier(ClusterWriter cluster, String target, CheckpointLog log, UUID migrationId, int attempt,
            int maxBatchCommands, Pacer pacer, long replyTimeoutMillis) {
        this.cluster = cluster;
        this.target = target;
        this.log = log;
        this.migrationId = migrationId;
        this.attempt = attempt;
        this.maxBatchCommands = maxBatchCommands;
        this.pacer = pacer;
        this.replyTimeoutMillis = replyTimeoutMillis;
        for (ClusterShard shard : cluster.topology().shards()) {
            if (shard.master() == null) {
                throw new TargetWriteException("the cluster target " + target + " has no master for " + shard.describe());
            }
            keys.put(shard.master().address(), StreamCheckpoint.key(migrationId, shard.hashTag()));
        }
    }

    /** The checkpoint key of each master, by address (for tests and messages). */
    Map<String, byte[]> checkpointKeys() {
        return keys;
    }

    @Override
    public ReplicationOffset claim(ReplicationOffset fallback) {
        while (true) {
            Map<String, StreamCheckpoint> found = watchAndRead();
            if (found.values().stream().anyMatch(c -> c != null && c.attempt() > attempt)) {
                unwatch();
                return null;
            }
            StreamCheckpoint logged = found.containsValue(null) ? log.latest(migrationId) : null;
            if (logged != null && logged.attempt() > attempt) {
                unwatch();
                return null;
            }
            Map<String, StreamCheckpoint> mine = new HashMap<>();
            for (String node : keys.keySet()) {
                StreamCheckpoint at = found.get(node);
                ReplicationOffset start = at != null ? at.offset() : logged != null ? logged.offset() : fallback;
                mine.put(node, new StreamCheckpoint(attempt, start));
            }
            Map<String, CompletableFuture<Object>> execs = new LinkedHashMap<>();
            for (String node : keys.keySet()) {
                RedisLink link = link(node);
                link.queue(new byte[][] {MULTI});
                link.queue(new byte[][] {SET, keys.get(node), mine.get(node).encode()});
                execs.put(node, link.send(new byte[][] {EXEC}));
            }
            boolean raced = false;
            for (Map.Entry<String, CompletableFuture<Object>> exec : execs.entrySet()) {
                if (await(exec.getValue(), exec.getKey(), "EXEC") == null) {
                    raced = true; // another instance wrote in between: look again
                }
            }
            if (raced) {
                continue;
            }
            expected.clear();
            expected.putAll(mine);
            heldUpTo.clear();
            mine.forEach((node, c) -> heldUpTo.put(node, c.offset().offset()));
            return mine.values().stream().map(StreamCheckpoint::offset)
                    .min(Comparator.comparingLong(ReplicationOffset::offset)).orElse(fallback);
        }
    }

    @Override
    public void adopt(StreamCheckpoint found) {
        // the moved checkpoint was reported as the lowest over the masters: expect what each holds now
        Map<String, StreamCheckpoint> now = read();
        expected.clear();
        heldUpTo.clear();
        now.forEach((node, c) -> {
            if (c != null) {
                expected.put(node, c);
                heldUpTo.put(node, c.offset().offset());
            }
        });
    }

    @Override
    public void apply(Entry entry, ReplicationOffset end) {
        String name = entry.name();
        if (name.equals("MULTI")) { // the source's transaction stays within one batch: atomic per master
            inSourceTransaction = true;
        } else if (name.equals("EXEC")) {
            inSourceTransaction = false;
        } else {
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
            if (!batchOpen) {
                batchOpen = true;
                batchCommands = 0;
                batch.clear();
            }
            for (ClusterWriter.Routed part : parts) {
                if (end.offset() > heldUpTo.getOrDefault(part.address(), Long.MIN_VALUE)) {
                    batch.computeIfAbsent(part.address(), a -> new ArrayList<>()).add(part.argv());
                }
            }
            batchCommands++;
        }
        if (batchOpen) {
            batchEnd = end;
        }
        if (batchOpen && !inSourceTransaction && batchCommands >= maxBatchCommands) {
            commit();
        }
    }

    @Override
    public void skipTo(ReplicationOffset end) {
        if (batchOpen) {
            batchEnd = end;
        }
    }

    @Override
    public void commitIfPossible() {
        if (batchOpen && !inSourceTransaction) {
            commit();
        }
    }

    /** Every batch is awaited when it commits: nothing is left in flight. */
    @Override
    public void flush() {
    }

    @Override
    public long idleNanos() {
        return batchOpen ? 0 : System.nanoTime() - lastAppliedNanos;
    }

    @Override
    public boolean holdsCheckpoint() {
        return !expected.isEmpty();
    }

    @Override
    public long commandsApplied() {
        return commandsApplied;
    }

    @Override
    public void removeCheckpoint(ReplicationOffset position) {
        if (batchOpen || expected.isEmpty()) {
            return;
        }
        check(watchAndRead());
        log.record(migrationId, new StreamCheckpoint(attempt, position)); // before the target forgets it
        Map<String, List<byte[][]>> deletes = new LinkedHashMap<>();
        keys.forEach((node, key) -> deletes.put(node, List.<byte[][]>of(new byte[][] {DEL, key})));
        transact(deletes, null);
        expected.clear();
    }

    /** Every master: MULTI, its part of the batch, its new checkpoint, EXEC; all masters at once. */
    private void commit() {
        StreamCheckpoint next = new StreamCheckpoint(attempt, batchEnd);
        check(watchAndRead());
        Map<String, List<byte[][]>> parts = new LinkedHashMap<>();
        for (String node : keys.keySet()) {
            List<byte[][]> commands = new ArrayList<>(batch.getOrDefault(node, List.of()));
            commands.add(new byte[][] {SET, keys.get(node), next.encode()});
            parts.put(node, commands);
        }
        for (String node : batch.keySet()) {
            if (!keys.containsKey(node)) { // a master the claim did not see: its checkpoint would be missing
                unwatch();
                throw new TargetWriteException("the cluster target " + target + " has a new master " + node
                        + " since the stream started: a cluster target's slots must stay where they are while a migration streams");
            }
        }
        transact(parts, next);
        batchOpen = false;
        batch.clear();
        commandsApplied += batchCommands;
        lastAppliedNanos = System.nanoTime();
    }

    /** Sends one transaction per master (all before waiting), checks each EXEC; {@code next} null: checkpoints removed. */
    private void transact(Map<String, List<byte[][]>> perNode, StreamCheckpoint next) {
        Map<String, List<CompletableFuture<Object>>> queued = new LinkedHashMap<>();
        Map<String, CompletableFuture<Object>> execs = new LinkedHashMap<>();
        for (Map.Entry<String, List<byte[][]>> part : perNode.entrySet()) {
            RedisLink link = link(part.getKey());
            link.queue(new byte[][] {MULTI});
            List<CompletableFuture<Object>> replies = new ArrayList<>();
            for (byte[][] argv : part.getValue()) {
                replies.add(link.queue(argv));
            }
            queued.put(part.getKey(), replies);
            execs.put(part.getKey(), link.send(new byte[][] {EXEC}));
        }
        boolean moved = false;
        for (Map.Entry<String, CompletableFuture<Object>> exec : execs.entrySet()) {
            String node = exec.getKey();
            Object reply;
            try {
                reply = exec.getValue().get(replyTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw refusedTransaction(node, perNode.get(node), queued.get(node), e.getCause());
            } catch (TimeoutException e) {
                throw new TargetWriteException("the cluster target's node " + node + " did not answer EXEC within "
                        + replyTimeoutMillis + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TargetWriteException("interrupted while applying to the target");
            }
            if (reply == null) { // WATCH saw this node's checkpoint change: someone else wrote it
                moved = true;
                continue;
            }
            if (reply instanceof List<?> results) {
                for (int i = 0; i < results.size(); i++) {
                    if (results.get(i) instanceof Throwable t) {
                        throw new TargetWriteException("the cluster target's node " + node + " refused "
                                + name(perNode.get(node).get(i)) + ": " + t.getMessage());
                    }
                }
            }
            if (next != null) {
                expected.put(node, next);
            } else {
                expected.remove(node);
            }
        }
        if (moved) {
            throw moved();
        }
    }

    /**
     * EXECABORT: a command was refused when queued. A MOVED or ASK there means a slot left the node
     * the stream routed it to: said so, with the slot; anything else, the command and the reason.
     */
    private TargetWriteException refusedTransaction(String node, List<byte[][]> commands,
            List<CompletableFuture<Object>> replies, Throwable execFailure) {
        for (int i = 0; i < replies.size(); i++) {
            CompletableFuture<Object> reply = replies.get(i);
            if (reply.isCompletedExceptionally()) {
                Throwable why;
                try {
                    reply.join();
                    continue;
                } catch (RuntimeException e) {
                    why = e.getCause() != null ? e.getCause() : e;
                }
                String message = String.valueOf(why.getMessage());
                if (why instanceof org.redisson.client.RedisRedirectException redirect) {
                    return new TargetWriteException("slot " + redirect.getSlot() + " of the cluster target moved from "
                            + node + " to " + redirect.getUrl().getHost() + ":" + redirect.getUrl().getPort()
                            + " while the stream applied " + name(commands.get(i)) + ": a cluster target's slots must stay"
                            + " where they are while a migration streams (resharding mid-stream is not supported)");
                }
                return new TargetWriteException("the cluster target's node " + node + " refused " + name(commands.get(i))
                        + ": " + message);
            }
        }
        return new TargetWriteException("the cluster target's node " + node + " refused a transaction: "
                + execFailure.getMessage());
    }

    /** WATCH and GET every master's checkpoint (one round trip to all of them). */
    private Map<String, StreamCheckpoint> watchAndRead() {
        Map<String, CompletableFuture<Object>> gets = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> key : keys.entrySet()) {
            RedisLink link = link(key.getKey());
            link.queue(new byte[][] {WATCH, key.getValue()});
            gets.put(key.getKey(), link.queue(new byte[][] {GET, key.getValue()}));
        }
        return collect(gets);
    }

    /** Every master's checkpoint, without watching. */
    private Map<String, StreamCheckpoint> read() {
        Map<String, CompletableFuture<Object>> gets = new LinkedHashMap<>();
        keys.forEach((node, key) -> gets.put(node, link(node).queue(new byte[][] {GET, key})));
        return collect(gets);
    }

    private Map<String, StreamCheckpoint> collect(Map<String, CompletableFuture<Object>> gets) {
        gets.keySet().forEach(node -> link(node).sendQueued());
        Map<String, StreamCheckpoint> found = new HashMap<>();
        gets.forEach((node, reply) -> found.put(node, StreamCheckpoint.decode(await(reply, node, "GET"))));
        return found;
    }

    /** Each master must still hold what this attempt wrote there. */
    private void check(Map<String, StreamCheckpoint> found) {
        for (String node : keys.keySet()) {
            if (!Objects.equals(found.get(node), expected.get(node))) {
                unwatch();
                throw moved();
            }
        }
    }

    /**
     * Someone else wrote a checkpoint: a newer attempt's (this one ends), none (removed by the
     * instance that took over: ends too), else the lowest over the masters, from where to continue.
     */
    private CheckpointMovedException moved() {
        Map<String, StreamCheckpoint> now = read();
        StreamCheckpoint newer = now.values().stream().filter(c -> c != null && c.attempt() > attempt).findFirst().orElse(null);
        if (newer != null || now.containsValue(null) || now.size() < keys.size()) {
            return new CheckpointMovedException(newer);
        }
        return new CheckpointMovedException(now.values().stream()
                .min(Comparator.comparingLong(c -> c.offset().offset())).orElse(null));
    }

    private void unwatch() {
        List<CompletableFuture<Object>> replies = new ArrayList<>();
        keys.keySet().forEach(node -> replies.add(link(node).send(new byte[][] {UNWATCH})));
        replies.forEach(r -> {
            try {
                r.get(replyTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                // a broken link has no WATCH left to clear
            }
        });
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
