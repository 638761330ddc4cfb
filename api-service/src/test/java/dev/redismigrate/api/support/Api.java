package dev.redismigrate.api.support;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.testing.RedisServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Requests as an authenticated client makes them. */
public final class Api {
    public static final String TOKEN = "test-token";

    private Api() {
    }

    public static RequestSpecification api() {
        return given().auth().oauth2(TOKEN).contentType(ContentType.JSON);
    }

    /** Registers the server as a target and returns its id. */
    public static String registerTarget(RedisServer target) {
        return api().body(Map.of("name", "target-" + target.port(), "engine", "redis",
                        "connection", Map.of("host", target.host(), "port", target.port(), "ssl", false)))
                .post("/v2/databases")
                .then().statusCode(201).extract().path("database.id");
    }

    /** A PUT body for a plain-TCP source. */
    public static Map<String, Object> source(RedisServer source, String password, Object... ignoreDbs) {
        Map<String, Object> s = password == null
                ? Map.of("host", source.host(), "port", source.port(), "dbname", "defaultdb")
                : Map.of("host", source.host(), "port", source.port(), "dbname", "defaultdb", "username", "default",
                        "password", password);
        return Map.of("source", s, "disable_ssl", true, "ignore_dbs", List.of(ignoreDbs));
    }

    /** Polls GET /v2/migrations/{id} until {@code path} reads {@code expected}. */
    public static JsonPath awaitField(String id, String path, Object expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonPath json = null;
        while (System.nanoTime() < deadline) {
            json = api().get("/v2/migrations/" + id).then().statusCode(200).extract().jsonPath();
            if (Objects.equals(expected, json.get(path))) {
                return json;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail(path + " of migration " + id + " never became " + expected + ": " + (json == null ? "" : json.prettify()));
    }
}
