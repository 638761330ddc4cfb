package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node of a Redis Cluster holds one shard: until clusters are supported, a cluster source or
 * target fails the preflight (a PUT is refused with 422) rather than copy a part of the data.
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

    private static RedisServer node() {
        return cluster.nodes().get(0);
    }

    private static String path(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    @Test
    void aClusterSourceFailsThePreflight() {
        String targetId = registerTarget(standalone);
        String expected = "the source 127.0.0.1:" + node().port() + " is a cluster node (cluster_enabled:1): cluster "
                + "sources are not supported yet, the migration would copy that node's shard only";
        api().body(source(node(), null)).post(path(targetId) + "/check").then().statusCode(200)
                .body("ok", equalTo(false))
                .body("checks.find { it.name == 'cluster' }.ok", equalTo(false))
                .body("checks.find { it.name == 'cluster' }.message", equalTo(expected));
        api().body(source(node(), null)).put(path(targetId)).then().statusCode(422)
                .body("message", containsString("cluster: " + expected))
                .body("checks.name", hasItem("cluster"));
        api().get(path(targetId)).then().statusCode(404);
    }

    @Test
    void aClusterTargetIsNotRegistered() {
        api().body(Map.of("name", "sharded", "connection", Map.of("host", "127.0.0.1", "port", node().port(), "ssl", false)))
                .post("/v2/databases").then().statusCode(422)
                .body("message", equalTo("connection: 127.0.0.1:" + node().port() + " is a cluster node (cluster_enabled:1): "
                        + "cluster targets are not supported yet, a migration would write into one shard only"));
    }

    @Test
    void aClusterTargetRegisteredBeforeFailsThePreflight() {
        // as registered before registration refused clusters (or a server switched to cluster mode since)
        TargetDatabase registered = QuarkusTransaction.requiringNew().call(() -> {
            TargetDatabase t = TargetDatabase.of("sharded", new RedisEndpoint("127.0.0.1", node().port(), null, null, false),
                    "redis", "7.0.15", Instant.now());
            t.persist();
            return t;
        });
        String targetId = registered.id.toString();
        String expected = "the target 127.0.0.1:" + node().port() + " is a cluster node (cluster_enabled:1): cluster "
                + "targets are not supported yet, the node would refuse the keys of every other shard";
        api().body(source(standalone, null)).post(path(targetId) + "/check").then().statusCode(200)
                .body("ok", equalTo(false))
                .body("checks.find { it.name == 'cluster' }.message", equalTo(expected));
        api().body(source(standalone, null)).put(path(targetId)).then().statusCode(422)
                .body("message", containsString("cluster: " + expected));
        api().get(path(targetId)).then().statusCode(404);
    }
}
