package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Valkey as a source and a target, with real valkey-server processes: the API names each server's
 * family and own version, and chooses the method by what the target can load (the RDB version each
 * writes), not by version strings (Valkey 8 says redis_version 7.2.4).
 */
@QuarkusTest
class ValkeyApiTest {
    private static RedisServer redis;
    private static RedisServer valkey;
    private static RedisServer otherValkey;

    @BeforeAll
    static void servers() {
        redis = RedisServer.start();
        valkey = RedisServer.startValkey();
        otherValkey = RedisServer.startValkey();
    }

    @AfterAll
    static void stop() {
        redis.close();
        valkey.close();
        otherValkey.close();
    }

    private static String info(RedisServer server, String field) {
        return server.cli("INFO", "server").lines().filter(l -> l.startsWith(field + ":"))
                .map(l -> l.substring(field.length() + 1).trim()).findFirst().orElseThrow();
    }

    private static String path(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    private static JsonPath check(RedisServer from, RedisServer into) {
        return api().body(source(from, null)).post(path(registerTarget(into)) + "/check").then().statusCode(200)
                .extract().jsonPath();
    }

    private static String message(JsonPath report, String check) {
        return report.getString("checks.find { it.name == '" + check + "' }.message");
    }

    @Test
    void aValkeyTargetRegistersWithItsFamilyAndOwnVersion() {
        String version = info(valkey, "valkey_version");
        api().body(Map.of("name", "cache", "engine", "valkey",
                        "connection", Map.of("host", valkey.host(), "port", valkey.port(), "ssl", false)))
                .post("/v2/databases").then().statusCode(201)
                .body("database.engine", equalTo("valkey"))
                .body("database.version", equalTo(version));
    }

    @Test
    void redisIntoValkeyAndValkeyIntoValkeyReplicate() {
        String redisVersion = info(redis, "redis_version");
        String valkeyVersion = info(valkey, "valkey_version");
        JsonPath intoValkey = check(redis, valkey);
        assertEquals(true, intoValkey.getBoolean("ok"), intoValkey.prettify());
        assertEquals("replication", intoValkey.getString("method"));
        assertEquals("127.0.0.1:" + redis.port() + " answers: Redis " + redisVersion + ", 16 dbs", message(intoValkey, "source"));
        assertEquals("127.0.0.1:" + valkey.port() + " answers: Valkey " + valkeyVersion + ", 16 dbs", message(intoValkey, "target"));
        assertEquals("the target's Valkey " + valkeyVersion + " (RDB version 11) can load the source's Redis " + redisVersion
                + " (RDB version 10)", message(intoValkey, "versions"));

        JsonPath valkeyToValkey = check(otherValkey, valkey);
        assertEquals(true, valkeyToValkey.getBoolean("ok"), valkeyToValkey.prettify());
        assertEquals("replication", valkeyToValkey.getString("method"));
        assertEquals("pass", valkeyToValkey.getString("checks.find { it.name == 'versions' }.result"));
    }

    @Test
    void valkeyIntoRedis70IsScannedTypeByTypeAndReplicationIsRefused() {
        JsonPath intoRedis = check(valkey, redis);
        assertEquals(true, intoRedis.getBoolean("ok"), intoRedis.prettify());
        assertEquals("scan", intoRedis.getString("method"));
        assertEquals("warn", intoRedis.getString("checks.find { it.name == 'versions' }.result"));
        assertEquals(true, message(intoRedis, "versions").contains("writes RDB version 11, which the target's Redis "
                + info(redis, "redis_version") + " cannot load (it reads up to RDB version 10): keys are rebuilt type by type"),
                message(intoRedis, "versions"));
        assertEquals(true, message(intoRedis, "method").startsWith("scan: the target cannot load the source's RDB version"),
                message(intoRedis, "method"));

        // servers of this start's own: the others must stay free of active migrations for the other checks
        try (RedisServer from = RedisServer.startValkey(); RedisServer into = RedisServer.start()) {
            String targetId = registerTarget(into);
            Map<String, Object> forced = new HashMap<>(source(from, null));
            forced.put("method", "replication");
            api().body(forced).put(path(targetId)).then().statusCode(422)
                    .body("checks.name", equalTo(List.of("versions")))
                    .body("message", containsString("versions: the source's Valkey " + info(from, "valkey_version")
                            + " writes RDB version 11"));
            api().body(source(from, null)).put(path(targetId)).then().statusCode(200)
                    .body("method", equalTo("scan"));
        }
    }
}
