package dev.redismigrate.worker;

import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.threads.MigrationThreads;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * A cluster source's shard task that watches its source node's slots while it runs. A slot migration
 * (resharding) moves keys from one shard to another by MIGRATE: the old shard's stream carries a
 * delete, the new shard's a restore, and the two streams are applied in no common order, so the
 * target could lose the key or keep one deleted since (field lesson 13). Until that is handled, a
 * slot that moves ends the migration in {@code error} naming it: every {@link #EVERY} the task's node
 * is asked {@code CLUSTER NODES}; a slot MIGRATING or IMPORTING there, or one served or given up since
 * the migration began (the request's slots), reports FAILED (api-service stops every shard) and stops
 * the task. A node that does not answer is left to the task itself (it reconnects or reports). The
 * watch may see a move up to {@link #EVERY} late: a shard's stream that meets a key handed over by
 * MIGRATE in the meantime ends the migration itself ({@link SlotMoves#keyImported}).
 */
public final class SlotWatchedTask extends WrappedTask {
    private static final Logger LOG = Logger.getLogger(SlotWatchedTask.class);
    static final Duration EVERY = Duration.ofSeconds(2);

    private final int shard;
    private final BitSet slots;
    private final RedisConnector connector;
    private final RedisEndpoint node;
    private final Consumer<MigrationEvent> events;
    private RedisLink link;
    private volatile boolean reported;

    private SlotWatchedTask(MigrationTask task, int shard, BitSet slots, RedisConnector connector, RedisEndpoint node,
            Consumer<MigrationEvent> events) {
        super(task);
        this.shard = shard;
        this.slots = slots;
        this.connector = connector;
        this.node = node;
        this.events = events;
    }

    /**
     * {@code task} watched on {@code node} against the shard's {@code slots} ("0-5460"), or the task
     * itself for a standalone source (shard or slots null).
     */
    public static MigrationTask of(Integer shard, String slots, MigrationTask task, RedisConnector connector,
            RedisEndpoint node, Consumer<MigrationEvent> events) {
        return shard == null || slots == null ? task
                : new SlotWatchedTask(task, shard, SlotRange.parse(slots), connector, node, events);
    }

    @Override
    public void run() {
        ScheduledExecutorService timer = MigrationThreads.timer("slot-watch");
        timer.scheduleWithFixedDelay(this::check, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        try {
            task.run();
        } finally {
            timer.shutdownNow();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeLink();
        }
    }

    private void check() {
        if (reported) {
            return;
        }
        String moves;
        try {
            if (link == null) {
                link = connector.open(node, "redis-migrate-slot-watch");
            }
            moves = SlotMoves.read(link, slots);
        } catch (RuntimeException e) {
            LOG.debugf("migration %s: shard %d's slots not read from %s: %s", task.migrationId(), shard, node.address(),
                    e.getMessage());
            closeLink();
            return;
        }
        if (moves == null) {
            return;
        }
        reported = true;
        String reason = SlotMoves.reason(node, shard, slots, moves);
        LOG.errorf("migration %s: %s", task.migrationId(), reason);
        events.accept(MigrationEvent.of(task.migrationId(), task.attempt(), EventType.FAILED, WorkerIdentity.name())
                .withMessage(reason));
        task.stop();
    }

    private void closeLink() {
        if (link != null) {
            try {
                link.close();
            } catch (RuntimeException ignored) {
                // closing a broken connection
            }
            link = null;
        }
    }
}
