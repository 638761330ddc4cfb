package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.redismigrate.api.support.LogCapture;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.TestCertificates;
import io.quarkus.test.junit.QuarkusTest;
import dev.redismigrate.api.support.Api;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bad inputs an operator can send that the other API tests do not cover: each is a clear 4xx
 * that names the problem, never a 500, a hang or a started migration.
 */
@QuarkusTest
class BadInputApiTest {
    private static final String ACL_PASSWORD = "acl-user-secret";

    private static RedisServer target;
    private static RedisServer aclSource;
    private static RedisServer tlsSource;
    private static int tlsPort;

    @BeforeAll
    static void servers() {
        target = RedisServer.start();
        aclSource = RedisServer.start();
        aclSource.cli("ACL", "SETUSER", "migrator", "on", ">" + ACL_PASSWORD, "~*", "+@all");
        tlsPort = RedisServer.freePort();
        tlsSource = RedisServer.start(TestCertificates.create().redisArgs(tlsPort));
    }

    @AfterAll
    static void stop() {
        target.close();
        aclSource.close();
        tlsSource.close();
    }

    private static String path(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    @Test
    void anUnknownAclUserOrAWrongAclPasswordIsRefusedWithoutThePassword() {
        String targetId = registerTarget(target);
        for (String user : List.of("nobody", "migrator")) {
            api().body(Map.of("source", Map.of("host", "127.0.0.1", "port", aclSource.port(), "username", user,
                            "password", "not-" + ACL_PASSWORD), "disable_ssl", true))
                    .put(path(targetId))
                    .then().statusCode(422)
                    .body("message", startsWith("the source Redis cannot be used: "))
                    .body("message", containsString("WRONGPASS"))
                    .body("message", not(containsString(ACL_PASSWORD)));
        }
        // the right ACL user and password pass
        api().body(Map.of("source", Map.of("host", "127.0.0.1", "port", aclSource.port(), "username", "migrator",
                        "password", ACL_PASSWORD), "disable_ssl", true))
                .put(path(targetId)).then().statusCode(200);
    }

    @Test
    void plainTcpToATlsOnlyPortIsRefused() {
        String targetId = registerTarget(target);
        api().body(Map.of("source", Map.of("host", "127.0.0.1", "port", tlsPort), "disable_ssl", true))
                .put(path(targetId))
                .then().statusCode(422)
                .body("id", equalTo("unprocessable_entity"))
                .body("message", startsWith("the source Redis cannot be used: "))
                .body("message", containsString("no answer in time (if this port expects TLS, connect with TLS)"));
    }

    @Test
    void ignoringEveryDbLeavesNothingToMigrate() {
        String targetId = registerTarget(target);
        Object[] all = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "db" + i).toArray();
        api().body(source(aclSource, null, all)).put(path(targetId))
                .then().statusCode(400)
                .body("message", equalTo("ignore_dbs names every db of the source (db0 to db15): nothing would be migrated"));
    }

    @Test
    void invalidUtf8AHugeBodyAndUnknownFields() {
        String targetId = registerTarget(target);
        byte[] invalid = "{\"source\": {\"host\": \"\u0000\", \"port\": 1}}".getBytes(StandardCharsets.UTF_8);
        invalid[21] = (byte) 0xff; // the host's only character: a byte that is never UTF-8
        api().body(invalid).put(path(targetId)).then().statusCode(400)
                .body("id", equalTo("bad_request"))
                .body("message", startsWith("malformed JSON"));

        String huge = "{\"source\": {\"host\": \"" + "h".repeat(2 * 1024 * 1024) + "\", \"port\": 1}}";
        api().body(huge).put(path(targetId)).then().statusCode(413)
                .body("id", equalTo("request_entity_too_large"))
                .body("message", equalTo("the request body is larger than 1024 KiB"));

        // fields of the source the provider's clients send that mean nothing here (dbname, its OpenAPI's database
        // and ssl) are ignored; an unknown top-level field is refused (hostileInputsAreRefusedNamingTheField)
        api().body(Map.of("source", Map.of("host", "127.0.0.1", "port", aclSource.port(), "dbname", "defaultdb",
                        "sslmode", "require", "database", "nyc3"), "disable_ssl", true, "ignore_dbs", List.of()))
                .post(path(targetId) + "/check").then().statusCode(200)
                // the request was read as sent: every check ran against that source, nothing echoes the extras
                .body("checks.name", hasItems("source", "target", "distinct", "method"))
                .body("checks.find { it.name == 'source' }.message", containsString("127.0.0.1:" + aclSource.port()))
                .body(not(containsString("nyc3")))
                .body(not(containsString("sslmode")));
    }

