package dev.redismigrate.common.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routed, split and redirected writes into a real 3-master Redis Cluster. */
class ClusterWriterTest {
    private static RedisCluster cluster;
    private static RedisConnector connector;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
        connector = ClusterTopologyTest.connector();
    }

    @AfterAll
    static void stop() {
        connector.close();
        cluster.close();
    }

    private static ClusterWriter writer() {
        // a small bound: many flushes, each a pipeline per node
        return new ClusterWriter(connector, new NodeAddresses(ClusterTopologyTest.at(cluster.master(0)), Map.of()), 4096,
                Duration.ofSeconds(10), "writer-test");
    }

    /**
     * A writer whose seed does not answer (a managed failover of the node the target was registered by) reaches the
     * cluster through the nodes an earlier writer knew, and knows them all itself.
     */
    @Test
    void aSeedThatDoesNotAnswerIsPassedOverForTheNodesAlsoKnown() {
        List<String> known;
        try (ClusterWriter first = writer()) {
            known = first.knownNodes();
        }
        assertEquals(3, known.size(), known.toString());
        RedisServer gone = RedisServer.start();
        int port = gone.port();
        gone.close(); // nothing listens there any more
        NodeAddresses deadSeed = new NodeAddresses(new dev.redismigrate.common.redis.RedisEndpoint("127.0.0.1", port, null, null,
                false), Map.of());
        assertThrows(ClusterWriteException.class, () -> new ClusterWriter(connector, deadSeed, 100, 4096,
                Duration.ofSeconds(5), "writer-test", List.of()).close(), "the seed alone: not reached");
        try (ClusterWriter writer = new ClusterWriter(connector, deadSeed, 100, 4096, Duration.ofSeconds(5), "writer-test", known)) {
            writer.write(argv("SET", "through-another-node", "v"));
            writer.flush();
            assertEquals(known, writer.knownNodes());
        }
        assertEquals("v", cluster.cli("GET", "through-another-node").trim());
    }

    /**
     * A node that stops answering with many replies pending (its process stopped: the connection stays
     * open, nothing comes back) is a lost connection within one reply timeout for the whole round,
     * not one per command: each reply once got its own timeout, and a copy stalled for minutes.
     */
    @Test
    void aSilentNodeFailsTheRoundWithinOneReplyTimeout() {
        RedisServer silent = cluster.master(2);
        String tag = HashSlot.tag(15000); // master 2 serves 10922-16383
        try (ClusterWriter writer = new ClusterWriter(connector, new NodeAddresses(ClusterTopologyTest.at(cluster.master(0)),
                Map.of()), 1 << 20, Duration.ofMillis(300), "writer-test")) {
            writer.write(argv("SET", "{" + tag + "}warm", "v")); // the connection to master 2 opened
            writer.flush();
            silent.freeze(true);
            long start = System.nanoTime();
            try {
                for (int i = 0; i < 200; i++) {
                    writer.write(argv("SET", "{" + tag + "}k" + i, "v"));
                }
                ClusterWriteException e = assertThrows(ClusterWriteException.class, writer::flush);
                double seconds = (System.nanoTime() - start) / 1e9;
                // one timeout per reply would be 200 x 0.3 s = 60 s
                assertTrue(seconds < 5, "the silent node reported after " + seconds + " s: " + e.getMessage());
                assertTrue(e instanceof ClusterNodeLostException, e.getMessage());
            } finally {
                silent.freeze(false);
            }
        }
    }

    static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    private static long dbsize(RedisServer node) {
        return Long.parseLong(node.cli("DBSIZE").trim());
    }

    @Test
    void commandsGoToTheirSlotsMasterAndMultiKeyCommandsAreSplitOrRefused() {
        try (ClusterWriter writer = writer()) {
            // keyless, for the whole data set: sent to every master
            writer.write(argv("FLUSHALL"));
            writer.flush();
            assertEquals(0, cluster.nodes().stream().mapToLong(ClusterWriterTest::dbsize).sum());
            for (int i = 0; i < 2000; i++) {
                writer.write(argv("SET", "w:" + i, "v" + i));
            }
            writer.write(argv("MSET", "m:a", "1", "m:b", "2", "m:c", "3", "m:d", "4"));
            writer.write(argv("DEL", "w:0", "w:1", "w:2", "w:3", "w:4"));
            writer.write(argv("ZADD", "{z}a", "1", "x"));
            writer.write(argv("ZADD", "{z}b", "2", "y"));
            // movable keys: placed by COMMAND GETKEYS
            writer.write(argv("ZUNIONSTORE", "{z}sum", "2", "{z}a", "{z}b"));
            // a subcommand's key (xgroup|create: key at 2)
            writer.write(argv("XGROUP", "CREATE", "x:stream", "group", "$", "MKSTREAM"));
            writer.write(argv("RENAME", "{r}from", "{r}to"));
            assertThrows(ClusterWriteException.class, writer::flush, "RENAME of a missing key fails on the server");
            writer.flush();

            long total = cluster.nodes().stream().mapToLong(ClusterWriterTest::dbsize).sum();
            assertEquals(1995 + 4 + 3 + 1, total);
            for (RedisServer master : cluster.nodes()) {
                assertTrue(dbsize(master) > 500, "every master took its share: " + dbsize(master));
            }
            assertEquals("v1999", cluster.cli("GET", "w:1999").trim());
            assertEquals("3", cluster.cli("GET", "m:c").trim());
            assertEquals("2", cluster.cli("ZCARD", "{z}sum").trim());
            assertEquals("", cluster.cli("GET", "w:3").trim());

            String keysApart = HashSlot.of("b") + ", " + HashSlot.of("a"); // ascending: 3300, 15495
            CrossSlotException msetnx = assertThrows(CrossSlotException.class,
                    () -> writer.write(argv("MSETNX", "b", "1", "a", "2")));
            assertEquals("MSETNX with keys in slots " + keysApart + " of the target: a cluster runs a multi-key command "
                    + "within one slot only, and MSETNX cannot be split into one command per slot without changing its "
                    + "meaning", msetnx.getMessage());
            assertTrue(assertThrows(CrossSlotException.class, () -> writer.write(argv("RENAME", "a", "b"))).getMessage()
                    .startsWith("RENAME with keys in slots " + keysApart));
            assertTrue(assertThrows(CrossSlotException.class, () -> writer.write(argv("ZUNIONSTORE", "a", "1", "b")))
                    .getMessage().startsWith("ZUNIONSTORE with keys in slots " + keysApart));
            assertEquals("PING has no key: a cluster target cannot tell which node it is for",
                    assertThrows(ClusterWriteException.class, () -> writer.write(argv("PING"))).getMessage());
        }
    }

    @Test
    void splitsKeepTheOrderOfKeysPerSlot() {
        CommandKeys keys = CommandKeys.of(List.of(
                List.of("del", -2, List.of("write"), 1, -1, 1),
                List.of("mset", -3, List.of("write"), 1, -1, 2)), argv -> List.of());
        List<CommandKeys.Part> parts = keys.perSlot(argv("MSET", "{x}1", "a", "{y}1", "b", "{x}2", "c"));
        assertEquals(List.of(List.of("MSET", "{x}1", "a", "{x}2", "c"), List.of("MSET", "{y}1", "b")),
                parts.stream().map(p -> strings(p.argv())).toList());
        assertEquals(List.of(HashSlot.of("x"), HashSlot.of("y")), parts.stream().map(CommandKeys.Part::slot).toList());
        assertEquals(List.of(List.of("del", "{x}1", "{x}2", "{x}3")),
                keys.perSlot(argv("del", "{x}1", "{x}2", "{x}3")).stream().map(p -> strings(p.argv())).toList());
    }

    private static List<String> strings(byte[][] argv) {
        List<String> out = new ArrayList<>();
        for (byte[] a : argv) {
            out.add(new String(a, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void aSlotMigratedMidWriteIsFollowedByAskThenMoved() {
        int slot = HashSlot.of("{m}");
        try (ClusterWriter writer = writer()) {
            RedisServer from = server(writer.topology().masterOf(slot).port());
            RedisServer to = cluster.nodes().stream().filter(n -> n != from).findFirst().orElseThrow();
            for (int i = 0; i < 200; i++) {
                writer.write(argv("SET", "{m}:" + i, "v1"));
            }
            writer.flush();

            to.cli("CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", RedisCluster.nodeId(from));
            from.cli("CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", RedisCluster.nodeId(to));
            migrate(from, to, 0, 100);
            for (int i = 0; i < 200; i++) {
                writer.write(argv("SET", "{m}:" + i, "v2"));
            }
            for (int i = 0; i < 50; i++) {
                writer.write(argv("SET", "{m}:new:" + i, "n"));
            }
            writer.flush();
            // the 100 keys moved already and the 50 new ones: ASK
            assertEquals(150, writer.askFollowed());
            assertEquals(0, writer.movedFollowed());

            migrate(from, to, 100, 200);
            for (RedisServer node : List.of(to, from)) {
                node.cli("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", RedisCluster.nodeId(to));
            }
            for (int i = 0; i < 200; i++) {
                writer.write(argv("SET", "{m}:" + i, "v3"));
            }
            writer.flush();
            assertTrue(writer.movedFollowed() > 0);
            assertEquals(to.port(), writer.topology().masterOf(slot).port(), "the topology was re-read after MOVED");

            assertEquals("250", to.cli("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot)).trim());
            assertEquals("0", from.cli("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot)).trim());
            for (int i : new int[] {0, 99, 100, 199}) {
                assertEquals("v3", to.cli("GET", "{m}:" + i).trim());
            }
            assertEquals("n", to.cli("GET", "{m}:new:49").trim());
        }
    }

    private static void migrate(RedisServer from, RedisServer to, int first, int end) {
        List<String> args = new ArrayList<>(List.of("MIGRATE", to.host(), Integer.toString(to.port()), "", "0", "5000", "KEYS"));
        for (int i = first; i < end; i++) {
            args.add("{m}:" + i);
        }
        assertEquals("OK", from.cli(args.toArray(String[]::new)).trim());
    }

    private static RedisServer server(int port) {
        return cluster.nodes().stream().filter(n -> n.port() == port).findFirst().orElseThrow();
    }

    @Test
    void theWorkersEntrySinkRefusesOtherDbsAndUnsplittableCommandsNamingThem() {
        try (dev.redismigrate.common.pipeline.ClusterEntryWriter sink = new dev.redismigrate.common.pipeline.ClusterEntryWriter(
                writer(), "the-seed:1")) {
            sink.write(new dev.redismigrate.common.pipeline.Entry(0, argv("MSET", "e:a", "1", "e:b", "2", "e:c", "3"), -1));
            sink.write(new dev.redismigrate.common.pipeline.Entry(0, argv("PUBLISH", "news", "to one master"), -1));
            sink.flush();
            assertEquals("2", cluster.cli("GET", "e:b").trim());
            assertTrue(sink.bytesApplied() > 0);
            var db3 = assertThrows(dev.redismigrate.common.pipeline.TargetWriteException.class,
                    () -> sink.write(new dev.redismigrate.common.pipeline.Entry(3, argv("SET", "k", "v"), -1)));
            assertEquals("the target the-seed:1 is a cluster, which has db 0 only: SET of the source's db 3 has nowhere to go"
                    + " (leave that db out with ignore_dbs)", db3.getMessage());
            var smove = assertThrows(dev.redismigrate.common.pipeline.TargetWriteException.class,
                    () -> sink.write(new dev.redismigrate.common.pipeline.Entry(0, argv("SMOVE", "e:a", "e:b", "m"), -1)));
            assertTrue(smove.getMessage().startsWith("the cluster target the-seed:1: SMOVE with keys in slots "), smove.getMessage());
        }
    }

    @Test
    void aConnectionKilledBeforeItsRepliesIsALostNodeAndAnErrorReplyIsARefusal() throws InterruptedException {
        try (ClusterWriter writer = writer()) {
            writer.write(argv("SET", "lost:a", "1"));
            writer.flush();
            writer.write(argv("LPUSH", "lost:a", "x"));
            ClusterWriteException refused = assertThrows(ClusterWriteException.class, writer::flush);
            assertTrue(!(refused instanceof ClusterNodeLostException), "WRONGTYPE is refused: " + refused.getMessage());

            RedisServer owner = cluster.nodes().stream().filter(n -> n.cli("EXISTS", "lost:a").trim().equals("1")).findFirst()
                    .orElseThrow();
            // commands queued on a connection that dies before they are sent (a proxy restart, a failover)
            for (int i = 0; i < 20; i++) { // under the writer's bound: queued, not sent
                writer.write(argv("SET", "lost:a", "v" + i));
            }
            assertTrue(Long.parseLong(owner.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").trim()) > 0);
            Thread.sleep(300);
            ClusterWriteException lost = assertThrows(ClusterWriteException.class, writer::flush);
            assertTrue(lost instanceof ClusterNodeLostException, "a killed connection is a lost node: " + lost.getMessage());
            writer.write(argv("SET", "lost:a", "again"));
            writer.flush(); // the next flush reconnects
            assertEquals("again", owner.cli("GET", "lost:a").trim());

            // but a closed writer opens nothing: a thread of an ended round writes no more
            writer.close();
            ClusterWriteException closed = assertThrows(ClusterWriteException.class, () -> writer.write(argv("SET", "lost:a", "late")));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            assertEquals("again", owner.cli("GET", "lost:a").trim());
        }
    }
}
