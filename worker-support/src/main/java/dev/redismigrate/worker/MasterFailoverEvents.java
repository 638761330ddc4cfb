package dev.redismigrate.worker;

import dev.redismigrate.common.cluster.ShardMaster;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The events of a cluster source shard's copy (or, by scan, its capture of changed keys), checked for
 * a failover of the shard's master. A copy whose master died cannot go on (another node needs a full
 * sync of its own; a capture missed the notifications meanwhile), but that need not end the migration: when the task reports FAILED and its node does not answer, the cluster is asked,
 * for up to {@code wait} (the cluster's node timeout plus the election), which node masters the
 * shard's slots now. A promoted replica turns the FAILED into OFFSET_LOST naming it, and api-service
 * copies that one shard again from there (its slots emptied on the target first; by scan its capture
 * first), the other shards untouched. A node that still answers as the shard's master failed for another reason: the FAILED
 * goes on as it is.
 */
public final class MasterFailoverEvents implements Consumer<MigrationEvent> {
    private static final Logger LOG = Logger.getLogger(MasterFailoverEvents.class);
    private static final long POLL_MILLIS = 500;

    private final Consumer<MigrationEvent> events;
    private final RedisConnector connector;
    /** the node the task reads: the shard's master, or a replica of it (a read-from-replica snapshot) */
    private final RedisEndpoint master;
    private final ShardMaster finder;
    private final Duration wait;
    /** the task reads a replica: its loss has the shard copied again from its master, which did not move */
    private final boolean replica;

    private MasterFailoverEvents(Consumer<MigrationEvent> events, RedisConnector connector, RedisEndpoint master,
            ShardMaster finder, Duration wait, boolean replica) {
        this.events = events;
        this.connector = connector;
        this.master = master;
        this.finder = finder;
        this.wait = wait;
        this.replica = replica;
    }

    /**
     * {@code events} checked for a failover of {@code node}, the shard's master, or for the loss of {@code node},
     * a replica of the shard that a snapshot reads ({@code slots}: the shard's); {@code events} as they are for a
     * standalone source (shard null), a zero wait, a replica of unknown slots, or a node that does not answer now
     * (the task meets that itself).
     */
    public static Consumer<MigrationEvent> of(Integer shard, RedisConnector connector, RedisEndpoint node, String slots,
            Duration wait, Consumer<MigrationEvent> events) {
        if (shard == null || wait.isZero() || wait.isNegative()) {
            return events;
        }
        try (RedisLink link = connector.open(node, "redis-migrate-topology")) {
            ShardMaster finder = ShardMaster.of(connector, link, node);
            if (finder != null) {
                return new MasterFailoverEvents(events, connector, node, finder, wait, false);
            }
            int slot = slots == null ? -1 : SlotRange.parse(slots).nextSetBit(0);
            ShardMaster ofReplica = slot < 0 ? null : ShardMaster.ofSlot(connector, link, node, slot);
            return ofReplica == null ? events : new MasterFailoverEvents(events, connector, node, ofReplica, wait, true);
        } catch (RuntimeException e) {
            LOG.debugf("shard %d: its node %s not asked for the cluster's nodes: %s", shard, node.address(), e.getMessage());
            return events;
        }
    }

    /**
     * {@code events} of a task that reads {@code master}, the master of the shard of {@code slots}, checked for
     * its failover. When it does not answer now (it died while the task was handed from one worker to another),
     * the cluster's nodes as known ({@code alsoKnown}: the request's {@code cluster_nodes}) are asked for the
     * shard, and when it no longer masters a slot (demoted), the shard is found by its slots: the task's failure
     * then becomes a lost offset naming the promoted replica. Before 12-07 the scan method's capture handed over
     * during its master's failover ended the migration in {@code error}.
     */
    public static Consumer<MigrationEvent> ofMaster(Integer shard, RedisConnector connector, RedisEndpoint master, String slots,
            Duration wait, Consumer<MigrationEvent> events, List<RedisEndpoint> alsoKnown) {
        if (shard == null || wait.isZero() || wait.isNegative()) {
            return events;
        }
        int slot = slots == null ? -1 : SlotRange.parse(slots).nextSetBit(0);
        List<RedisEndpoint> ask = new java.util.ArrayList<>(List.of(master));
        alsoKnown.stream().filter(n -> !n.address().equals(master.address())).forEach(ask::add);
        for (RedisEndpoint node : ask) {
            try (RedisLink link = connector.open(node, "redis-migrate-topology")) {
                ShardMaster finder = node == master ? ShardMaster.of(connector, link, master) : null;
                if (finder == null && slot >= 0) {
                    finder = ShardMaster.ofSlot(connector, link, node, slot);
                }
                if (finder != null) {
                    return new MasterFailoverEvents(events, connector, master, finder, wait, false);
                }
            } catch (RuntimeException e) {
                LOG.debugf("shard %d: %s not asked for the cluster's nodes: %s", shard, node.address(), e.getMessage());
            }
        }
        return events;
    }

    @Override
    public void accept(MigrationEvent event) {
        // a lost offset that names no node: the task knows its data is gone, not where the shard went
        boolean lost = event.type() == EventType.FAILED || event.type() == EventType.OFFSET_LOST && event.node() == null;
        if (!lost) {
            events.accept(event);
            return;
        }
        if (replica) {
            replicaLost(event);
            return;
        }
        RedisEndpoint promoted;
        try {
            promoted = awaitPromoted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            promoted = null;
        }
        if (promoted == null) {
            events.accept(event);
            return;
        }
        LOG.warnf("migration %s: the shard's master %s failed; %s masters its slots now", event.migrationId(),
                master.address(), promoted.address());
        events.accept(MigrationEvent.of(event.migrationId(), event.attempt(), EventType.OFFSET_LOST, event.worker())
                .withNode(promoted.address())
                .withMessage("its master " + master.address() + " failed (" + event.message() + "); "
                        + promoted.address() + " masters the shard's slots now"));
    }

    /**
     * The replica a snapshot read failed and does not answer: the shard is copied again from its master (as the
     * cluster names it now), an OFFSET_LOST naming that master (api-service then reads the master for this shard).
     * A replica that still answers failed for another reason, and a master not found: the FAILED goes on as it is.
     */
    private void replicaLost(MigrationEvent event) {
        RedisEndpoint shardMaster = null;
        if (!answers(master)) {
            try {
                shardMaster = awaitAnsweringMaster();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (shardMaster == null) {
            events.accept(event);
            return;
        }
        LOG.warnf("migration %s: the replica %s the shard's snapshot read failed; its master %s is read instead",
                event.migrationId(), master.address(), shardMaster.address());
        events.accept(MigrationEvent.of(event.migrationId(), event.attempt(), EventType.OFFSET_LOST, event.worker())
                .withSnapshotNode(shardMaster.address())
                .withMessage("the replica " + master.address() + " the snapshot read failed (" + event.message() + "); the shard"
                        + " is copied again from its master " + shardMaster.address()));
    }

    /** @return the node that masters the shard's slots instead of ours, or null when ours still answers or the wait is over */
    private RedisEndpoint awaitPromoted() throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            RedisEndpoint now = finder.find(master);
            if (now != null && !now.address().equals(master.address())) {
                return now;
            }
            if (answers(master) || System.nanoTime() >= deadline) {
                return null;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * The shard's master as the cluster names it, once it answers (the master may have died with the replica: its
     * replica promoted then), or null when the wait is over.
     */
    private RedisEndpoint awaitAnsweringMaster() throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            RedisEndpoint now = finder.find(master);
            if (now != null && !now.address().equals(master.address()) && answers(now)) {
                return now;
            }
            if (System.nanoTime() >= deadline) {
                return null;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private boolean answers(RedisEndpoint node) {
        try (RedisLink link = connector.open(node, "redis-migrate-topology")) {
            link.call("PING");
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
