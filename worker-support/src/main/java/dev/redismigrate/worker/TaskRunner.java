package dev.redismigrate.worker;

import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.common.contract.StopRequest;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.jboss.logging.Logger;

/**
 * Runs migration tasks, one thread each, and finds them again by migration id to stop them.
 * A request for a migration that already runs here is ignored, unless it is a newer attempt; so is
 * one for an attempt that already ran to its end here: Kafka delivers a request again when the
 * broker restarted or the group rebalanced before its offset was committed (a fast copy can be done
 * by then), and running it again would copy again under a stream that already runs.
 */
@ApplicationScoped
public class TaskRunner {
    private static final Logger LOG = Logger.getLogger(TaskRunner.class);

    /** A task is one part (or one source shard) of one migration. */
    private record TaskKey(UUID migrationId, int part, Integer shard) {
    }

    private static final int ENDED_KEPT = 10_000;

    private final Map<TaskKey, MigrationTask> running = new ConcurrentHashMap<>();
    /** the latest attempt of each task that ended here, the most recent {@value #ENDED_KEPT} (guarded by itself) */
    private final Map<TaskKey, Integer> ended = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TaskKey, Integer> eldest) {
            return size() > ENDED_KEPT;
        }
    };
    private final ExecutorService threads = MigrationThreads.pool("migration-task");

    public boolean start(MigrationTask task) {
        TaskKey key = new TaskKey(task.migrationId(), task.part(), task.shard());
        synchronized (ended) {
            Integer endedAttempt = ended.get(key);
            if (endedAttempt != null && endedAttempt >= task.attempt()) {
                LOG.warnf("migration %s: attempt %d already ran here (a request delivered again); ignored", task.migrationId(),
                        task.attempt());
                return false;
            }
        }
        MigrationTask earlier = running.putIfAbsent(key, task);
        if (earlier != null && earlier.attempt() >= task.attempt()) {
            LOG.warnf("migration %s already runs here; request for attempt %d ignored", task.migrationId(), task.attempt());
            return false;
        }
        if (earlier != null) { // an older attempt still runs here: the newer one replaces it
            earlier.supersede();
            running.put(key, task);
        }
        MigrationThreads.execute(threads, task.migrationId(), () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.errorf("migration %s: task ended with %s", task.migrationId(), e.toString());
            } finally {
                synchronized (ended) {
                    ended.merge(key, task.attempt(), Math::max);
                }
                running.remove(key, task);
            }
        });
        return true;
    }

    /** @return whether a task that the request concerns ran here (and was asked to stop) */
    public boolean stop(StopRequest request) {
        boolean stopped = false;
        for (MigrationTask task : running.values()) {
            if (task.migrationId().equals(request.migrationId()) && request.stops(task.attempt(), task.shard())) {
                if (request.belowAttempt() != null) {
                    task.supersede(); // handed over: the newer attempt goes on with what this one shares
                } else {
                    task.stop();
                }
                stopped = true;
            }
        }
        return stopped;
    }

    public Collection<MigrationTask> running() {
        return List.copyOf(running.values());
    }

    void onShutdown(@Observes ShutdownEvent event) {
        running.values().forEach(MigrationTask::stop);
        MigrationThreads.shutdown(threads);
    }
}
