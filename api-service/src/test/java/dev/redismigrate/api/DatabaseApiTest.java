package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@QuarkusTest
class DatabaseApiTest {
    private static RedisServer plain;
    private static RedisServer guarded;

    @BeforeAll
    static void servers() {
        plain = RedisServer.start();
        guarded = RedisServer.start("--requirepass", "t4rget-pw");
    }

    @AfterAll
    static void stop() {
        plain.close();
        guarded.close();
    }

    private static Map<String, Object> body(String host, Object port, String password) {
        return Map.of("name", "main", "engine", "redis",
                "connection", Map.of("host", host, "port", port, "username", "default", "password", password, "ssl", false));
    }

    @Test
    void registersATargetWithItsVersionAndWithoutItsPassword() {
        String version = plain.cli("INFO", "server").lines().filter(l -> l.startsWith("redis_version:"))
                .findFirst().orElseThrow().substring("redis_version:".length()).trim();
        String json = api().body(body(guarded.host(), guarded.port(), "t4rget-pw"))
                .post("/v2/databases")
                .then().statusCode(201)
                .body("database.id", notNullValue())
                .body("database.name", equalTo("main"))
                .body("database.engine", equalTo("redis"))
                .body("database.version", equalTo(version))
                .body("database.connection.host", equalTo("127.0.0.1"))
                .body("database.connection.port", equalTo(guarded.port()))
                .body("database.connection.username", equalTo("default"))
                .body("database.connection.ssl", equalTo(false))
                .body("database.connection.password", nullValue())
                .body("database.created_at", notNullValue())
                .extract().asString();
        assertFalse(json.contains("t4rget-pw"), json);
        String id = JsonPath.from(json).getString("database.id");

        api().get("/v2/databases/" + id).then().statusCode(200)
                .body("database.version", equalTo(version))
                .body(not(containsString("t4rget-pw")));
        api().get("/v2/databases").then().statusCode(200)
                .body("databases.id", hasItem(id))
                .body(not(containsString("t4rget-pw")));
    }

    @Test
    void refusesATargetItCannotUse() {
        api().body(body(guarded.host(), guarded.port(), "wrong-pw")).post("/v2/databases")
                .then().statusCode(422)
                .body("id", equalTo("unprocessable_entity"))
                .body("message", startsWith("the target Redis cannot be used: "))
                .body("message", not(containsString("wrong-pw")));
        api().body(body("127.0.0.1", RedisServer.freePort(), "")).post("/v2/databases")
                .then().statusCode(422)
                .body("message", containsString("cannot connect to 127.0.0.1:"));
    }

    @Test
    void deletesATarget() {
        String id = registerTarget(plain);
        api().delete("/v2/databases/" + id).then().statusCode(204);
        api().get("/v2/databases/" + id).then().statusCode(404).body("id", equalTo("not_found"));
        api().delete("/v2/databases/" + id).then().statusCode(404);
    }

    @Test
    void unknownIdsAreNotFound() {
        api().get("/v2/databases/6f1c1d0e-0000-4000-8000-000000000000").then().statusCode(404)
                .body("id", equalTo("not_found"));
        api().get("/v2/databases/not-a-uuid").then().statusCode(404)
                .body("id", equalTo("not_found"))
                .body("message", equalTo("database not-a-uuid not found"));
        api().get("/v2/no-such-route").then().statusCode(404).body("id", equalTo("not_found"));
    }

    @Test
    void invalidBodiesAreBadRequests() {
        badRequest(body(plain.host(), 0, ""), "connection.port must be between 1 and 65535");
        badRequest(body(plain.host(), 70000, ""), "connection.port must be between 1 and 65535");
        badRequest(body("", plain.port(), ""), "connection.host is required");
        badRequest(body("redis://x", plain.port(), ""), "connection.host must be a host name or an IP address");
        badRequest(body(plain.host(), "abc", ""), "invalid value for connection.port (expected a whole number)");
        badRequest(Map.of("name", "x"), "connection is required");
        badRequest(Map.of("engine", "redis", "connection", Map.of("host", "h", "port", 1)), "name is required");
        badRequest(Map.of("name", "x", "engine", "mysql", "connection", Map.of("host", "h", "port", 1)),
                "engine must be \"redis\" or \"valkey\"");
        badRequest("[1, 2]", "the body must be a JSON object");
        badRequest("", "a JSON body is required");
        // Jackson quotes bad tokens; the answer must not, they may be a password
        api().body("{\"name\": \"x\", \"connection\": {\"password\": s3cret-token}}").post("/v2/databases")
                .then().statusCode(400)
                .body("id", equalTo("bad_request"))
                .body("message", startsWith("malformed JSON at line 1, column "))
                .body(not(containsString("s3cret")));
    }

    private static void badRequest(Object body, String message) {
        api().body(body).post("/v2/databases").then().statusCode(400)
                .body("id", equalTo("bad_request"))
                .body("message", equalTo(message));
    }

    @Test
    void everyApiRouteNeedsAKnownBearerToken() {
        given().get("/v2/databases").then().statusCode(401)
                .contentType(ContentType.JSON)
                .body("id", equalTo("unauthorized"));
        given().auth().oauth2("wrong").get("/v2/databases").then().statusCode(401).body("id", equalTo("unauthorized"));
        given().header("Authorization", "Basic dGVzdC10b2tlbjo=").get("/v2/databases").then().statusCode(401);
        given().get("/v2/no-such-route").then().statusCode(401);
        given().contentType(ContentType.JSON).body(body(plain.host(), plain.port(), "")).post("/v2/databases")
                .then().statusCode(401);
        // any configured token works
        given().auth().oauth2("second-token").get("/v2/databases").then().statusCode(200);
    }

    @Test
    void healthMetricsAndOpenApiAreOpen() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body(containsString("Database connections health check"))
                .body(containsString("Kafka"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/v2/databases/{id}/online-migration"));
    }
}
