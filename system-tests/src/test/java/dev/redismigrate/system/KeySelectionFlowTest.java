package dev.redismigrate.system;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Key filters and a db map end to end, by both methods: after the snapshot and after writes the
 * stream carries (single keys, DEL and MSET across the filters, writes in the mapped db, binary
 * keys), each target db holds exactly the keys a reference computed on the source selects (the same
 * pure matcher, over every key read from the source), values and expiries equal; nothing else but the
 * stream's checkpoint. A RENAME from a selected to an unselected key ends the replication stream in
 * error naming it; the scan method copies such keys one by one, so there it is simply followed.
 */
class KeySelectionFlowTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    private static final RedisConnector CONNECTOR = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    static MigrationService service;

    @BeforeAll
    static void startService() {
        service = MigrationService.start();
    }

    @AfterAll
    static void stopService() {
        if (service != null) {
            service.close();
        }
        CONNECTOR.close();
    }

    @Test
    void replicationMovesExactlyTheSelectedKeysIntoTheMappedDbsAndRefusesARenameAcrossTheFilters() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            KeySelection selection = new KeySelection(List.of("user:*", "order:*"), List.of("*:tmp"), Map.of(3, 1), false);
            String databaseId = migrate(source, target, selection, "replication");
            String error = awaitError(source, databaseId, "RENAME user:5 session:5");
            assertTrue(error.contains("RENAME in db 0 has keys on both sides of the key filters")
                    && error.contains("'user:5'") && error.contains("'session:5'"), error);
        }
    }

    @Test
    void scanMovesExactlyTheSelectedKeysIntoTheMappedDbsAndFollowsARenameAcrossTheFilters() throws Exception {
        try (RedisServer source = RedisServer.start("--rename-command", "PSYNC", "", "--rename-command", "SYNC", "");
             RedisServer target = RedisServer.start()) {
            // one include pattern: the scan lets the server filter (SCAN ... MATCH)
            KeySelection selection = new KeySelection(List.of("user:*"), List.of("*:tmp"), Map.of(3, 1), false);
            String databaseId = migrate(source, target, selection, "scan");
            try (RedisLink link = open(source)) {
                run(link, "SELECT", "0");
                run(link, "RENAME", "user:5", "session:5");
                run(link, "RENAME", "session:6", "user:6b"); // arrives from outside the filters: copied as it is now
            }
            awaitEqual(source, target, new MigratedKeys(Set.of(1, 5), selection));
            assertEquals("syncing", service.onlineMigration(databaseId).getString("status"));

            // the verifier follows the filters and the map: equal; a selected key of the target's db1 only is extra
            String migrationId = service.onlineMigration(databaseId).getString("id");
            io.restassured.path.json.JsonPath equal = service.verify(migrationId);
            assertEquals("equal", equal.getString("verdict"), equal.prettify());
            assertEquals(1, equal.getInt("result.keyspace.find { it.db == 3 }.target_db"), equal.prettify());
            target.cli("-n", "1", "SET", "user:only-on-target", "x");
            target.cli("-n", "1", "SET", "session:not-ours", "x");
            io.restassured.path.json.JsonPath different = service.verify(migrationId);
            assertEquals("different", different.getString("verdict"), different.prettify());
            assertEquals(1, different.getLong("result.mismatches.extra.count"), different.prettify());
        }
    }

    /** Seeds, starts, checks the snapshot, writes through the stream, checks again; the target's id. */
    private static String migrate(RedisServer source, RedisServer target, KeySelection selection, String method) throws Exception {
        MigratedKeys keys = new MigratedKeys(Set.of(1, 5), selection);
        try (RedisLink link = open(source)) {
            seed(link);
        }
        String databaseId = service.http().body(Map.of("name", "target", "engine", "redis", "connection",
                        Map.of("host", target.host(), "port", target.port(), "ssl", false)))
                .post("/v2/databases").then().statusCode(201).extract().path("database.id");
        service.http().body(Map.of("source", Map.of("host", source.host(), "port", source.port()), "disable_ssl", true,
                        "ignore_dbs", List.of("db1", "db5"), "include_keys", selection.includeKeys(),
                        "exclude_keys", selection.excludeKeys(), "db_map", Map.of("db3", "db1")))
                .put("/v2/databases/{id}/online-migration", databaseId).then().statusCode(200)
                .body("method", equalTo(method)).body("db_map.db3", equalTo("db1"));
        Await.until(Duration.ofSeconds(90), () -> "syncing".equals(service.onlineMigration(databaseId).getString("status")),
                () -> "syncing: " + service.onlineMigration(databaseId).prettify());
        Map<Integer, Integer> selected = awaitEqual(source, target, keys);
        assertTrue(selected.get(0) > 300 && selected.get(1) == 100, "selected per target db: " + selected);
        assertEquals(List.of(), List.of(target.cli("-n", "5", "DBSIZE").trim()).stream().filter(n -> !n.equals("0")).toList(),
                "the ignored db5 stays empty on the target");

        try (RedisLink link = open(source)) {
            run(link, "SELECT", "0");
            run(link, "SET", "user:new", "1");
            run(link, "SET", "session:new", "1");
            run(link, "SET", "user:new:tmp", "1");
            run(link, "DEL", "user:1", "session:1", "user:2");
            run(link, "MSET", "user:m1", "a", "session:m1", "b", "user:m2", "c");
            run(link, "RENAME", "user:3", "user:3b");
            run(link, "PEXPIRE", "user:4", "600000");
            run(link, "HSET", "order:7", "added", "yes");
            link.send(new byte[][] {ascii("SET"), new byte[] {'u', 's', 'e', 'r', ':', (byte) 0xfe, 0}, ascii("bin")}).join();
            for (int i = 0; i < 200; i++) {
                run(link, "INCR", "user:counter");
                run(link, "INCR", "session:counter");
            }
            run(link, "SELECT", "3");
            run(link, "SET", "user:db3new", "x");
            run(link, "DEL", "user:a1", "session:a1");
            run(link, "SELECT", "5");
            run(link, "SET", "user:db5new", "x");
        }
        awaitEqual(source, target, keys);
        assertEquals("0", target.cli("-n", "5", "DBSIZE").trim());
        return databaseId;
    }

    /** Selected and unselected keys of every type, binary names too; db3 (mapped into db1), db1 and db5 (ignored). */
    private static void seed(RedisLink link) {
        run(link, "SELECT", "0");
        for (int i = 0; i < 300; i++) {
            run(link, "SET", "user:" + i, "v" + i);
            run(link, "SET", "session:" + i, "s" + i);
        }
        for (int i = 0; i < 20; i++) {
            run(link, "SET", "user:" + i + ":tmp", "t");
            run(link, "HSET", "order:" + i, "qty", Integer.toString(i));
        }
        run(link, "RPUSH", "user:list", "a", "b", "c");
        run(link, "ZADD", "user:zset", "1.5", "a", "2", "b");
        run(link, "SADD", "session:set", "x");
        run(link, "SET", "user:ttl", "t", "EX", "3600");
        link.send(new byte[][] {ascii("SET"), new byte[] {'u', 's', 'e', 'r', ':', (byte) 0xff, 0, 'x'}, ascii("bin")}).join();
        link.send(new byte[][] {ascii("SET"), new byte[] {(byte) 0xff, 'u', 's', 'e', 'r'}, ascii("bin")}).join();
        run(link, "SELECT", "3");
        for (int i = 0; i < 100; i++) {
            run(link, "SET", "user:a" + i, "x");
            run(link, "SET", "session:a" + i, "x");
        }
        run(link, "SELECT", "1");
        run(link, "SET", "user:db1", "ignored");
        run(link, "SELECT", "5");
        run(link, "SET", "user:db5", "ignored");
    }

    /** Until the target equals the reference; the reference's key count per target db. */
    private static Map<Integer, Integer> awaitEqual(RedisServer source, RedisServer target, MigratedKeys keys) throws Exception {
        AtomicReference<KeyByKey.Comparison> last = new AtomicReference<>();
        Map<Integer, Integer> selected = new TreeMap<>();
        try (KeyByKey compare = new KeyByKey(source, target)) {
            Await.until(Duration.ofSeconds(60), () -> {
                last.set(compare.compareSelected(keys, 16, selected));
                return last.get().differences().isEmpty();
            }, () -> "the target holds exactly the selected keys: " + last.get().differences());
        }
        return selected;
    }

    private static String awaitError(RedisServer source, String databaseId, String command) throws Exception {
        try (RedisLink link = open(source)) {
            run(link, "SELECT", "0");
            run(link, command.split(" "));
        }
        Await.until(Duration.ofSeconds(30), () -> "error".equals(service.onlineMigration(databaseId).getString("status")),
                () -> "error after " + command + ": " + service.onlineMigration(databaseId).prettify());
        return service.onlineMigration(databaseId).getString("error");
    }

    private static RedisLink open(RedisServer server) {
        return CONNECTOR.open(new RedisEndpoint(server.host(), server.port(), null, null, false), "test-writer");
    }

    private static void run(RedisLink link, String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        link.send(argv).join();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
