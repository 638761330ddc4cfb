package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node of a Redis Cluster holds one shard. A cluster target is registered and accepted when all
 * its slots are served and every node answers; else the check says what it found (shards, slots
 * not covered, nodes unreachable). A standalone source with keys beyond db 0 is refused for a
 * cluster target (db 0 only) unless those dbs are ignored. Cluster sources: {@link ClusterSourceApiTest}.
 */
@QuarkusTest
class ClusterRefusalApiTest {
    private static RedisCluster cluster;
    private static RedisServer standalone;

    @BeforeAll
    static void servers() {
        cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
        standalone = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        cluster.close();
        standalone.close();
    }

    /** What the check adds after the old message, for the healthy 3-shard cluster of these tests. */
    private static final String WHOLE_CLUSTER = " (its cluster: 3 shards (CLUSTER SHARDS): slots 0-5460: master 127.0.0.1:";
    private static final String EVERYTHING_SERVED = "all 16384 slots covered; every node reachable with the credentials given)";

    /** A target as registered before registration refused clusters (or a server switched to cluster mode since). */
    private static String registeredBefore(RedisServer node) {
        TargetDatabase registered = QuarkusTransaction.requiringNew().call(() -> {
            TargetDatabase t = TargetDatabase.of("sharded-" + java.util.UUID.randomUUID(), new RedisEndpoint("127.0.0.1", node.port(), null,
                    null, false), "redis", "7.0.15", Instant.now());
            t.persist();
            return t;
        });
        return registered.id.toString();
    }

    private static RedisServer node() {
        return cluster.nodes().get(0);
    }

    private static String path(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    @Test
    void aWholeClusterIsRegisteredAsATargetAndPassesTheClusterCheck() {
        String targetId = api().body(Map.of("name", "sharded", "connection", Map.of("host", "127.0.0.1", "port", node().port(),
                "ssl", false))).post("/v2/databases").then().statusCode(201).extract().path("database.id");
        api().body(source(standalone, null)).post(path(targetId) + "/check").then().statusCode(200)
                .body("checks.find { it.name == 'cluster' }.ok", equalTo(true))
                .body("checks.find { it.name == 'cluster' }.message", startsWith("the target 127.0.0.1:" + node().port()
                        + " is a node of a Redis Cluster; keys are written by slot into every master" + WHOLE_CLUSTER))
                .body("checks.find { it.name == 'cluster' }.message", containsString(EVERYTHING_SERVED))
                // headroom per master: each takes about its slots' share of the source's data
                .body("checks.find { it.name == 'memory' }.message", containsString("spread by slot over 3 masters: 127.0.0.1:"));
    }

    @Test
    void aClusterWhoseMasterIsDownIsNotRegistered() {
        try (RedisCluster two = RedisCluster.start(RedisServer.Family.REDIS, 2, 0)) {
            two.master(1).close();
            String message = api().body(Map.of("name", "half", "connection", Map.of("host", "127.0.0.1", "port",
                    two.master(0).port(), "ssl", false))).post("/v2/databases").then().statusCode(422).extract().path("message");
            assertTrue(message.startsWith("connection: 127.0.0.1:" + two.master(0).port() + " is a cluster node "
                    + "(cluster_enabled:1) of a cluster that cannot take every key: a cluster target needs all 16384 slots "
                    + "served and every node reachable (its cluster: 2 shards"), message);
            assertTrue(message.contains("nodes unreachable with the credentials given: 127.0.0.1:" + two.master(1).port()), message);
        }
    }

    @Test
    void aClusterTargetWithSlotsNotCoveredNamesThem() {
        try (RedisCluster two = RedisCluster.start(RedisServer.Family.VALKEY, 2, 0)) {
            two.master(0).cli("CLUSTER", "DELSLOTSRANGE", "0", "99");
            two.master(0).cli("CLUSTER", "DELSLOTS", "4000");
            String targetId = registeredBefore(two.master(0));
            String message = api().body(source(standalone, null)).post(path(targetId) + "/check").then()
                    .statusCode(200).body("ok", equalTo(false)).extract().path("checks.find { it.name == 'cluster' }.message");
            assertTrue(message.startsWith("the target 127.0.0.1:" + two.master(0).port() + " is a cluster node "
                    + "(cluster_enabled:1) of a cluster that cannot take every key: a cluster target needs all 16384 slots "
                    + "served and every node reachable (its cluster: "), message);
            assertTrue(message.contains("(its cluster: 2 shards (CLUSTER SHARDS): slots 100-3999,4001-8191: master"), message);
            assertTrue(message.contains("slots not covered by any shard: 0-99,4000 (101 of 16384); every node reachable"),
                    message);
        }
    }

    @Test
    void aClusterTargetTakesDb0OnlyUnlessTheOtherDbsAreIgnored() {
        try (RedisServer source = RedisServer.start()) {
            source.cli("SET", "in-db0", "x");
            source.cli("-n", "3", "SET", "in-db3", "y");
            source.cli("-n", "3", "SET", "in-db3-too", "z");
            String targetId = registeredBefore(node());
            JsonPath report = api().body(source(source, null)).post(path(targetId) + "/check").then().statusCode(200)
                    .body("ok", equalTo(false)).extract().jsonPath();
            assertEquals(false, report.getBoolean("checks.find { it.name == 'dbs' }.ok"));
            assertEquals("db0 (1 key), db3 (2 keys): 3 keys to copy; the target is a cluster, which has db 0 only: the keys "
                    + "of db3 have nowhere to go unless those dbs are ignored (ignore_dbs: [\"db3\"]) or mapped into db 0 "
                    + "(db_map: {\"db3\": \"db0\"}, with allow_merge where db 0 is migrated too)",
                    report.getString("checks.find { it.name == 'dbs' }.message"));
            api().body(source(source, null)).put(path(targetId)).then().statusCode(422)
                    .body("message", containsString("dbs: db0 (1 key), db3 (2 keys): 3 keys to copy; the target is a cluster"));

            JsonPath ignoring = api().body(source(source, null, "db3")).post(path(targetId) + "/check").then()
                    .statusCode(200).extract().jsonPath();
            assertEquals(true, ignoring.getBoolean("checks.find { it.name == 'dbs' }.ok"));
            assertEquals("db0 (1 key): 1 key to copy", ignoring.getString("checks.find { it.name == 'dbs' }.message"));
            // the cluster itself is accepted: with db3 ignored nothing stands in the way
            assertEquals(true, ignoring.getBoolean("checks.find { it.name == 'cluster' }.ok"));

            // or db3 mapped into db 0 (merged with db0, as allowed)
            Map<String, Object> mapped = new java.util.HashMap<>(source(source, null));
            mapped.put("db_map", Map.of("db3", "db0"));
            mapped.put("allow_merge", true);
            JsonPath mapping = api().body(mapped).post(path(targetId) + "/check").then().statusCode(200).extract().jsonPath();
            assertEquals(true, mapping.getBoolean("checks.find { it.name == 'dbs' }.ok"), mapping.prettify());
            assertEquals("db0 (1 key), db3 (2 keys) into db0: 3 keys to copy",
                    mapping.getString("checks.find { it.name == 'dbs' }.message"));
        }
    }
}