    /** A request as a hostile caller sends it, and the 4xx it must get. */
    private record Row(String defect, String method, String path, String body, int status, String message) {
    }

    private static final String SECRET = "hunter2-secret";

    /**
     * Each row one defect: never a 500, a stack trace in the log, an echo of a value that may be a
     * secret, or a silent coercion; the answer names the field.
     */
    @Test
    void hostileInputsAreRefusedNamingTheField() {
        String targetId = registerTarget(target);
        String put = path(targetId);
        int port = aclSource.port();
        String src = "\"host\": \"127.0.0.1\", \"port\": " + port;
        String doc = "{\"source\": {" + src + "}, \"disable_ssl\": true}";
        List<Row> rows = List.of(
                new Row("NUL in a name", "POST", "/v2/databases",
                        "{\"name\": \"a\\u0000b\", \"connection\": {\"host\": \"127.0.0.1\", \"port\": 1}}", 400,
                        "invalid value for name (control characters such as NUL or line breaks are not allowed)"),
                new Row("NUL in a username", "POST", "/v2/databases",
                        "{\"name\": \"n\", \"connection\": {\"host\": \"127.0.0.1\", \"port\": 1, \"username\": \"u\\u0000\"}}",
                        400, "invalid value for connection.username (control characters such as NUL or line breaks are not allowed)"),
                new Row("line break in a source username", "PUT", put,
                        "{\"source\": {" + src + ", \"username\": \"a\\nb\"}, \"disable_ssl\": true}", 400,
                        "invalid value for source.username (control characters such as NUL or line breaks are not allowed)"),
                new Row("NUL in a password (not quoted back)", "PUT", put,
                        "{\"source\": {" + src + ", \"password\": \"" + SECRET + "\\u0000\"}, \"disable_ssl\": true}", 400,
                        "invalid value for source.password (control characters such as NUL or line breaks are not allowed)"),
                new Row("NUL in an ignore_dbs entry", "PUT", put,
                        "{\"source\": {" + src + "}, \"disable_ssl\": true, \"ignore_dbs\": [\"db1\", \"db\\u00002\"]}", 400,
                        "invalid value for ignore_dbs[1] (control characters such as NUL or line breaks are not allowed)"),
                new Row("a second document after the first", "PUT", put,
                        doc + "{\"disable_ssl\": false}", 400,
                        "trailing data after the JSON document at line 1, column " + (doc.length() + 1)),
                new Row("text after the document", "PUT", put,
                        doc + " x", 400, "malformed JSON at line 1, column " + (doc.length() + 2)),
                new Row("a key given twice", "POST", "/v2/databases",
                        "{\"name\": \"n\", \"connection\": {\"host\": \"127.0.0.1\", \"port\": 1, \"port\": 2}}", 400,
                        "duplicate key connection.port: each key may appear once"),
                new Row("a password given twice (not quoted back)", "PUT", put,
                        "{\"source\": {" + src + ", \"password\": \"a\", \"password\": \"" + SECRET + "\"}}", 400,
                        "duplicate key source.password: each key may appear once"),
                new Row("a fractional port", "POST", "/v2/databases",
                        "{\"name\": \"n\", \"connection\": {\"host\": \"127.0.0.1\", \"port\": 6379.5}}", 400,
                        "invalid value for connection.port (expected a whole number)"),
                new Row("a port as a string", "PUT", put,
                        "{\"source\": {\"host\": \"127.0.0.1\", \"port\": \"" + port + "\"}, \"disable_ssl\": true}", 400,
                        "invalid value for source.port (expected a whole number)"),
                new Row("a port beyond any integer", "POST", "/v2/databases",
                        "{\"name\": \"n\", \"connection\": {\"host\": \"127.0.0.1\", \"port\": 99999999999}}", 400,
                        "invalid value for connection.port (a number out of range)"),
                new Row("a boolean as a string", "PUT", put,
                        "{\"source\": {" + src + "}, \"disable_ssl\": \"true\"}", 400,
                        "invalid value for disable_ssl (expected a boolean)"),
                new Row("a number for a name", "POST", "/v2/databases",
                        "{\"name\": 7, \"connection\": {\"host\": \"127.0.0.1\", \"port\": 1}}", 400,
                        "invalid value for name (expected a string)"),
                new Row("a port inside the host", "POST", "/v2/databases",
                        "{\"name\": \"n\", \"connection\": {\"host\": \"h:1234\", \"port\": 1}}", 400,
                        "connection.host must not hold a port: give it in connection.port"),
                new Row("a host that is no name and no address", "PUT", put,
                        "{\"source\": {\"host\": \"h:1:x\", \"port\": 1}, \"disable_ssl\": true}", 400,
                        "source.host must be a host name or an IP address"),
                new Row("an unencoded '?' in a URI password (never looked up, never quoted)", "PUT", put,
                        "{\"source\": {\"uri\": \"redis://" + SECRET + "?x@127.0.0.1:" + port + "\"}}", 400,
                        "source.uri: a user name or password with '/', '?', '#' or '@' must be percent-encoded (%2F, %3F, %23, %40)"),
                new Row("an unencoded '#' in a URI password", "PUT", put,
                        "{\"source\": {\"uri\": \"redis://default:" + SECRET + "#x@127.0.0.1:" + port + "\"}}", 400,
                        "source.uri: a user name or password with '/', '?', '#' or '@' must be percent-encoded (%2F, %3F, %23, %40)"),
                new Row("an unencoded '@' in a URI password", "PUT", put,
                        "{\"source\": {\"uri\": \"redis://:" + SECRET + "@x@127.0.0.1:" + port + "\"}}", 400,
                        "source.uri: a user name or password with '/', '?', '#' or '@' must be percent-encoded (%2F, %3F, %23, %40)"),
                new Row("a query after a URI", "PUT", put,
                        "{\"source\": {\"uri\": \"redis://127.0.0.1:" + port + "/0?password=" + SECRET + "\"}}", 400,
                        "source.uri may end with a db number (/0) and nothing else (no ?query, no #fragment)"),
                new Row("an unclosed IPv6 bracket in a URI", "PUT", put,
                        "{\"source\": {\"uri\": \"redis://:" + SECRET + "@[::1:" + port + "\"}}", 400,
                        "source.uri is not a valid connection string (characters that are not allowed in a URI,"
                                + " e.g. in the password, must be percent-encoded)"),
                // bodies of this service's own: a field they do not know is a typo, never silently ignored
                new Row("a misspelt limit in a start", "PUT", put,
                        "{\"source\": {" + src + "}, \"disable_ssl\": true, \"limits\": {\"keys_per_sec\": 5}}", 400,
                        "unknown field limits.keys_per_sec (known: commands_per_second, keys_per_second)"),
                new Row("a misspelt key filter in a start (ignored, every key would be migrated)", "PUT", put,
                        "{\"source\": {" + src + "}, \"disable_ssl\": true, \"include_key\": [\"user:*\"]}", 400,
                        "unknown field include_key (known: allow_merge, db_map, disable_ssl, exclude_keys, ignore_dbs,"
                                + " include_keys, limits, method, snapshot_load, source)"),
                new Row("a misspelt limit in a change", "PATCH", put + "/" + UUID.randomUUID(),
                        "{\"limits\": {\"commands_per_sec\": 5}}", 400,
                        "unknown field limits.commands_per_sec (known: commands_per_second, keys_per_second)"),
                new Row("a change of something that cannot change", "PATCH", put + "/" + UUID.randomUUID(),
                        "{\"ignore_dbs\": [\"db1\"]}", 400, "unknown field ignore_dbs (known: limits)"),
                new Row("a misspelt sample size", "POST", "/v2/migrations/" + UUID.randomUUID() + "/verify",
                        "{\"mode\": \"sample\", \"sample\": 50}", 400, "unknown field sample (known: mode, sample_size)"),
                new Row("a misspelt completion option", "POST", put + "/" + UUID.randomUUID() + "/complete",
                        "{\"pause_writes\": \"10s\"}", 400,
                        "unknown field pause_writes (known: force, pause_source_writes, timeout, verify)"),
                new Row("an unknown field named with control characters and at length", "POST",
                        "/v2/migrations/" + UUID.randomUUID() + "/verify", "{\"a\\u0000" + "b".repeat(100) + "\": 1}", 400,
                        "unknown field a?" + "b".repeat(62) + "… (known: mode, sample_size)"),
                new Row("a page number near Integer.MAX_VALUE", "GET", "/v2/migrations?page=2147483647", null, 400,
                        "page must be at most 42949672 with per_page 50, got 2147483647"),
                new Row("a page size near Integer.MAX_VALUE", "GET", "/v2/migrations?per_page=2147483647", null, 400,
                        "per_page must be between 1 and 200, got 2147483647"),
                new Row("a page number beyond any integer", "GET", "/v2/migrations?page=99999999999", null, 400,
                        "page must be a whole number"));
        try (LogCapture log = LogCapture.start()) {
            for (Row row : rows) {
                var request = api();
                if (row.body() != null) {
                    request = request.body(row.body().getBytes(StandardCharsets.UTF_8));
                }
                Response response = request.request(row.method(), row.path());
                String answer = response.asString();
                assertEquals(row.status(), response.statusCode(), row.defect() + ": " + answer);
                JsonPath json = new JsonPath(answer);
                assertEquals("bad_request", json.getString("id"), row.defect() + ": " + answer);
                assertEquals(row.message(), json.getString("message"), row.defect());
                assertFalse(answer.contains(SECRET), row.defect() + " echoes the secret: " + answer);
            }
            log.assertClean(SECRET);
        }
        // nothing was started by any of them
        api().get(put).then().statusCode(404);
    }

