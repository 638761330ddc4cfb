package dev.redismigrate.common.threads;

import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.MDC;

/**
 * The services' threads, made in one place so that each log line names the migration it concerns
 * (the MDC key {@value #MDC_KEY}, printed by the log format): a pool's task gets its migration from
 * {@link #execute}, a helper thread (timers, writers) that of the thread that asked for it. All are
 * daemon threads, so that none holds the process open after shutdown.
 */
public final class MigrationThreads {
    public static final String MDC_KEY = "migration";

    private MigrationThreads() {
    }

    /** Threads made as needed and reused, for tasks of different migrations: start them with {@link #execute}. */
    public static ExecutorService pool(String name) {
        return Executors.newCachedThreadPool(factory(name, null));
    }

    /** Runs {@code task} on {@code pool} with {@code migrationId} in the MDC. */
    public static void execute(ExecutorService pool, UUID migrationId, Runnable task) {
        pool.execute(() -> {
            MDC.put(MDC_KEY, migrationId.toString());
            try {
                task.run();
            } finally {
                MDC.remove(MDC_KEY);
            }
        });
    }

    /** Lets the pool's tasks end for a few seconds (they were asked to stop), then goes on with shutting down. */
    public static void shutdown(ExecutorService pool) {
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One thread for periodic work (progress reports, batch deadlines) of the calling thread's migration. */
    public static ScheduledExecutorService timer(String name) {
        return Executors.newSingleThreadScheduledExecutor(factory(name));
    }

    /**
     * Daemon threads named {@code name-0}, {@code name-1}, ... that log with the migration of the
     * thread calling this (none when it has none).
     */
    public static ThreadFactory factory(String name) {
        return factory(name, MDC.get(MDC_KEY));
    }

    private static ThreadFactory factory(String name, Object migration) {
        AtomicInteger count = new AtomicInteger();
        return work -> {
            Thread t = new Thread(() -> {
                if (migration != null) {
                    MDC.put(MDC_KEY, migration.toString());
                }
                work.run();
            }, name + "-" + count.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
