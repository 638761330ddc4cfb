package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code read-from-replica}: a 3-shard cluster source with a replica per shard, written to all along.
 * Each shard's snapshot reads its replica (GET names it as {@code snapshot_node}; the replica forks, the
 * master does not), and the stream follows the master from the replica's RDB offset (a partial resync:
 * the master's full-sync count does not move). The target ends equal to the masters' combined digest.
 */
class ReadFromReplicaTest {
    @RegisterExtension
    // a copy whose source link broke retries its node this long before it fails (then the shard is copied from its master)
    static final ServiceRun RUN = ServiceRun.of(MigrationService.with().api("redis-migrate.migration.read-from-replica", "true")
            .snapshotWorker("redis-migrate.snapshot.source-retry-for", "10s"));

    @Test
    void eachShardIsCopiedFromItsReplicaAndStreamedFromItsMaster() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1, node -> new String[] {
                "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(cluster)) {
            data.seed(30, 2000);
            List<Long> masterForks = new ArrayList<>();
            List<Long> masterFullSyncs = new ArrayList<>();
            List<Long> replicaForks = new ArrayList<>();
            for (int shard = 0; shard < 3; shard++) {
                masterForks.add(stat(cluster.master(shard), "total_forks"));
                masterFullSyncs.add(stat(cluster.master(shard), "sync_full"));
                replicaForks.add(stat(replicaOf(cluster, shard), "total_forks"));
            }
            // a replica is "online" in CLUSTER SHARDS once its master has heard its offset (cluster bus):
            // until then the preflight passes it over and the shard's snapshot reads the master
            Await.until(Duration.ofSeconds(60), () -> onlineNodes(cluster) == 6, () -> "every node online: " + onlineNodes(cluster));
            data.startWriting();
            MigrationService.Ids ids = RUN.service().migrate(cluster.master(0), target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            JsonPath syncing = RUN.service().onlineMigration(ids.database());
            for (int shard = 0; shard < 3; shard++) {
                String at = "shards[" + shard + "].";
                assertEquals("127.0.0.1:" + replicaOf(cluster, shard).port(), syncing.getString(at + "snapshot_node"), syncing.prettify());
                assertEquals("127.0.0.1:" + cluster.master(shard).port(), syncing.getString(at + "node"), syncing.prettify());
            }
            long roundsAtSync = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > roundsAtSync + 200, () -> "writes during the stream");
            data.stopWriting();
            Await.until(Duration.ofSeconds(60), () -> data.digest().equals(target.digest()),
                    () -> "digests equal: the masters' combined " + data.digest() + ", target " + target.digest());
            assertNotEquals("0000000000000000000000000000000000000000", target.digest());
            assertEquals(data.keys(), Long.parseLong(target.cli("DBSIZE").trim()));

            for (int shard = 0; shard < 3; shard++) {
                RedisServer master = cluster.master(shard);
                assertEquals(masterForks.get(shard), stat(master, "total_forks"), "shard " + shard + ": the master did not fork");
                assertEquals(masterFullSyncs.get(shard), stat(master, "sync_full"), "shard " + shard + ": the stream resynced partially");
                assertTrue(stat(replicaOf(cluster, shard), "total_forks") > replicaForks.get(shard),
                        "shard " + shard + ": the replica forked for the snapshot");
            }
            String history = RUN.service().history(ids.migration());
            assertFalse(history.contains("OFFSET_LOST") || history.contains("REASSIGNED"), "no shard lost its offset: " + history);
        }
    }

    /**
     * The replica shard 0's snapshot reads is killed mid-copy: the shard alone is copied again from its master
     * (a lost offset naming the master; before 12-07 the migration ended in {@code error}), then `syncing` and
     * the target equal to the masters.
     */
    @Test
    void aReplicaKilledMidSnapshotHasItsShardCopiedAgainFromItsMaster() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1, node -> new String[] {
                "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(cluster)) {
            data.seed(30, 2000);
            Await.until(Duration.ofSeconds(60), () -> onlineNodes(cluster) == 6, () -> "every node online: " + onlineNodes(cluster));
            RedisServer replica = replicaOf(cluster, 0);
            // shard 0's RDB takes seconds (10 ms per key): the kill lands while it is being copied
            assertEquals("OK", replica.cli("CONFIG", "SET", "rdb-key-save-delay", "10000").trim());
            data.startWriting();
            MigrationService.Ids ids = RUN.service().migrate(cluster.master(0), target);
            Await.until(Duration.ofSeconds(60), () -> RUN.service().history(ids.migration()).contains("snapshot started from replica 127.0.0.1:"
                    + replica.port()), () -> "shard 0's snapshot started: " + RUN.service().history(ids.migration()));
            Thread.sleep(500);
            replica.kill();

            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            String history = RUN.service().history(ids.migration());
            assertTrue(history.contains("the replica 127.0.0.1:" + replica.port() + " the snapshot read failed")
                    && history.contains("a new full snapshot of this shard only, from its master"), history);
            JsonPath syncing = RUN.service().onlineMigration(ids.database());
            assertEquals("127.0.0.1:" + cluster.master(0).port(), syncing.getString("shards[0].snapshot_node"), syncing.prettify());
            long roundsAtSync = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > roundsAtSync + 200, () -> "writes during the stream");
            data.stopWriting();
            Await.until(Duration.ofSeconds(60), () -> data.digest().equals(target.digest()),
                    () -> "digests equal: the masters' combined " + data.digest() + ", target " + target.digest());
            assertEquals(data.keys(), Long.parseLong(target.cli("DBSIZE").trim()));
        }
    }

    /** The one replica of {@code shard}, as {@link RedisCluster} assembles them (masters first). */
    private static RedisServer replicaOf(RedisCluster cluster, int shard) {
        return cluster.nodes().get(cluster.masters() + shard);
    }

    /** Nodes CLUSTER SHARDS calls online (redis-cli prints each node's health on a line of its own). */
    private static long onlineNodes(RedisCluster cluster) {
        return cluster.master(0).cli("CLUSTER", "SHARDS").lines().filter(line -> line.trim().equals("online")).count();
    }

    private static long stat(RedisServer server, String field) {
        for (String line : server.cli("INFO", "stats").split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new AssertionError(field + " not in INFO stats of " + server.port());
    }
}