    @Test
    void anIpv6AddressIsAcceptedInBracketsInAUriAndBareInTheHostField() {
        try (RedisServer v6 = RedisServer.start("--bind", "127.0.0.1", "::1")) {
            String targetId = registerTarget(target);
            api().body(Map.of("source", Map.of("uri", "redis://[::1]:" + v6.port())))
                    .post(path(targetId) + "/check").then().statusCode(200)
                    .body("checks.find { it.name == 'source' }.message", startsWith("[::1]:" + v6.port() + " answers"));
            api().body(Map.of("source", Map.of("host", "::1", "port", v6.port()), "disable_ssl", true))
                    .post(path(targetId) + "/check").then().statusCode(200)
                    .body("checks.find { it.name == 'source' }.message", startsWith("[::1]:" + v6.port() + " answers"));
        }
    }

    /** A chunked body has no Content-Length: the limit is found while reading, and still answered. */
    @Test
    void aChunkedBodyOverTheLimitIsAnswered413AndOneWithinItIsRead() throws Exception {
        String targetId = registerTarget(target);
        byte[] huge = ("{\"name\": \"" + "h".repeat(3 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        try (LogCapture log = LogCapture.start()) {
            HttpResponse<String> refused = postChunked("/v2/databases", huge);
            assertEquals(413, refused.statusCode(), refused.body());
            JsonPath json = new JsonPath(refused.body());
            assertEquals("request_entity_too_large", json.getString("id"));
            assertEquals("the request body is larger than 1024 KiB", json.getString("message"));
            log.assertClean();
        }
        // within the limit, a chunked body reaches the resource whole
        byte[] small = ("{\"source\": {\"host\": \"127.0.0.1\", \"port\": " + aclSource.port()
                + "}, \"disable_ssl\": true}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> checked = postChunked(path(targetId) + "/check", small);
        assertEquals(200, checked.statusCode(), checked.body());
        assertEquals(true, new JsonPath(checked.body()).getBoolean("checks.find { it.name == 'source' }.ok"));
    }

    /** RestAssured sends a Content-Length even for a stream; a body of unknown length goes chunked here. */
    private static HttpResponse<String> postChunked(String path, byte[] body) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .header("Authorization", "Bearer " + Api.TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
