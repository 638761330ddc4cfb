package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * include_keys, exclude_keys, db_map and allow_merge: stored, shown in GET, carried to the workers;
 * every bad value a 400 (or 422 for the target's dbs) naming the field; /check counts the selected keys.
 */
@QuarkusTest
class KeySelectionApiTest {
    private RedisServer source;
    private RedisServer target;

    @BeforeEach
    void servers() {
        source = RedisServer.start();
        target = RedisServer.start("--databases", "4");
    }

    @AfterEach
    void stopServers() {
        source.close();
        target.close();
    }

    private Map<String, Object> body(Object... fields) {
        Map<String, Object> body = new HashMap<>(dev.redismigrate.api.support.Api.source(source, null, "db5"));
        for (int i = 0; i < fields.length; i += 2) {
            body.put((String) fields[i], fields[i + 1]);
        }
        return body;
    }

    @Test
    void filtersAndADbMapAreStoredShownAndSentToTheWorkers() {
        String targetId = registerTarget(target);
        String id = api().body(body("include_keys", List.of("user:*", "order:[0-9]*"), "exclude_keys", List.of("*:tmp"),
                        "db_map", Map.of("db3", "db0", "db6", "db2"), "allow_merge", true))
                .put("/v2/databases/" + targetId + "/online-migration")
                .then().statusCode(200)
                .body("include_keys", equalTo(List.of("user:*", "order:[0-9]*")))
                .body("exclude_keys", equalTo(List.of("*:tmp")))
                .body("db_map", equalTo(Map.of("db3", "db0", "db6", "db2")))
                .body("allow_merge", equalTo(true))
                .extract().path("id");
        api().get("/v2/migrations/" + id).then().body("db_map.db3", equalTo("db0")).body("include_keys[1]", equalTo("order:[0-9]*"));
        SnapshotRequest sent = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.SNAPSHOT_REQUESTS), id), SnapshotRequest.class);
        assertEquals(new KeySelection(List.of("user:*", "order:[0-9]*"), List.of("*:tmp"), Map.of(3, 0, 6, 2), true),
                sent.selection());
        // the verifier follows filters and maps, not a merge (db3 into db0, which is migrated too): no verdict
        // rather than a wrong one
        api().body(Map.of("mode", "full")).post("/v2/migrations/" + id + "/verify").then().statusCode(422)
                .body("message", containsString("merges source dbs into one target db"));
        api().delete("/v2/databases/" + targetId + "/online-migration/" + id).then().statusCode(204);
    }

    @Test
    void withoutThemEveryKeyGoesIntoItsOwnDb() {
        String targetId = registerTarget(target);
        String id = api().body(body()).put("/v2/databases/" + targetId + "/online-migration").then().statusCode(200)
                .body("include_keys", equalTo(List.of())).body("db_map", equalTo(Map.of())).body("allow_merge", equalTo(false))
                .extract().path("id");
        SnapshotRequest sent = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.SNAPSHOT_REQUESTS), id), SnapshotRequest.class);
        assertEquals(KeySelection.ALL, KeySelection.orAll(sent.selection()));
        api().delete("/v2/databases/" + targetId + "/online-migration/" + id).then().statusCode(204);
    }

    @Test
    void eachBadValueIsRefusedNamingItsField() {
        String targetId = registerTarget(target);
        String put = "/v2/databases/" + targetId + "/online-migration";
        refused(put, 400, "include_keys[1]", "include_keys", List.of("user:*", "user:[0-9"));
        refused(put, 400, "exclude_keys[0]", "exclude_keys", List.of(""));
        refused(put, 400, "include_keys[0]", "include_keys", List.of("a\\"));
        refused(put, 400, "include_keys", "include_keys", List.of(5));
        refused(put, 400, "include_keys", "include_keys", "user:*");
        refused(put, 400, "include_keys[0]", "include_keys", java.util.Arrays.asList((String) null));
        refused(put, 400, "db_map", "db_map", Map.of("db3", 0));
        refused(put, 400, "db_map.dbx", "db_map", Map.of("dbx", "db0"));
        refused(put, 400, "db_map.db3", "db_map", Map.of("db3", "zero"));
        refused(put, 400, "db_map.db5", "db_map", Map.of("db5", "db0"));
        refused(put, 400, "db_map.db20", "db_map", Map.of("db20", "db0"));
        refused(put, 400, "allow_merge", "allow_merge", "yes");
        // db3 into db0 while db0 is migrated too: a merge, refused without the flag
        String merge = refused(put, 400, "db_map", "db_map", Map.of("db3", "db0")).getString("message");
        assertTrue(merge.contains("db0 and db3") && merge.contains("allow_merge"), merge);
        // the target has db0 to db3 (databases 4)
        String lacks = refused(put, 422, "db_map.db3", "db_map", Map.of("db3", "db7")).getString("message");
        assertTrue(lacks.contains("the target has no db7"), lacks);
        api().get("/v2/databases/" + targetId + "/online-migration").then().statusCode(404);
    }

    private JsonPath refused(String put, int status, String named, String field, Object value) {
        return api().body(body(field, value)).put(put).then().statusCode(status)
                .body("message", containsString(named)).extract().jsonPath();
    }

    @Test
    void theOpenApiDocumentDescribesThePutBodyAndCompletesBodyAsTheJsonNamesThem() {
        JsonPath doc = io.restassured.RestAssured.given().get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
        Map<String, Object> put = doc.getMap("components.schemas.StartMigrationRequest.properties");
        for (String field : List.of("source", "disable_ssl", "ignore_dbs", "method", "limits", "include_keys", "exclude_keys",
                "db_map", "allow_merge")) {
            assertTrue(put.containsKey(field), field + " in " + put.keySet());
        }
        assertTrue(doc.getString("components.schemas.StartMigrationRequest.properties.include_keys.description")
                .contains("MATCH glob"));
        assertTrue(doc.getMap("components.schemas.LimitsInput.properties").containsKey("keys_per_second"));
        assertTrue(doc.getMap("components.schemas.CompleteRequest.properties").keySet()
                .containsAll(List.of("pause_source_writes", "verify", "timeout", "force")));
    }

    @Test
    void theCheckCountsTheSelectedKeysPerDbExactlyOrSampled() {
        String targetId = registerTarget(target);
        source.cli("DEBUG", "POPULATE", "1000", "user", "8");
        source.cli("DEBUG", "POPULATE", "500", "session", "8");
        source.cliPipe("SELECT 3\nDEBUG POPULATE 150000 user 8\nDEBUG POPULATE 150000 other 8\n");
        JsonPath report = api().body(body("include_keys", List.of("user:*"), "db_map", Map.of("db3", "db1"), "ignore_dbs",
                        List.of("db1", "db5"))).post("/v2/databases/" + targetId + "/online-migration/check")
                .then().statusCode(200).extract().jsonPath();
        String keys = report.getString("checks.find { it.name == 'keys' }.message");
        assertTrue(keys.contains("db0: 1000 of 1500 keys"), keys);
        assertTrue(keys.matches(".*db3 \\(into db1\\): about \\d+ of 300000 keys \\(estimated from \\d+ keys read\\).*"), keys);
        long estimate = Long.parseLong(keys.replaceAll(".*db3 \\(into db1\\): about (\\d+) of.*", "$1"));
        assertTrue(estimate > 120_000 && estimate < 180_000, "half of db3 is user:*: " + estimate);
        api().body(body("db_map", Map.of("db3", "db1"))).post("/v2/databases/" + targetId + "/online-migration/check")
                .then().statusCode(200).body("checks.find { it.name == 'db_map' }.result", equalTo("fail"))
                .body("checks.find { it.name == 'db_map' }.message", allOf(containsString("db1 and db3"), containsString("allow_merge")));
    }
}
