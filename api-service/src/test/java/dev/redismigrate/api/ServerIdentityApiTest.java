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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which server is which comes from the server (its run_id), not from the address: another address
 * of the target is no other source, a server registered twice takes one migration at a time, and a
 * server is not at once the source of one active migration and the target of another.
 */
@QuarkusTest
class ServerIdentityApiTest {
    private final List<RedisServer> servers = new ArrayList<>();

    /** A server that 127.0.0.1 and 127.0.0.2 (and 0.0.0.0, localhost) all reach. */
    private RedisServer server() {
        RedisServer s = RedisServer.start("--bind", "127.0.0.1", "127.0.0.2");
        servers.add(s);
        return s;
    }

    @AfterEach
    void stop() {
        servers.forEach(RedisServer::close);
    }

    private static String path(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    private static Map<String, Object> sourceAt(String host, RedisServer s) {
        return Map.of("source", Map.of("host", host, "port", s.port()), "disable_ssl", true);
    }

    private static String register(String host, RedisServer s) {
        return api().body(Map.of("name", "at-" + host, "connection", Map.of("host", host, "port", s.port(), "ssl", false)))
                .post("/v2/databases").then().statusCode(201).extract().path("database.id");
    }

    private static JsonPath check(String targetId, Object body) {
        return api().body(body).post(path(targetId) + "/check").then().statusCode(200)
                .body("ok", equalTo(false)).extract().jsonPath();
    }

    private static String message(JsonPath report, String check) {
        assertEquals(false, report.getBoolean("checks.find { it.name == '" + check + "' }.ok"), report.prettify());
        return report.getString("checks.find { it.name == '" + check + "' }.message");
    }

    @Test
    void theTargetUnderAnotherAddressIsNotAnotherSource() {
        RedisServer target = server();
        String targetId = registerTarget(target);
        String at = "127.0.0.1:" + target.port();
        for (String alias : List.of("127.0.0.2", "0.0.0.0")) {
            String expected = "the source " + alias + ":" + target.port() + " and the target " + at
                    + " are one server (the same run_id): a server migrated into itself would replay its own writes forever";
            assertEquals(expected, message(check(targetId, sourceAt(alias, target)), "distinct"));
            api().body(sourceAt(alias, target)).put(path(targetId)).then().statusCode(422)
                    .body("message", containsString("distinct: " + expected))
                    .body("checks.name", equalTo(List.of("distinct")));
        }
        // a name of the same address: refused before any server is asked
        String byName = "the source localhost:" + target.port() + " and the target " + at + " are one server (the same address)";
        assertEquals(true, message(check(targetId, sourceAt("localhost", target)), "distinct").startsWith(byName));
        api().body(sourceAt("localhost", target)).put(path(targetId)).then().statusCode(422)
                .body("message", containsString(byName));
        api().get(path(targetId)).then().statusCode(404);
    }

    @Test
    void aServerRegisteredTwiceTakesOneMigrationAtATime() {
        RedisServer source = server();
        RedisServer other = server();
        RedisServer target = server();
        String first = register("127.0.0.1", target);
        String second = register("127.0.0.2", target);
        String id = api().body(source(source, null)).put(path(first)).then().statusCode(200).extract().path("id");

        String busy = "the target 127.0.0.2:" + target.port() + " is the server of database " + first + " (at-127.0.0.1, "
                + "127.0.0.1:" + target.port() + ") too, which active migration " + id + " writes into: one active "
                + "migration per server";
        assertEquals(busy, message(check(second, source(other, null)), "target_free"));
        api().body(source(other, null)).put(path(second)).then().statusCode(409)
                .body("id", equalTo("conflict")).body("message", equalTo(busy));

        // once it ends, the other registration takes one
        api().delete(path(first) + "/" + id).then().statusCode(204);
        api().body(source(other, null)).put(path(second)).then().statusCode(200);
    }

    @Test
    void concurrentStartsIntoOneServerThroughTwoRegistrationsLetOneThrough() throws Exception {
        RedisServer source = server();
        RedisServer target = server();
        List<String> registrations = List.of(register("127.0.0.1", target), register("127.0.0.2", target),
                register("localhost", target), register("0.0.0.0", target));
        ExecutorService pool = Executors.newFixedThreadPool(registrations.size());
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (String id : registrations) {
                Callable<Integer> put = () -> api().body(source(source, null)).put(path(id)).then().extract().statusCode();
                answers.add(pool.submit(put));
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                codes.add(answer.get(60, TimeUnit.SECONDS));
            }
            assertEquals(1, codes.stream().filter(c -> c == 200).count(), codes.toString());
            assertEquals(registrations.size() - 1, codes.stream().filter(c -> c == 409).count(), codes.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aServerIsNotAtOnceTheSourceOfOneMigrationAndTheTargetOfAnother() {
        RedisServer a = server();
        RedisServer b = server();
        RedisServer c = server();
        String intoB = registerTarget(b);
        String id = api().body(source(a, null)).put(path(intoB)).then().statusCode(200).extract().path("id");

        // b is being written into: it is no source, under any of its addresses
        String intoC = registerTarget(c);
        for (String host : List.of("127.0.0.1", "127.0.0.2")) {
            String expected = "the source " + host + ":" + b.port() + " is the target of active migration " + id
                    + " (database " + intoB + "): it cannot be a source until that migration ends";
            assertEquals(expected, message(check(intoC, sourceAt(host, b)), "source_free"));
            api().body(sourceAt(host, b)).put(path(intoC)).then().statusCode(409).body("message", equalTo(expected));
        }

        // a is being read from: it takes no writes
        String intoA = register("127.0.0.2", a);
        String expected = "the target 127.0.0.2:" + a.port() + " is the source of active migration " + id
                + ": it takes no migration's writes until that migration ends";
        assertEquals(expected, message(check(intoA, source(c, null)), "target_free"));
        api().body(source(c, null)).put(path(intoA)).then().statusCode(409).body("message", equalTo(expected));

        // one source into two targets is fine
        api().body(source(a, null)).put(path(intoC)).then().statusCode(200);
    }
}
