package dev.redismigrate.common.value;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Streams rebuilt type by type between real servers, Valkey 8 → Redis 7.0 (the target cannot load
 * Valkey's DUMP), Redis 7.0 → Redis 7.0 and Redis 7.0 → Valkey 8: entries, last id, and per consumer group its last
 * delivered id, consumers (also without pending entries) and pending entries with their consumer,
 * delivery count and idle time, also those whose entry was deleted.
 */
class TypeWiseReaderTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Idle times of source and target are read a moment apart, and XCLAIM's TIME is in ms. */
    private static final long IDLE_TOLERANCE_MS = 2000;
    private static final List<String> STREAMS = List.of("orders", "emptied", "bigpel", "bare");

    @Test
    void valkey8StreamsWithConsumersAndPendingEntriesAreRebuiltExactlyInRedis70() {
        try (RedisServer source = RedisServer.startValkey(); RedisServer target = RedisServer.start()) {
            copyAndCompare(source, target);
        }
    }

    @Test
    void redisStreamsWithConsumersAndPendingEntriesAreRebuiltExactlyInRedis() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            copyAndCompare(source, target);
            assertEquals(source.digest(), target.digest(), "DEBUG DIGEST (a stream's groups and PELs included)");
        }
    }

    @Test
    void redis70StreamsWithConsumersAndPendingEntriesAreRebuiltExactlyInValkey8() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.startValkey()) {
            copyAndCompare(source, target);
        }
    }

    private static void copyAndCompare(RedisServer source, RedisServer target) {
        StringBuilder data = new StringBuilder(String.join("\n",
                // orders: two groups; alice, bob and carol (nothing pending) in g1, dave in g2
                "XADD orders 1-1 item a", "XADD orders 1-2 item b", "XADD orders 2-1 item c", "XADD orders 2-2 item d",
                "XADD orders 3-1 item e", "XADD orders 4-1 item f",
                "XGROUP CREATE orders g1 0", "XGROUP CREATE orders g2 1-1",
                "XREADGROUP GROUP g1 alice COUNT 3 STREAMS orders >",
                "XREADGROUP GROUP g1 bob COUNT 2 STREAMS orders >",
                // alice's pending delivered twice more: delivery count 3
                "XREADGROUP GROUP g1 alice STREAMS orders 0", "XREADGROUP GROUP g1 alice STREAMS orders 0",
                "XACK orders g1 1-2",
                // an hour idle and a count of 7, moved to bob
                "XCLAIM orders g1 bob 0 2-1 IDLE 3600000 RETRYCOUNT 7",
                "XGROUP CREATECONSUMER orders g1 carol",
                "XREADGROUP GROUP g2 dave COUNT 2 STREAMS orders >",
                "XGROUP CREATECONSUMER orders g2 erin",
                // pending, but its entry deleted
                "XDEL orders 2-2",
                // emptied: its only entry pending and deleted (no entry left to create the stream)
                "XADD emptied 5-1 f v", "XGROUP CREATE emptied g 0", "XREADGROUP GROUP g c1 STREAMS emptied >",
                "XDEL emptied 5-1",
                // bare: a group without consumers on an empty stream
                "XGROUP CREATE bare g $ MKSTREAM", ""));
        // bigpel: more deleted pending entries than one XDEL chunk
        for (int i = 1; i <= 1300; i++) {
            data.append("XADD bigpel ").append(i).append("-1 n ").append(i).append('\n');
        }
        data.append("XGROUP CREATE bigpel g 0\nXREADGROUP GROUP g c1 COUNT 1200 STREAMS bigpel >\n");
        for (int i = 2; i <= 1200; i += 2) {
            data.append("XDEL bigpel ").append(i).append("-1\n");
        }
        source.cliPipe(data.toString());

        try (RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), TIMEOUT, 1);
             RedisLink from = connector.open(endpoint(source), "test-source");
             RedisLink to = connector.open(endpoint(target), "test-target")) {
            List<List<byte[][]>> rebuilt = TypeWiseReader.read(from, STREAMS.stream().map(TypeWiseReaderTest::bytes).toList(),
                    TIMEOUT);
            List<CompletableFuture<Object>> replies = new ArrayList<>();
            for (List<byte[][]> commands : rebuilt) {
                for (byte[][] command : commands) {
                    replies.add(to.queue(command));
                }
            }
            to.sendQueued();
            for (CompletableFuture<Object> reply : replies) {
                reply.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS); // a refusal fails here
            }

            for (String stream : STREAMS) {
                assertEquals(text(call(from, "XRANGE", stream, "-", "+")), text(call(to, "XRANGE", stream, "-", "+")), stream);
                assertEquals(streamSummary(from, stream), streamSummary(to, stream), stream);
                assertEquals(groups(from, stream), groups(to, stream), stream);
                for (String group : groupNames(from, stream)) {
                    assertEquals(consumers(from, stream, group), consumers(to, stream, group), stream + " " + group);
                    comparePending(from, to, stream, group);
                }
            }
            // the data set really holds what is compared
            assertEquals(List.of("name=g1 last-delivered-id=3-1 consumers=3 pending=4",
                    "name=g2 last-delivered-id=2-1 consumers=2 pending=2"), groups(to, "orders"));
            assertEquals(List.of("name=alice pending=1", "name=bob pending=3", "name=carol pending=0"),
                    consumers(to, "orders", "g1"));
            assertEquals(List.of("1-1 alice 3", "2-1 bob 7", "2-2 bob 1", "3-1 bob 1"), pending(to, "orders", "g1"));
            assertEquals(List.of("name=g last-delivered-id=5-1 consumers=1 pending=1"), groups(to, "emptied"));
            assertEquals(1200, pending(to, "bigpel", "g").size());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Length and last id: XINFO STREAM's figures that a rebuild keeps. */
    private static String streamSummary(RedisLink link, String stream) {
        List<?> info = (List<?>) text(call(link, "XINFO", "STREAM", stream));
        return "length=" + StreamRebuild.field(info, "length") + " last=" + StreamRebuild.field(info, "last-generated-id");
    }

    /** What the verifier hashes per group. */
    private static List<String> groups(RedisLink link, String stream) {
        List<String> out = new ArrayList<>();
        for (Object g : (List<?>) text(call(link, "XINFO", "GROUPS", stream))) {
            List<?> group = (List<?>) g;
            out.add("name=" + StreamRebuild.field(group, "name") + " last-delivered-id=" + StreamRebuild.field(group, "last-delivered-id")
                    + " consumers=" + StreamRebuild.field(group, "consumers") + " pending=" + StreamRebuild.field(group, "pending"));
        }
        return out;
    }

    private static List<String> groupNames(RedisLink link, String stream) {
        List<String> out = new ArrayList<>();
        for (Object g : (List<?>) text(call(link, "XINFO", "GROUPS", stream))) {
            out.add(String.valueOf(StreamRebuild.field((List<?>) g, "name")));
        }
        return out;
    }

    private static List<String> consumers(RedisLink link, String stream, String group) {
        List<String> out = new ArrayList<>();
        for (Object c : (List<?>) text(call(link, "XINFO", "CONSUMERS", stream, group))) {
            List<?> consumer = (List<?>) c;
            out.add("name=" + StreamRebuild.field(consumer, "name") + " pending=" + StreamRebuild.field(consumer, "pending"));
        }
        return out;
    }

    /** XPENDING's extended form: id, consumer, delivery count (idle compared apart, within a tolerance). */
    private static List<String> pending(RedisLink link, String stream, String group) {
        List<String> out = new ArrayList<>();
        for (Object p : (List<?>) text(call(link, "XPENDING", stream, group, "-", "+", "100000"))) {
            List<?> entry = (List<?>) p;
            out.add(entry.get(0) + " " + entry.get(1) + " " + entry.get(3));
        }
        return out;
    }

    private static void comparePending(RedisLink from, RedisLink to, String stream, String group) {
        assertEquals(pending(from, stream, group), pending(to, stream, group), stream + " " + group);
        List<?> source = (List<?>) call(from, "XPENDING", stream, group, "-", "+", "100000");
        List<?> target = (List<?>) call(to, "XPENDING", stream, group, "-", "+", "100000");
        for (int i = 0; i < source.size(); i++) {
            long sourceIdle = (Long) ((List<?>) source.get(i)).get(2);
            long targetIdle = (Long) ((List<?>) target.get(i)).get(2);
            assertTrue(Math.abs(sourceIdle - targetIdle) <= IDLE_TOLERANCE_MS,
                    stream + " " + group + " entry " + i + " idle " + sourceIdle + " vs " + targetIdle);
        }
    }

    private static Object call(RedisLink link, String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = bytes(args[i]);
        }
        try {
            return link.send(argv).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(String.join(" ", args) + " failed", e);
        }
    }

    /** A reply with its bulk strings as text, for comparing and printing. */
    private static Object text(Object reply) {
        if (reply instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> list) {
            return list.stream().map(TypeWiseReaderTest::text).toList();
        }
        return reply;
    }

    private static RedisEndpoint endpoint(RedisServer server) {
        return new RedisEndpoint(server.host(), server.port(), null, null, false);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
