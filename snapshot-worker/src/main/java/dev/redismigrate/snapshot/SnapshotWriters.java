package dev.redismigrate.snapshot;

import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.pipeline.ClusterEntryWriter;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntrySink;
import dev.redismigrate.common.pipeline.ShardedEntryWriter;
import dev.redismigrate.common.pipeline.SocketEntryWriter;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.threads.MigrationThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The writers of a snapshot copy (either method) into its target: {@code redis-migrate.snapshot.writers}
 * connections, each with a thread of its own, so that reading the source and writing the target overlap.
 * A copy opens them again after the target's connections broke; what it learnt of a cluster target's
 * nodes is kept, so that a reopening whose seed is down reaches the cluster through the others.
 */
public final class SnapshotWriters {
    /** A write the target has not answered within this breaks the connection (a hung target). */
    private static final long REPLY_TIMEOUT_MILLIS = 60_000;

    private final RedisConnector connector;
    private final SnapshotRequest request;
    private final SnapshotConfig config;
    private final String name;
    /** a cluster target's nodes as the writers last read them (empty before the first opening) */
    private volatile List<String> knownNodes = List.of();
    /** a standalone target's connections of the last opening */
    private volatile List<SocketEntryWriter> links = List.of();

    /** @param name names the connections ({@code redis-migrate-<name>}) and the threads ({@code <name>-writer}) */
    public SnapshotWriters(RedisConnector connector, SnapshotRequest request, SnapshotConfig config, String name) {
        this.connector = connector;
        this.request = request;
        this.config = config;
        this.name = name;
    }

    /**
     * @param cluster whether the target is a cluster ({@link TargetSinks#isCluster})
     * @param abandoned true once the copy gave up (a stop): a blocked write returns
     * @param beforeWrite work on an entry done on its writer's thread
     */
    public ShardedEntryWriter open(boolean cluster, BooleanSupplier abandoned, Consumer<Entry> beforeWrite) {
        List<EntrySink> sinks = new ArrayList<>();
        List<SocketEntryWriter> direct = new ArrayList<>();
        try {
            for (int i = 0; i < config.writers(); i++) { // on a cluster, each writer routes its keys to every master
                EntrySink sink = TargetSinks.open(connector, request.target(), cluster, "redis-migrate-" + name,
                        config.pipelineCommands(), config.pipelineBytes().asLongValue(), REPLY_TIMEOUT_MILLIS, knownNodes);
                sinks.add(sink);
                if (sink instanceof ClusterEntryWriter clusterWriter) {
                    knownNodes = clusterWriter.knownNodes();
                } else if (sink instanceof SocketEntryWriter socket) {
                    direct.add(socket);
                }
            }
        } catch (RuntimeException e) {
            sinks.forEach(EntrySink::close);
            throw e;
        }
        links = List.copyOf(direct);
        return new ShardedEntryWriter(sinks, config.queuedBytes().asLongValue(), MigrationThreads.factory(name + "-writer"),
                abandoned, beforeWrite);
    }

    /** A cluster target's nodes as the writers last read them: empty before the first opening. */
    public List<String> knownNodes() {
        return knownNodes;
    }

    /** Whether every connection of a standalone target's last opening still stands (a broken one: the target was lost). */
    public boolean connected() {
        return links.stream().allMatch(SocketEntryWriter::isOpen);
    }
}
