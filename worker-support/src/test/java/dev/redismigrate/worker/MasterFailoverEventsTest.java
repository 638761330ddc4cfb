package dev.redismigrate.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A read-from-replica snapshot's events: a failure while the replica answers stays a failure; once the replica
 * is gone, the failure becomes a lost offset naming the shard's master, which api-service reads next.
 */
class MasterFailoverEventsTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void aLostReplicaHasTheShardCopiedAgainFromItsMaster() {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(2), Duration.ofSeconds(5), 1)) {
            RedisServer replica = cluster.nodes().get(3); // shard 0's (slots from 0)
            List<MigrationEvent> out = new CopyOnWriteArrayList<>();
            Consumer<MigrationEvent> events = MasterFailoverEvents.of(0, connector,
                    new RedisEndpoint("127.0.0.1", replica.port(), null, null, false), "0-5460", Duration.ofSeconds(5), out::add);
            UUID id = UUID.randomUUID();

            events.accept(failed(id, "the RDB transfer broke"));
            assertEquals(EventType.FAILED, out.get(0).type(), "the replica answers: another failure, as it is");

            replica.kill();
            events.accept(failed(id, "lost the source"));
            MigrationEvent lost = out.get(1);
            assertEquals(EventType.OFFSET_LOST, lost.type());
            assertEquals("127.0.0.1:" + cluster.master(0).port(), lost.snapshotNode(), "the shard's master, read next");
            assertEquals(null, lost.node(), "the master did not move");
            assertTrue(lost.message().contains("the replica 127.0.0.1:" + replica.port() + " the snapshot read failed (lost the source)"),
                    lost.message());

            // a progress event passes as it is
            events.accept(MigrationEvent.of(id, 1, EventType.SNAPSHOT_PROGRESS, "w"));
            assertEquals(EventType.SNAPSHOT_PROGRESS, out.get(2).type());
        }
    }

    /**
     * The scan method's capture of a shard handed over while its master died and its replica took over: the named
     * master does not answer, so the cluster's nodes as known are asked, and the capture's failure becomes a lost
     * offset naming the promoted replica (api-service captures and scans that shard again from it). Without the
     * nodes, the failure stays one (the migration's error, as before 12-07).
     */
    @Test
    void aCaptureWhoseMasterDiedDuringAHandOverNamesThePromotedReplica() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(2), Duration.ofSeconds(5), 1)) {
            RedisServer master = cluster.master(0);
            RedisServer replica = cluster.nodes().get(3); // shard 0's (slots from 0)
            RedisEndpoint named = new RedisEndpoint("127.0.0.1", master.port(), null, null, false);
            List<RedisEndpoint> known = List.of(named, new RedisEndpoint("127.0.0.1", cluster.master(1).port(), null, null, false),
                    new RedisEndpoint("127.0.0.1", cluster.master(2).port(), null, null, false));
            master.kill();
            replica.cli("CLUSTER", "FAILOVER", "TAKEOVER");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!cluster.master(1).cli("CLUSTER", "SHARDS").contains(String.valueOf(replica.port()))
                    || !replica.cli("ROLE").startsWith("master")) {
                assertTrue(System.nanoTime() < deadline, "the replica promoted");
                Thread.sleep(200);
            }
            UUID id = UUID.randomUUID();

            List<MigrationEvent> without = new CopyOnWriteArrayList<>();
            MasterFailoverEvents.ofMaster(0, connector, named, "0-5460", Duration.ofSeconds(5), without::add, List.of())
                    .accept(failed(id, "cannot connect to the source"));
            assertEquals(EventType.FAILED, without.get(0).type(), "no node to ask: the failure as it is");

            List<MigrationEvent> out = new CopyOnWriteArrayList<>();
            MasterFailoverEvents.ofMaster(0, connector, named, "0-5460", Duration.ofSeconds(10), out::add, known)
                    .accept(failed(id, "cannot connect to the source"));
            MigrationEvent lost = out.get(0);
            assertEquals(EventType.OFFSET_LOST, lost.type(), () -> "events: " + out);
            assertEquals("127.0.0.1:" + replica.port(), lost.node(), "the promoted replica");
        }
    }

    private static MigrationEvent failed(UUID id, String why) {
        return MigrationEvent.of(id, 1, EventType.FAILED, "w").withMessage(why);
    }
}
