package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.TestCertificates;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
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
        api().body(huge).put(path(targetId)).then().statusCode(413);

        // fields the provider's clients send that mean nothing here (dbname, extra keys) are ignored
        api().body(Map.of("source", Map.of("host", "127.0.0.1", "port", aclSource.port(), "dbname", "defaultdb",
                        "sslmode", "require"), "disable_ssl", true, "ignore_dbs", List.of(), "region", "nyc3"))
                .post(path(targetId) + "/check").then().statusCode(200);
    }
}
