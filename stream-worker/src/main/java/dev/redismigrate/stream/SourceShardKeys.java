package dev.redismigrate.stream;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Whether a cluster source's shard still holds keys in the slots a target part serves: the question an idle
 * watch asks before it takes an emptied part for a lost target ({@link IdleTargetWatch#lost(java.util.Map,
 * java.util.function.Function)}). A cluster source's shards stream into parts the other shards write too, and
 * another shard's flush or deletes empty a part lawfully; the target's loss of this shard's keys shows as keys
 * its master holds there and the part does not. Asked only when a part emptied (a connection each time).
 */
public final class SourceShardKeys {
    private static final Logger LOG = Logger.getLogger(SourceShardKeys.class);
    /** the question waits at most this (a live master answers in milliseconds) */
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final byte[] CLUSTER = "CLUSTER".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COUNTKEYSINSLOT = "COUNTKEYSINSLOT".getBytes(StandardCharsets.US_ASCII);

    private SourceShardKeys() {
    }

    /**
     * @param shardMaster the shard's master now
     * @param shardSlots the shard's slots (null: a standalone source or a cluster of one master, which every
     *        part owes its keys: true)
     * @param part a part of the target ({@link IdleTargetWatch#part})
     * @return whether the part should hold keys of the shard (true also when the master does not answer: judged)
     */
    public static boolean holdKeysFor(RedisConnector connector, RedisEndpoint shardMaster, BitSet shardSlots, String part) {
        if (shardSlots == null) {
            return true;
        }
        BitSet served = IdleTargetWatch.slotsOf(part);
        BitSet both = (BitSet) shardSlots.clone();
        if (served != null) {
            both.and(served);
        }
        if (both.isEmpty()) {
            return false;
        }
        try (RedisLink master = connector.open(shardMaster, "redis-migrate-idle-watch")) {
            if (both.equals(shardSlots)) {
                return !(master.call(WAIT, "DBSIZE") instanceof Long keys && keys == 0);
            }
            List<CompletableFuture<Object>> counts = new ArrayList<>();
            for (int slot = both.nextSetBit(0); slot >= 0; slot = both.nextSetBit(slot + 1)) {
                counts.add(master.queue(new byte[][] {CLUSTER, COUNTKEYSINSLOT, Integer.toString(slot).getBytes(StandardCharsets.US_ASCII)}));
            }
            master.sendQueued();
            long deadline = System.nanoTime() + WAIT.toNanos();
            for (CompletableFuture<Object> count : counts) {
                if (!(count.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) instanceof Long keys && keys == 0)) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warnf("could not ask the source's shard master %s whether it holds keys for the target's %s (%s): judged lost",
                    shardMaster.address(), part, e.getMessage());
            return true;
        }
    }
}
