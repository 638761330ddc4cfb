package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.awaitField;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cluster source, named by one node: the PUT discovers every shard (CLUSTER SHARDS) and starts one
 * unit of work per shard (a snapshot request each, keyed by migration and shard); GET shows the shards
 * and is syncing only once every shard syncs; by the scan method a capture per shard first, then
 * each shard's scan. A cluster that cannot be copied whole is refused, naming why: slots not covered,
 * or a node unreachable.
 */
@QuarkusTest
class ClusterSourceApiTest {
    private static RedisCluster cluster;
    private static RedisServer target;

    @BeforeAll
    static void servers() {
        cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
        target = RedisServer.start();
        for (int i = 0; i < 30; i++) {
            cluster.cli("SET", "key:" + i, "v" + i);
        }
    }

    @AfterAll
    static void stop() {
        cluster.close();
        target.close();
    }

    private static String path(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    @Test
    void aWholeClusterPassesThePreflightWithItsShardsAndEveryMastersKeys() {
        String targetId = registerTarget(target);
        JsonPath report = api().body(source(cluster.master(1), null)).post(path(targetId) + "/check").then().statusCode(200)
                .body("ok", equalTo(true)).body("method", equalTo("replication")).extract().jsonPath();
        String message = report.getString("checks.find { it.name == 'cluster' }.message");
        assertTrue(message.startsWith("the source is a cluster of 3 shards (CLUSTER SHARDS): slots 0-5460: master 127.0.0.1:"
                + cluster.master(0).port()), message);
        assertTrue(message.contains("all 16384 slots covered; every node reachable with the credentials given; PSYNC allowed on"
                + " every master; each shard is copied as its own unit of work"), message);
        // the keys of every master, not only the node named
        assertEquals("db0 (30 keys): 30 keys to copy", report.getString("checks.find { it.name == 'dbs' }.message"));
    }

    @Test
    void aPutStartsOneSnapshotPerShardAndSyncsOnceEveryShardDoes() {
        String targetId = registerTarget(target);
        String id = api().body(source(cluster.master(2), null)).put(path(targetId)).then().statusCode(200)
                .extract().path("id");
        try {
            UUID uuid = UUID.fromString(id);
            Map<Integer, SnapshotRequest> snapshots = new HashMap<>();
            for (int shard = 0; shard < 3; shard++) {
                SnapshotRequest request = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.SNAPSHOT_REQUESTS),
                        id + ":" + shard), SnapshotRequest.class);
                snapshots.put(request.shard(), request);
                assertEquals(cluster.master(shard).port(), request.source().port()); // each shard's own master
            }
            assertEquals(3, snapshots.size());
            JsonPath running = api().get(path(targetId)).then().statusCode(200).body("status", equalTo("running"))
                    .extract().jsonPath();
            assertEquals(List.of(0, 1, 2), running.getList("shards.shard"));
            assertEquals("0-5460", running.getString("shards[0].slots"));
            assertEquals("127.0.0.1:" + cluster.master(1).port(), running.getString("shards[1].node"));

