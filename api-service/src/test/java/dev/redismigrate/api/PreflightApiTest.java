package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.SpoolSpace;
import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /v2/databases/{id}/online-migration/check: every check of a start, and nothing started. */
@QuarkusTest
class PreflightApiTest {
    private static final String PASSWORD = "preflight-pw";
    /** the snapshot worker these tests speak for (each report replaces the one before) */
    private static final String WORKER = "preflight-test-worker";
    private static RedisServer source;
    /** A server of each test's own: a server takes one active migration at a time, and a test leaves one active. */
    private RedisServer target;

    @BeforeAll
    static void servers() {
        source = RedisServer.start("--requirepass", PASSWORD, "--databases", "4");
    }

    @AfterAll
    static void stop() {
        source.close();
    }

    @BeforeEach
    void targetServer() {
        target = RedisServer.start();
    }

    @AfterEach
    void stopTarget() {
        target.close();
    }

    private static String check(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration/check";
    }

    /**
     * Reports a snapshot worker's spool space as the worker does, until the preflight's spool check
     * says {@code expected}; returns that report.
     */
    private static JsonPath reportSpoolUntil(String targetId, long free, long budget, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            // the api-service reads the newest reports only: the first may come before it listens
            Kafka.send(Kafka.topic(Topics.SPOOL_SPACE), WORKER,
                    MessageCodec.encode(new SpoolSpace(WORKER, free, budget, System.currentTimeMillis())));
            JsonPath report = api().body(source(source, PASSWORD, "db3")).post(check(targetId)).then().statusCode(200)
                    .extract().jsonPath();
            String spool = report.getString("checks.find { it.name == 'spool' }.message");
            if (spool.contains(expected)) {
                return report;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the spool check never said \"" + expected + "\": " + spool);
            }
            Thread.sleep(200);
        }
    }

    @Test
    void aUsableSourceAndTargetPassEveryCheckAndNothingStarts() throws InterruptedException {
        String targetId = registerTarget(target);
        source.cli("SET", "k", "v");
        reportSpoolUntil(targetId, 10L << 30, 20L << 30, "takes 10240.0 MB");
        JsonPath report = api().body(source(source, PASSWORD, "db3")).post(check(targetId))
                .then().statusCode(200).body("ok", equalTo(true)).body("result", equalTo("pass"))
                .body("method", equalTo("replication")).extract().jsonPath();
        assertEquals(List.of("source", "target", "cluster", "versions", "ignore_dbs", "db_map", "keys", "distinct", "source_free",
                "target_free", "tls", "dbs", "memory", "psync", "scan", "notifications", "method", "spool"), report.getList("checks.name"));
        assertEquals(Collections.nCopies(18, true), report.getList("checks.ok"));
        assertEquals(Collections.nCopies(18, "pass"), report.getList("checks.result"));
        assertEquals("db3 left out", report.getString("checks.find { it.name == 'ignore_dbs' }.message"));
        String answers = report.getString("checks[0].message");
        assertTrue(answers.matches("127\\.0\\.0\\.1:" + source.port() + " answers: Redis \\d+\\.\\d+\\.\\d+, 4 dbs"), answers);
        assertEquals("neither the source nor the target runs in cluster mode",
                report.getString("checks.find { it.name == 'cluster' }.message"));
        assertEquals("db0 (1 key): 1 key to copy", report.getString("checks.find { it.name == 'dbs' }.message"));
        api().get("/v2/databases/" + targetId + "/online-migration").then().statusCode(404);
    }

    @Test
    void everyProblemIsReportedAtOnceWithoutThePassword() {
        String targetId = registerTarget(target);
        String json = api().body(source(source, "wrong-pw")).post(check(targetId))
                .then().statusCode(200).body("ok", equalTo(false)).extract().asString();
        JsonPath report = JsonPath.from(json);
        assertEquals(false, report.getBoolean("checks.find { it.name == 'source' }.ok"));
        assertEquals(true, report.getBoolean("checks.find { it.name == 'target' }.ok"));
        assertFalse(json.contains("wrong-pw"), json);

        // dbs the source does not have, and a target already being migrated into
        api().body(source(source, PASSWORD)).put("/v2/databases/" + targetId + "/online-migration").then().statusCode(200);
        api().body(source(source, PASSWORD, "db9")).post(check(targetId)).then().statusCode(200)
                .body("ok", equalTo(false))
                .body("checks.find { it.name == 'ignore_dbs' }.message", containsString("db9 does not exist"))
                .body("checks.find { it.name == 'target_free' }.ok", equalTo(false));
    }

    @Test
    void aSourceLargerThanTheSnapshotWorkersSpoolSpaceIsWarnedOf() throws InterruptedException {
        String targetId = registerTarget(target);
        source.cli("SET", "k", "v");
        // a spool budget of 1 KB, smaller than any dataset (used_memory_dataset counts the server's own overhead too)
        JsonPath report = reportSpoolUntil(targetId, 10L << 30, 1024, "may not fit");
        assertEquals("warn", report.getString("checks.find { it.name == 'spool' }.result"));
        String message = report.getString("checks.find { it.name == 'spool' }.message");
        assertTrue(message.contains("(" + WORKER + ") takes 0.0 MB (10240.0 MB free disk, budget 0.0 MB)"), message);
        assertTrue(message.contains("redis-migrate.snapshot.spool-budget"), message);
        assertEquals(true, report.getBoolean("ok"), "a warning does not stop a start");
    }

    @Test
    void malformedRequestsAreRefusedAsAStartWouldBe() {
        String targetId = registerTarget(target);
        api().body(Map.of("source", Map.of("port", source.port()))).post(check(targetId))
                .then().statusCode(400).body("message", equalTo("source.host is required"));
        api().body(source(source, PASSWORD)).post(check("7d9f3c1e-0000-4000-8000-000000000000"))
                .then().statusCode(404);
        given().contentType("application/json").body(source(source, PASSWORD)).post(check(targetId))
                .then().statusCode(401).body(not(containsString(PASSWORD)));
    }
}
