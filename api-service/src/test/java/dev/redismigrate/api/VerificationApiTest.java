package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.migration.MigrationPhase;
import dev.redismigrate.api.migration.MigrationStatus;
import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.api.verify.Verification;
import dev.redismigrate.api.verify.VerificationStatus;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.common.contract.VerifyMode;
import dev.redismigrate.common.contract.VerifyReport;
import dev.redismigrate.common.contract.VerifyReport.Found;
import dev.redismigrate.common.contract.VerifyRequest;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST and GET /v2/migrations/{id}/verify, with the verifier played by the test through Kafka. */
@QuarkusTest
class VerificationApiTest {
    private static final String PASSWORD = "verify-s3cret";
    /** Each migration goes into a server of its own: a server takes one active migration at a time. */
    private static final List<RedisServer> targets = new ArrayList<>();
    private static RedisServer source;

    @Inject
    SecretCipher cipher;

    @BeforeAll
    static void servers() {
        source = RedisServer.start("--requirepass", PASSWORD, "--databases", "4");
    }

    @AfterAll
    static void stop() {
        targets.forEach(RedisServer::close);
        source.close();
    }

    private static String verify(String migrationId) {
        return "/v2/migrations/" + migrationId + "/verify";
    }

    /** A migration started over the API (status running, snapshot phase): no worker runs here. */
    private static String startedMigration() {
        return startedMigration(newTarget());
    }

    private static RedisServer newTarget() {
        RedisServer target = RedisServer.start();
        targets.add(target);
        return target;
    }

    private static String startedMigration(RedisServer target) {
        return api().body(source(source, PASSWORD, "db2")).put("/v2/databases/" + registerTarget(target) + "/online-migration")
                .then().statusCode(200).extract().path("id");
    }

    /** A migration whose snapshot is in and whose stream follows the source. */
    private static String syncingMigration() {
        return syncingMigration(newTarget());
    }

    private static String syncingMigration(RedisServer target) {
        String id = startedMigration(target);
        QuarkusTransaction.requiringNew().run(() -> Migration.update("status = ?1, phase = ?2 where id = ?3",
                MigrationStatus.SYNCING, MigrationPhase.STREAM, UUID.fromString(id)));
        return id;
    }

    private static void report(VerifyReport report) {
        Kafka.send(Kafka.topic("incoming", "verify-reports"), report.migrationId().toString(), MessageCodec.encode(report));
    }

    private static VerifyReport report(String verificationId, String migrationId, VerifyReport.State state, long checked,
            VerifyReport.Mismatches mismatches, VerifyReport.Verdict verdict) {
        return new VerifyReport(UUID.fromString(verificationId), UUID.fromString(migrationId), state, Instant.now(),
                "test-verifier", VerifyMode.FULL, "digest-value", 1000L, checked, 100L, 3, mismatches, Found.NONE,
                List.of(new VerifyReport.DbKeys(0, 100, 99)), verdict, null);
    }

    private static JsonPath awaitField(String migrationId, String path, Object expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonPath json = null;
        while (System.nanoTime() < deadline) {
            json = api().get(verify(migrationId)).then().statusCode(200).extract().jsonPath();
            if (Objects.equals(expected, json.get(path))) {
                return json;
            }
            sleep(100);
        }
        return fail(path + " of the verification of " + migrationId + " never became " + expected + ": " + json.prettify());
    }

