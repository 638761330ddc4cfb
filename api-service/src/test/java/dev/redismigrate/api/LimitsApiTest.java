package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.common.contract.LimitsRequest;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.common.limits.Limits;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** limits in PUT and PATCH: stored, shown, sent to every worker on the control topic; bad values named. */
@QuarkusTest
class LimitsApiTest {
    private RedisServer source;
    private RedisServer target;

    @BeforeEach
    void servers() {
        source = RedisServer.start();
        target = RedisServer.start();
    }

    @AfterEach
    void stopServers() {
        source.close();
        target.close();
    }

    private Map<String, Object> start(Map<String, Object> limits) {
        Map<String, Object> body = new HashMap<>(dev.redismigrate.api.support.Api.source(source, null));
        body.put("limits", limits);
        return body;
    }

    @Test
    void limitsOfAStartAreShownAndSentAndAPatchChangesThemWhileItRuns() {
        String targetId = registerTarget(target);
        String path = "/v2/databases/" + targetId + "/online-migration";
        String id = api().body(start(Map.of("keys_per_second", 500, "commands_per_second", 1000))).put(path)
                .then().statusCode(200)
                .body("limits.keys_per_second", equalTo(500))
                .body("limits.commands_per_second", equalTo(1000))
                .extract().path("id");
        LimitsRequest sent = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.CONTROL), id), LimitsRequest.class);
        assertEquals(new Limits(500, 1000), sent.limits());

        // an absent limit keeps its value; 0 lifts one
        api().body(Map.of("limits", Map.of("keys_per_second", 0))).patch(path + "/" + id).then().statusCode(200)
                .body("limits.keys_per_second", equalTo(0))
                .body("limits.commands_per_second", equalTo(1000));
        List<String> control = Kafka.await(Kafka.topic(Topics.CONTROL), id, 2, Duration.ofSeconds(30));
        assertEquals(new Limits(0, 1000), MessageCodec.decode(control.get(1), LimitsRequest.class).limits());
        api().get(path).then().body("limits.keys_per_second", equalTo(0));
        api().get("/v2/migrations/" + id + "/events").then().body(containsString("0 keys/s, 1000 commands/s"));
        String tags = "{database=\"" + targetId + "\",migration=\"" + id + "\"}";
        awaitMetric("redis_migrate_migration_limit_commands_per_second" + tags + " 1000.0");
        awaitMetric("redis_migrate_migration_limit_keys_per_second" + tags + " 0.0");

        api().body(Map.of("limits", Map.of("commands_per_second", -5))).patch(path + "/" + id).then().statusCode(400)
                .body("message", containsString("limits.commands_per_second"));
        api().body(Map.of()).patch(path + "/" + id).then().statusCode(400).body("message", containsString("limits"));
        api().delete(path + "/" + id).then().statusCode(204);
        api().body(Map.of("limits", Map.of("keys_per_second", 10))).patch(path + "/" + id).then().statusCode(409);
    }

    /** /q/metrics is refreshed every second in tests. */
    private static void awaitMetric(String line) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String text = "";
        while (System.nanoTime() < deadline) {
            text = given().get("/q/metrics").then().statusCode(200).extract().asString();
            if (text.lines().anyMatch(line::equals)) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("/q/metrics never had " + line + ": " + text.lines().filter(l -> l.contains("limit")).toList());
    }

    @Test
    void aNegativeLimitOfAStartIsRefusedNamingTheField() {
        String targetId = registerTarget(target);
        api().body(start(Map.of("keys_per_second", -1))).put("/v2/databases/" + targetId + "/online-migration")
                .then().statusCode(400).body("message", containsString("limits.keys_per_second"));
    }

    @Test
    void withoutLimitsNothingIsLimited() {
        String targetId = registerTarget(target);
        api().body(dev.redismigrate.api.support.Api.source(source, null)).put("/v2/databases/" + targetId + "/online-migration")
                .then().statusCode(200)
                .body("limits.keys_per_second", equalTo(0))
                .body("limits.commands_per_second", equalTo(0));
    }
}
