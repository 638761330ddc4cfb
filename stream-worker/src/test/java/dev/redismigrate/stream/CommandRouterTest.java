package dev.redismigrate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.cluster.CommandKeys;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the stream makes of replicated commands under key filters and a db map, with the key table
 * of a real server (COMMAND, and COMMAND GETKEYS for a script's keys).
 */
class CommandRouterTest {
    private static RedisServer server;
    private static RedisLink link;
    private static CommandKeys commandKeys;

    @BeforeAll
    static void keyTable() {
        server = RedisServer.start();
        link = new RedisConnector(new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE="), Duration.ofSeconds(5),
                Duration.ofSeconds(5), 1).open(new RedisEndpoint(server.host(), server.port(), null, null, false), "router-test");
        commandKeys = CommandKeys.readFrom(link, Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        link.close();
        server.close();
    }

    /** user:* but user:*:tmp; db3 into db1; db5 ignored; 16 dbs. */
    private static CommandRouter filtered() {
        MigratedKeys keys = new MigratedKeys(Set.of(1, 5), new KeySelection(List.of("user:*"), List.of("user:*:tmp"),
                Map.of(3, 1), false));
        return new CommandRouter(keys, commandKeys, 16, 0);
    }

    private static List<String> routed(CommandRouter router, String... argv) {
        List<String> out = new ArrayList<>();
        for (Entry e : router.route(argv(argv), 1)) {
            out.add(e.db() + " " + String.join(" ", Arrays.stream(e.argv()).map(a -> new String(a, StandardCharsets.UTF_8)).toList()));
        }
        return out;
    }

    private static byte[][] argv(String... args) {
        return Arrays.stream(args).map(a -> a.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }

    @Test
    void commandsOfSelectedKeysPassThoseOfOthersAreDropped() {
        CommandRouter router = filtered();
        assertEquals(List.of("0 SET user:1 a"), routed(router, "SET", "user:1", "a"));
        assertEquals(List.of(), routed(router, "SET", "session:1", "a"));
        assertEquals(List.of(), routed(router, "SET", "user:1:tmp", "a"), "excluded");
        assertEquals(List.of("0 RENAME user:1 user:2"), routed(router, "RENAME", "user:1", "user:2"));
        assertEquals(List.of(), routed(router, "RENAME", "session:1", "session:2"));
        assertEquals(List.of("0 MULTI"), routed(router, "MULTI"), "transaction boundaries always pass");
        assertEquals(List.of("0 PUBLISH ch m"), routed(router, "PUBLISH", "ch", "m"), "a command without keys passes");
    }

    @Test
    void splittableCommandsAreNarrowedToTheSelectedKeys() {
        CommandRouter router = filtered();
        assertEquals(List.of("0 DEL user:1 user:3"), routed(router, "DEL", "user:1", "session:2", "user:3", "user:4:tmp"));
        assertEquals(List.of("0 UNLINK user:1"), routed(router, "UNLINK", "session:1", "user:1"));
        assertEquals(List.of("0 MSET user:1 a user:2 c"), routed(router, "MSET", "user:1", "a", "session:1", "b", "user:2", "c"));
    }

    @Test
    void commandsWithKeysOnBothSidesThatCannotBeSplitAreRefusedNamingThem() {
        CommandRouter router = filtered();
        for (String[] command : List.of(
                new String[] {"RENAME", "user:1", "session:1"},
                new String[] {"SMOVE", "user:s", "session:s", "m"},
                new String[] {"SINTERSTORE", "user:d", "session:a", "user:b"},
                new String[] {"MSETNX", "user:1", "a", "session:1", "b"},
                new String[] {"EVAL", "return 1", "2", "user:1", "session:1"})) {
            String message = assertThrows(CommandRouter.RefusedCommandException.class, () -> router.route(argv(command), 1))
                    .getMessage();
            assertTrue(message.startsWith(command[0] + " in db 0 has keys on both sides of the key filters"), message);
            assertTrue(message.contains("'session:"), message);
        }
        assertEquals(List.of("0 EVAL return 1 1 user:1"), routed(router, "EVAL", "return 1", "1", "user:1"));
    }

    @Test
    void aMappedDbsCommandsGoIntoItsTargetDbAndIgnoredDbsAreDropped() {
        CommandRouter router = filtered();
        routed(router, "SELECT", "3");
        assertEquals(List.of("1 SET user:1 a"), routed(router, "SET", "user:1", "a"));
        assertEquals(3, router.db(), "the source's db, for the offset");
        routed(router, "SELECT", "5");
        assertEquals(List.of(), routed(router, "SET", "user:1", "a"));
        routed(router, "SELECT", "1");
        assertEquals(List.of(), routed(router, "SET", "user:1", "a"), "db1 is ignored (db3 goes there)");
    }

    @Test
    void flushesAndSwapdbAreRefusedWithKeyFilters() {
        CommandRouter router = filtered();
        assertTrue(assertThrows(CommandRouter.RefusedCommandException.class, () -> router.route(argv("FLUSHDB"), 1))
                .getMessage().startsWith("FLUSHDB in db 0 with key filters"));
        assertThrows(CommandRouter.RefusedCommandException.class, () -> router.route(argv("FLUSHALL"), 1));
        assertThrows(CommandRouter.RefusedCommandException.class, () -> router.route(argv("SWAPDB", "0", "3"), 1));
        routed(router, "SELECT", "5");
        assertEquals(List.of(), routed(router, "FLUSHDB"), "an ignored db's flush concerns nothing migrated");
    }

    @Test
    void aFlushFromAClusterSourcesShardIsRefusedOnlyWhenItsSlotsAreNotKnown() {
        MigratedKeys all = new MigratedKeys(Set.of(), KeySelection.ALL);
        CommandRouter unknown = new CommandRouter(all, null, 1, 0, true);
        String message = assertThrows(CommandRouter.RefusedCommandException.class, () -> unknown.route(argv("FLUSHALL"), 1))
                .getMessage();
        assertTrue(message.startsWith("FLUSHALL on one master of the cluster source removed that shard's keys only, and this"
                + " stream does not know the shard's slots"), message);
        assertThrows(CommandRouter.RefusedCommandException.class, () -> unknown.route(argv("FLUSHDB", "ASYNC"), 1));
        assertEquals(List.of("0 SET k v"), routed(unknown, "SET", "k", "v"), "other commands are applied as ever");
        // slots known: the applier narrows the flush to them (ShardFlush)
        assertEquals(List.of("0 FLUSHALL"), routed(new CommandRouter(all, null, 1, 0, false), "FLUSHALL"));

        assertEquals(null, ShardFlush.slotsOf(null, null), "a standalone source's flush is the whole source's");
        assertEquals(null, ShardFlush.slotsOf(0, "0-16383"), "one master holds every slot: its flush is the whole source's");
        assertEquals(5461, ShardFlush.slotsOf(1, "5461-10921").nextSetBit(0));
        assertEquals(5461, ShardFlush.slotsOf(1, "5461-10921").cardinality());
    }

    @Test
    void withoutFiltersDbCommandsAreMappedOrRefusedWhereTheMapChangesTheirMeaning() {
        // db3 → db1 and db1 ignored; db4 and db0 merged into db0 (allowed); db5 ignored
        MigratedKeys keys = new MigratedKeys(Set.of(1, 5), new KeySelection(List.of(), List.of(), Map.of(3, 1, 4, 0), true));
        CommandRouter router = new CommandRouter(keys, null, 8, 0);
        List<String> flushAll = routed(router, "FLUSHALL");
        assertEquals(List.of("0 FLUSHDB", "1 FLUSHDB", "2 FLUSHDB", "6 FLUSHDB", "7 FLUSHDB"), flushAll);
        routed(router, "SELECT", "3");
        assertEquals(List.of("1 FLUSHDB"), routed(router, "FLUSHDB"));
        assertEquals(List.of("1 MOVE k 2"), routed(router, "MOVE", "k", "2"));
        assertEquals(List.of("1 DEL k"), routed(router, "MOVE", "k", "5"), "moved into an ignored db: gone from what is migrated");
        assertEquals(List.of("1 COPY a b DB 0"), routed(router, "COPY", "a", "b", "DB", "4"));
        assertEquals(List.of(), routed(router, "COPY", "a", "b", "DB", "5"));
        assertEquals(List.of("1 SWAPDB 1 2"), routed(router, "SWAPDB", "3", "2"));
        assertTrue(assertThrows(CommandRouter.RefusedCommandException.class, () -> router.route(argv("SWAPDB", "3", "5"), 1))
                .getMessage().contains("ignored db"));
        routed(router, "SELECT", "4");
        assertTrue(assertThrows(CommandRouter.RefusedCommandException.class, () -> router.route(argv("FLUSHDB"), 1))
                .getMessage().startsWith("FLUSHDB of db 4, which db_map merges with db0"));
        assertEquals(List.of(), routed(router, "MOVE", "k", "0"), "db4 and db0 are one target db: the key stays");
        routed(router, "SELECT", "5");
        assertTrue(assertThrows(CommandRouter.RefusedCommandException.class, () -> router.route(argv("MOVE", "k", "2"), 1))
                .getMessage().contains("from the ignored db 5"));
        assertThrows(CommandRouter.RefusedCommandException.class, () -> router.route(argv("COPY", "a", "b", "DB", "2"), 1));
    }
}
