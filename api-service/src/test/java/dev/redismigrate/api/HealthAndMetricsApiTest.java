package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What /q/health and /q/metrics, open to anyone who reaches the port, give away. */
@QuarkusTest
class HealthAndMetricsApiTest {
    private static final Pattern URI_TAG = Pattern.compile("^http_server_requests_seconds_count\\{.*uri=\"([^\"]*)\"",
            Pattern.MULTILINE);

    @Test
    void healthAnswersWithoutATokenAndNamesNoRedisServer() {
        try (RedisServer target = RedisServer.start()) {
            registerTarget(target);
            String health = given().get("/q/health").then().statusCode(200).body("status", equalTo("UP"))
                    .extract().asString();
            assertFalse(health.contains(":" + target.port()) || health.contains(String.valueOf(target.port())), health);
        }
    }

    /** Each invented path would be a new series if tagged raw; they share one tag instead. */
    @Test
    void pathsACallerInventsShareOneUriTag() {
        Set<String> before = uriTags();
        int paths = 30;
        for (int i = 0; i < paths; i++) {
            String invented = "/invented-" + UUID.randomUUID();
            given().get(invented).then().statusCode(401); // no token
            given().get("/v2/databases/" + UUID.randomUUID()).then().statusCode(401); // a real route, no token
            api().post("/v2/migrations/" + UUID.randomUUID()).then().statusCode(405); // a method the path lacks
            api().get(invented).then().statusCode(404);
        }
        Set<String> after = uriTags();
        Set<String> added = new TreeSet<>(after);
        added.removeAll(before);
        assertTrue(added.stream().noneMatch(t -> t.contains("invented") || t.matches(".*[0-9a-f]{8}-.*")), added.toString());
        assertTrue(after.contains("UNMATCHED"), after.toString());
        // UNMATCHED and NOT_FOUND at most, whatever the number of paths
        assertTrue(added.size() <= 2, added.toString());
        long unmatchedSeries = series().lines()
                .filter(l -> l.startsWith("http_server_requests_seconds_count") && l.contains("uri=\"UNMATCHED\"")).count();
        assertTrue(unmatchedSeries <= 3, "one series per method and status, got " + unmatchedSeries);
        assertEquals(after.size(), uriTags().size());
    }

    private static String series() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static Set<String> uriTags() {
        Set<String> tags = new TreeSet<>();
        Matcher m = URI_TAG.matcher(series());
        while (m.find()) {
            tags.add(m.group(1));
        }
        return tags;
    }
}
