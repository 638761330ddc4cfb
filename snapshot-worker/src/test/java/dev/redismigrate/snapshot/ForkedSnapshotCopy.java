package dev.redismigrate.snapshot;

import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A snapshot copy as a program of its own, so that a test can run it in a JVM whose heap is
 * smaller than the data: {@code ForkedSnapshotCopy HOST SOURCE_PORT TARGET_PORT}. Prints the last
 * event's type, keys copied and message; an OutOfMemoryError ends the JVM (-XX:+ExitOnOutOfMemoryError).
 */
public final class ForkedSnapshotCopy {
    public static void main(String[] args) {
        // as in the services: Redisson's trace logging would format every command sent
        Logger.getLogger("org.redisson").setLevel(Level.INFO);
        String host = args[0];
        SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                new RedisEndpoint(host, Integer.parseInt(args[1]), null, null, false),
                new RedisEndpoint(host, Integer.parseInt(args[2]), null, null, false), Set.of());
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        try (RedisConnector connector = new RedisConnector(SnapshotCopierTest.CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 2);
             CheckpointLog checkpoints = new CheckpointLog("127.0.0.1:19092", "snapshot-worker-test." + request.migrationId() + ".checkpoints")) {
            new SnapshotCopier(request, connector, events::add, checkpoints, SnapshotCopierTest.CHANGE_LOG, SnapshotCopierTest.config(8 << 20, 1 << 20)).run();
        }
        MigrationEvent last = events.get(events.size() - 1);
        System.out.println("last event: " + last.type() + " keys " + last.keysCopied()
                + (last.message() == null ? "" : " message " + last.message()));
        System.exit(0);
    }
}