    /** Key filters and a db_map without a merge are verified as migrated: the request carries them. */
    @Test
    void aMigrationWithKeyFiltersAndADbMapIsVerifiedByThem() {
        Map<String, Object> body = new java.util.HashMap<>(source(source, PASSWORD, "db2"));
        body.put("include_keys", List.of("user:*"));
        body.put("db_map", Map.of("db3", "db2")); // db2 is ignored: no merge
        String id = api().body(body).put("/v2/databases/" + registerTarget(newTarget()) + "/online-migration")
                .then().statusCode(200).extract().path("id");
        QuarkusTransaction.requiringNew().run(() -> Migration.update("status = ?1, phase = ?2 where id = ?3",
                MigrationStatus.SYNCING, MigrationPhase.STREAM, UUID.fromString(id)));

        api().body(Map.of("mode", "full")).post(verify(id)).then().statusCode(202);

        VerifyRequest request = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.VERIFY_REQUESTS), id), VerifyRequest.class);
        assertEquals(new KeySelection(List.of("user:*"), List.of(), Map.of(3, 2), false), request.selection());
    }

    @Test
    void startsAVerificationAndPublishesItsRequestWithThePasswordSealed() {
        RedisServer target = newTarget();
        String migrationId = syncingMigration(target);
        String answer = api().body(Map.of("mode", "sample", "sample_size", 50)).post(verify(migrationId))
                .then().statusCode(202)
                .body("id", notNullValue())
                .body("migration_id", equalTo(migrationId))
                .body("status", equalTo("running"))
                .body("mode", equalTo("sample"))
                .body("sample_size", equalTo(50))
                .body("progress.keys_checked", equalTo(0))
                .body("result", nullValue())
                .extract().asString();
        assertFalse(answer.contains(PASSWORD), answer);
        String verificationId = JsonPath.from(answer).getString("id");

        String record = Kafka.awaitOne(Kafka.topic(Topics.VERIFY_REQUESTS), migrationId);
        assertFalse(record.contains(PASSWORD), record);
        VerifyRequest request = MessageCodec.decode(record, VerifyRequest.class);
        assertEquals(UUID.fromString(verificationId), request.verificationId());
        assertEquals(UUID.fromString(migrationId), request.migrationId());
        assertEquals(source.port(), request.source().port());
        assertTrue(request.source().sealedPassword().startsWith("v1:"));
        assertEquals(PASSWORD, cipher.open(request.source().sealedPassword()));
        assertEquals(target.port(), request.target().port());
        assertEquals(Set.of(2), request.ignoreDbs());
        assertEquals(VerifyMode.SAMPLE, request.mode());
        assertEquals(50, request.sampleSize());

        // one at a time per migration
        api().post(verify(migrationId)).then().statusCode(409)
                .body("id", equalTo("conflict"))
                .body("message", containsString(verificationId));
        api().get(verify(migrationId)).then().statusCode(200)
                .body("id", equalTo(verificationId))
                .body("status", equalTo("running"))
                .body(not(containsString(PASSWORD)));

        // a verification no verifier reports about any more does not block the next one
        QuarkusTransaction.requiringNew().run(() -> Verification.update("updatedAt = ?1 where id = ?2",
                Instant.now().minus(Duration.ofHours(1)), UUID.fromString(verificationId)));
        String next = api().post(verify(migrationId)).then().statusCode(202)
                .body("mode", equalTo("full")).body("sample_size", nullValue())
                .extract().path("id");
        assertNotEquals(verificationId, next);
        api().get(verify(migrationId)).then().statusCode(200).body("id", equalTo(next));
        Verification silent = QuarkusTransaction.requiringNew()
                .call(() -> Verification.<Verification>findById(UUID.fromString(verificationId)));
        assertEquals(VerificationStatus.ERROR, silent.status);
        assertTrue(silent.error.startsWith("no report from a verifier"), silent.error);
    }

    @Test
    void reportsFromTheVerifierShowInGet() {
        String migrationId = syncingMigration();
        String verificationId = api().post(verify(migrationId)).then().statusCode(202)
                .body("mode", equalTo("full")).extract().path("id");

        // an unreadable record is skipped, it does not block what follows
        Kafka.send(Kafka.topic("incoming", "verify-reports"), migrationId, "{not json");
        VerifyReport.Mismatches none = new VerifyReport.Mismatches(Found.NONE, Found.NONE, Found.NONE, Found.NONE, Found.NONE);
        report(report(verificationId, migrationId, VerifyReport.State.RUNNING, 40, none, null));
        JsonPath running = awaitField(migrationId, "progress.keys_checked", 40);
        assertEquals("running", running.getString("status"));
        assertEquals(100, running.getInt("progress.keys_total"));
        assertEquals(40.0f, running.getFloat("progress.percent"));
        assertTrue(running.get("result") == null, running.prettify());

        Found changed = new Found(1, List.of(new VerifyReport.Key(0, "seed:string")));
        VerifyReport.Mismatches oneValue = new VerifyReport.Mismatches(Found.NONE, Found.NONE, Found.NONE, changed, Found.NONE);
        report(report(verificationId, migrationId, VerifyReport.State.DONE, 100, oneValue, VerifyReport.Verdict.DIFFERENT));
        JsonPath done = awaitField(migrationId, "status", "done");
        assertEquals("different", done.getString("verdict"));
        assertEquals("different", done.getString("result.verdict"));
        assertEquals(100, done.getInt("result.keys_checked"));
        assertEquals(1, done.getInt("result.mismatches.value.count"));
        assertEquals("seed:string", done.getString("result.mismatches.value.keys[0].key"));
        assertEquals(0, done.getInt("result.mismatches.value.keys[0].db"));
        assertEquals(0, done.getInt("result.mismatches.missing.count"));
        assertEquals(99, done.getInt("result.keyspace[0].target_keys"));
        assertEquals("digest-value", done.getString("result.value_method"));
        assertEquals(100.0f, done.getFloat("progress.percent"));
        assertTrue(done.getString("finished_at") != null, done.prettify());

        // a late report of the finished verification changes nothing; the next verification may start
        report(report(verificationId, migrationId, VerifyReport.State.RUNNING, 5, none, null));
        String next = api().post(verify(migrationId)).then().statusCode(202).extract().path("id");
        report(report(next, migrationId, VerifyReport.State.ERROR, 7, none, null));
        JsonPath failed = awaitField(migrationId, "status", "error");
        assertEquals(next, failed.getString("id"));
        assertEquals("the verifier failed", failed.getString("error"));
        Verification first = QuarkusTransaction.requiringNew()
                .call(() -> Verification.<Verification>findById(UUID.fromString(verificationId)));
        assertEquals(100, first.keysChecked, "reports of one migration are applied in order; the late one was ignored");
        assertEquals("different", first.verdict);
    }

    @Test
    void badInputUnknownMigrationsAndCopyingMigrationsAreRefused() {
        String migrationId = syncingMigration();
        String path = verify(migrationId);
        badRequest(path, Map.of("mode", "quick"), "mode must be \"full\" or \"sample\"");
        badRequest(path, Map.of("mode", "sample", "sample_size", 0), "sample_size must be between 1 and 1000000");
        badRequest(path, Map.of("mode", "sample", "sample_size", 2_000_000), "sample_size must be between 1 and 1000000");
        badRequest(path, Map.of("mode", "full", "sample_size", 10), "sample_size applies to mode \"sample\" only");
        badRequest(path, Map.of("mode", "sample", "sample_size", "ten"), "invalid value for sample_size (expected a whole number)");
        badRequest(path, "{\"mode\": ", "malformed JSON at line 1, column 10");
        api().get(path).then().statusCode(404).body("message", equalTo("migration " + migrationId + " has no verification"));

        String unknown = UUID.randomUUID().toString();
        api().post(verify(unknown)).then().statusCode(404).body("id", equalTo("not_found"));
        api().get(verify(unknown)).then().statusCode(404).body("message", equalTo("migration " + unknown + " not found"));
        api().post(verify("nope")).then().statusCode(404);
        given().post(path).then().statusCode(401);

        // nothing to compare yet while the snapshot is being copied
        api().post(verify(startedMigration())).then().statusCode(409).body("message", containsString("still copying"));

        // the default sample; the migration's other routes are still there
        api().body(Map.of("mode", "sample")).post(path).then().statusCode(202).body("sample_size", equalTo(1000));
        api().get("/v2/migrations/" + migrationId).then().statusCode(200).body("status", equalTo("syncing"));
        api().get("/v2/migrations/" + migrationId + "/events").then().statusCode(200);
    }

    private static void badRequest(String path, Object body, String message) {
        api().body(body).post(path).then().statusCode(400)
                .body("id", equalTo("bad_request"))
                .body("message", equalTo(message));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
