package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.ShardMaster;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.worker.MigrationTask;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * A cluster source shard's stream that starts at the shard's master as the cluster names it now: the master its
 * request names, unless that node is gone or demoted. A failover while the stream was handed over (its previous
 * worker died) otherwise ended the migration in {@code error}; the promoted replica keeps the old master's history
 * ({@code replid2}), so the stream continues there by offset, as after a failover it follows itself. While the
 * named master does not answer and the cluster names no other yet, the request's {@code cluster_nodes} are asked
 * again each second for up to the source-failover wait, on the task's own thread (the request listener hands
 * requests over one at a time and must not wait for a failover). A stop or a newer attempt that arrives meanwhile
 * reaches the stream once it is built.
 */
final class LocatedShardStream implements MigrationTask {
    private static final long ASK_EVERY_MS = 1_000;

    private final StreamRequest request;
    private final RedisConnector connector;
    private final Duration wait;
    private final Function<StreamRequest, MigrationTask> stream;
    private final Object lock = new Object();
    private MigrationTask task; // guarded by lock
    private boolean stopped; // guarded by lock
    private boolean superseded; // guarded by lock

    /** @param stream builds the shard's stream (with its slot watch) from the request, its source located */
    LocatedShardStream(StreamRequest request, RedisConnector connector, Duration wait, Function<StreamRequest, MigrationTask> stream) {
        this.request = request;
        this.connector = connector;
        this.wait = wait;
        this.stream = stream;
    }

    /** Whether a request is one to locate: a shard's, with its slots and the cluster's nodes (an older api-service sends none). */
    static boolean applies(StreamRequest request) {
        return request.shard() != null && request.slots() != null && request.clusterNodes() != null
                && !request.clusterNodes().isEmpty() && SlotRange.parse(request.slots()).nextSetBit(0) >= 0;
    }

    @Override
    public void run() {
        MigrationTask built = stream.apply(located());
        synchronized (lock) {
            task = built;
            if (superseded) {
                built.supersede();
            } else if (stopped) {
                built.stop();
            }
        }
        built.run();
    }

    /** The request, its source the shard's master now; as it is when none is found within the wait (its stream then fails to open it, as before). */
    private StreamRequest located() {
        int slot = SlotRange.parse(request.slots()).nextSetBit(0);
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            RedisEndpoint master = ShardMaster.current(connector, request.source(), request.clusterNodes(), slot);
            if (master != null) {
                return master.address().equals(request.source().address()) ? request : request.withSource(master);
            }
            if (System.nanoTime() >= deadline || ended()) {
                return request;
            }
            try {
                Thread.sleep(ASK_EVERY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return request;
            }
        }
    }

    private boolean ended() {
        synchronized (lock) {
            return stopped || superseded;
        }
    }

    @Override
    public UUID migrationId() {
        return request.migrationId();
    }

    @Override
    public int attempt() {
        return request.attempt();
    }

    @Override
    public Integer shard() {
        return request.shard();
    }

    @Override
    public void stop() {
        synchronized (lock) {
            stopped = true;
            if (task != null) {
                task.stop();
            }
        }
    }

    @Override
    public void supersede() {
        synchronized (lock) {
            superseded = true;
            if (task != null) {
                task.supersede();
            }
        }
    }

    @Override
    public Map<String, RedisEndpoint> endpoints() {
        synchronized (lock) {
            return task != null ? task.endpoints() : Map.of("source", request.source(), "target", request.target());
        }
    }
}