            ReplicationOffset offset = new ReplicationOffset("0f3c9e4c43dd6c3b1a8e1f2f6d3e1c9b8a7f6e5d", 1000, 0);
            for (int shard = 0; shard < 3; shard++) {
                Kafka.event(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_COMPLETED, "snap").withCopy(10, 10, 100)
                        .withOffset(offset).withShard(shard));
                StreamRequest stream = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.STREAM_REQUESTS),
                        id + ":" + shard), StreamRequest.class);
                assertEquals(cluster.master(shard).port(), stream.source().port());
                assertEquals(shard, stream.shard());
            }
            for (int shard = 0; shard < 2; shard++) {
                Kafka.event(MigrationEvent.of(uuid, 1, EventType.STREAM_PROGRESS, "stream").withStream(1, 0L).withShard(shard));
            }
            awaitField(id, "shards[1].syncing", true);
            assertEquals("running", api().get(path(targetId)).then().extract().path("status")); // shard 2 does not sync yet
            Kafka.event(MigrationEvent.of(uuid, 1, EventType.STREAM_PROGRESS, "stream").withStream(1, 0L).withShard(2));
            JsonPath syncing = awaitField(id, "status", "syncing");
            assertEquals(List.of(true, true, true), syncing.getList("shards.syncing"));
            assertEquals(true, syncing.getBoolean("lag.ready_for_cutover"));
            assertEquals(30, syncing.getInt("progress.keys_copied"));
            assertEquals(3, syncing.getInt("commands_applied"));
        } finally {
            api().delete(path(targetId) + "/" + id).then().statusCode(204);
        }
    }

    @Test
    void slotsNotCoveredAreNamed() {
        try (RedisCluster two = RedisCluster.start(RedisServer.Family.REDIS, 2, 0)) {
            two.master(0).cli("CLUSTER", "DELSLOTSRANGE", "0", "99");
            String targetId = registerTarget(target);
            // asked of the node that gave them up (the others learn it by gossip, a moment later)
            api().body(source(two.master(0), null)).put(path(targetId)).then().statusCode(422)
                    .body("message", containsString("cluster: the source 127.0.0.1:" + two.master(0).port()
                            + " is a node of a cluster that cannot be copied: slots not covered by any shard: 0-99 (100 of 16384)"));
            api().get(path(targetId)).then().statusCode(404);
        }
    }

    @Test
    void aNodeWhoseOtherMasterIsDownIsRefusedNamingIt() {
        try (RedisCluster two = RedisCluster.start(RedisServer.Family.REDIS, 2, 0)) {
            two.master(1).close();
            String targetId = registerTarget(target);
            String message = api().body(source(two.master(0), null)).post(path(targetId) + "/check").then().statusCode(200)
                    .body("ok", equalTo(false)).extract().path("checks.find { it.name == 'cluster' }.message");
            assertTrue(message.contains("nodes unreachable with the credentials given: 127.0.0.1:" + two.master(1).port()
                    + " (cannot connect to 127.0.0.1:" + two.master(1).port()), message);
            api().body(source(two.master(0), null)).put(path(targetId)).then().statusCode(422)
                    .body("message", containsString("every node must be reachable from this service"));
            api().get(path(targetId)).then().statusCode(404);
        }
    }

    @Test
    void theScanMethodRunsACaptureThenAScanPerShard() {
        String targetId = registerTarget(target);
        Map<String, Object> body = new HashMap<>(source(cluster.master(0), null));
        body.put("method", "scan");
        // master 0 does not serve the slot of the preflight's DUMP probe key: it answers MOVED, DUMP is allowed
        String id = api().body(body).put(path(targetId)).then().log().ifValidationFails().statusCode(200).body("method", equalTo("scan"))
                .extract().path("id");
        try {
            UUID uuid = UUID.fromString(id);
            for (int shard = 0; shard < 3; shard++) {
                // first the capture of the shard's master, keyed by shard so the stream workers share them
                StreamRequest capture = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.STREAM_REQUESTS),
                        id + ":" + shard), StreamRequest.class);
                assertTrue(capture.byScan());
                assertEquals(shard, capture.shard());
                assertEquals(cluster.master(shard).port(), capture.source().port());
                // the shard's scan only once its capture listens
                Kafka.event(MigrationEvent.of(uuid, 1, EventType.CAPTURE_STARTED, "capture").withShard(shard));
                SnapshotRequest scan = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.SNAPSHOT_REQUESTS),
                        id + ":" + shard), SnapshotRequest.class);
                assertTrue(scan.byScan());
                assertEquals(shard, scan.shard());
                assertEquals(1, scan.partCount()); // the shards share the scan out: no parts within one
                assertEquals(cluster.master(shard).port(), scan.source().port());
            }
            for (int shard = 0; shard < 3; shard++) {
                Kafka.event(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_COMPLETED, "scan").withCopy(10, 10, 100).withShard(shard));
                Kafka.event(MigrationEvent.of(uuid, 1, EventType.STREAM_STARTED, "capture").withChanges(0, shard == 1 ? 4 : 0, 2)
                        .withShard(shard));
            }
            JsonPath syncing = awaitField(id, "status", "syncing");
            assertEquals(List.of(true, true, true), syncing.getList("shards.syncing"));
            assertEquals(List.of(0, 4, 0), syncing.getList("shards.lag.keys"));
            assertEquals(4, syncing.getInt("lag.keys")); // the shards' sum
            assertEquals(false, syncing.getBoolean("lag.ready_for_cutover"));
            assertEquals(30, syncing.getInt("progress.keys_copied"));
            Kafka.event(MigrationEvent.of(uuid, 1, EventType.STREAM_PROGRESS, "capture").withChanges(4, 0, 0).withShard(1));
            awaitField(id, "lag.ready_for_cutover", true);
        } finally {
            api().delete(path(targetId) + "/" + id).then().statusCode(204);
        }
    }
}
