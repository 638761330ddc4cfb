package dev.redismigrate.verification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.VerifyMode;
import dev.redismigrate.common.contract.VerifyReport.Key;
import dev.redismigrate.common.contract.VerifyReport.State;
import dev.redismigrate.common.contract.VerifyReport.Verdict;
import dev.redismigrate.common.contract.VerifyReport;
import dev.redismigrate.common.contract.VerifyRequest;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.common.value.KeyText;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The verifier against real redis-servers, without Kafka. */
class VerifierTest {
    static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    /** re-checks kept short where nothing changes during the check */
    static final VerifyConfig QUICK = VerifyConfig.of("recheck-attempts", "1", "recheck-delay", "20ms", "batch-size", "100");
    @RegisterExtension
    static final TestConnector CONNECTOR = new TestConnector();

    /** Every type, with and without TTL, written the same way on a server. */
    static final String DATASET = String.join("\n",
            "SET plain value", "SET ttl:string v PX 600000", "SET \"key with spaces\" v", "SET binary \"\\x00\\xff\"",
            "HSET hash f1 v1 f2 v2", "RPUSH list a b c", "SADD set x y z", "ZADD zset 1 one 2.5 two",
            "XADD stream 1-1 f v", "XADD stream 2-1 f w", "XGROUP CREATE stream g 0",
            "XREADGROUP GROUP g alice COUNT 1 STREAMS stream >", "PFADD hll a b c", "SETBIT bits 7 1",
            "EXPIRE hash 3000", "SELECT 3", "SET in:db3 yes", "LPUSH ttl:list 1 2 3", "PEXPIRE ttl:list 900000", "");

    static List<VerifyReport> verify(RedisServer source, RedisServer target, VerifyMode mode, Integer sample,
            Set<Integer> ignore, VerifyConfig settings) {
        List<VerifyReport> reports = new CopyOnWriteArrayList<>();
        new Verifier(request(endpoint(source), endpoint(target), mode, sample, ignore), CONNECTOR.get(), reports::add, settings).run();
        return reports;
    }

    static VerifyRequest request(RedisEndpoint source, RedisEndpoint target, VerifyMode mode, Integer sample, Set<Integer> ignore) {
        return new VerifyRequest(UUID.randomUUID(), UUID.randomUUID(), source, target, ignore, mode, sample);
    }

    static RedisEndpoint endpoint(RedisServer server) {
        return new RedisEndpoint(server.host(), server.port(), null, CIPHER.seal(server.password()), false);
    }

    static VerifyReport last(List<VerifyReport> reports) {
        return reports.get(reports.size() - 1);
    }

    static List<Key> keys(VerifyReport.Found found) {
        return found.keys();
    }

    @Test
    void equalDataIsEqualAcrossBatchesDbsAndEncodings() {
        try (RedisServer source = RedisServer.start("--requirepass", "src-secret"); RedisServer target = RedisServer.start()) {
            source.cliPipe(DATASET + "SELECT 0\nSADD enc:set 1 2 3\nDEBUG POPULATE 450 bulk: 16\nSELECT 5\nSET ignored:db5 a\n");
            // the same values, encoded otherwise: a hashtable set, not an intset; db5 (ignored) differs
            target.cliPipe(DATASET + "SELECT 0\nSADD enc:set 1 2 3 x\nSREM enc:set x\nDEBUG POPULATE 450 bulk: 16\n"
                    + "SELECT 5\nSET ignored:db5 b\nSET only:in:db5 c\n");
            assertEquals("hashtable", target.cli("OBJECT", "ENCODING", "enc:set").trim());

            List<VerifyReport> reports = verify(source, target, VerifyMode.FULL, null, Set.of(5), QUICK);

            VerifyReport first = reports.get(0);
            assertEquals(State.RUNNING, first.state());
            VerifyReport done = last(reports);
            assertEquals(State.DONE, done.state(), () -> "reports: " + reports);
            assertEquals(Verdict.EQUAL, done.verdict(), () -> done.mismatches() + " unsettled " + done.unsettled());
            assertEquals("digest-value", done.valueMethod());
            long keys = 11 + 1 + 450 + 2; // DATASET: 11 keys in db0, 2 in db3
            assertEquals(keys, done.keysChecked());
            assertEquals(keys, done.keysTotal());
            assertEquals(0, done.mismatches().total());
            assertEquals(0, done.keysRechecked());
            assertEquals(List.of(new VerifyReport.DbKeys(0, 462, 462), new VerifyReport.DbKeys(3, 2, 2)), done.keyspace());
            assertNull(done.error());
        }
    }

    @Test
    void eachDifferenceIsReportedUnderItsKind() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe(DATASET + String.join("\n", "SELECT 0", "SET only:source 1", "SET \"bin:\\x00\\xff\\\\\" x",
                    "HSET changed f 1", "SET retyped x", "SET ttl:off v EX 100", "SET ttl:one-side v EX 100",
                    "DEBUG POPULATE 300 bulk: 8", "SELECT 3", "SET changed:db3 a", ""));
            target.cliPipe(DATASET + String.join("\n", "SELECT 0", "SET only:target 1",
                    "HSET changed f 2", "RPUSH retyped x", "SET ttl:off v EX 110", "SET ttl:one-side v",
                    "DEBUG POPULATE 300 bulk: 8", "SELECT 3", "SET changed:db3 b", ""));

            VerifyReport done = last(verify(source, target, VerifyMode.FULL, null, Set.of(), QUICK));

            assertEquals(State.DONE, done.state());
            assertEquals(Verdict.DIFFERENT, done.verdict());
            VerifyReport.Mismatches m = done.mismatches();
            assertEquals(List.of(new Key(0, "bin:\\x00\\xff\\\\"), new Key(0, "only:source")),
                    keys(m.missing()).stream().sorted((a, b) -> a.key().compareTo(b.key())).toList());
            assertEquals(2, m.missing().count());
            assertEquals(List.of(new Key(0, "only:target")), keys(m.extra()));
            assertEquals(List.of(new Key(0, "retyped")), keys(m.type()));
            assertEquals(Set.of(new Key(0, "changed"), new Key(3, "changed:db3")), Set.copyOf(keys(m.value())));
            assertEquals(2, m.value().count());
            // a TTL on one side only is a TTL mismatch, not a value mismatch as well
            assertEquals(Set.of(new Key(0, "ttl:off"), new Key(0, "ttl:one-side")), Set.copyOf(keys(m.ttl())));
            assertEquals(8, m.total());
            assertEquals(13 + 6 + 300 + 1, done.keysChecked());
            assertTrue(done.keysRechecked() >= 8, "keys that differ are read again: " + done.keysRechecked());
        }
    }

    /**
     * A migration with key filters and a db_map (db3 into db1, the source's db1 ignored): only the keys it selects are compared, each source db against
     * the target db it goes into; the target's keys it does not select are not its (never extra), nor a target
     * db no migrated db goes into.
     */
    @Test
    void keyFiltersAndADbMapAreFollowed() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe(String.join("\n", "DEBUG POPULATE 50 user: 8", "DEBUG POPULATE 20 other: 8", "SET user:1:tmp x",
                    "SELECT 3", "SET user:a 1", "SET user:b 2", "SET other:c 3", ""));
            target.cliPipe(String.join("\n", "DEBUG POPULATE 50 user: 8", "SET not:ours 1",
                    "SELECT 1", "SET user:a 1", "SET user:b changed", "SET user:extra 1", "SET other:kept 1",
                    "SELECT 3", "SET user:junk 1", ""));
            KeySelection selection = new KeySelection(List.of("user:*"), List.of("*:tmp"), Map.of(3, 1), false);
            List<VerifyReport> reports = new CopyOnWriteArrayList<>();
            new Verifier(new VerifyRequest(UUID.randomUUID(), UUID.randomUUID(), endpoint(source), endpoint(target), Set.of(1),
                    VerifyMode.FULL, null, null, selection), CONNECTOR.get(), reports::add, QUICK).run();

            VerifyReport done = last(reports);
            assertEquals(State.DONE, done.state(), () -> "reports: " + reports);
            assertEquals(Verdict.DIFFERENT, done.verdict());
            VerifyReport.Mismatches m = done.mismatches();
            assertEquals(List.of(new Key(3, "user:b")), keys(m.value()), "source db3 against target db1");
            assertEquals(List.of(new Key(3, "user:extra")), keys(m.extra()), "selected, in the target db db3 goes into");
            assertEquals(2, m.total(), "user:1:tmp, other:*, not:ours, other:kept and db3's user:junk are not the migration's");
            assertEquals(50 + 2, done.keysChecked());
            assertEquals(50L + 2, done.keysTotal());
            assertEquals(List.of(new VerifyReport.DbKeys(0, 71, 51), new VerifyReport.DbKeys(3, 3, 4, 1)), done.keyspace());

            List<VerifyReport> sampled = new CopyOnWriteArrayList<>();
            new Verifier(new VerifyRequest(UUID.randomUUID(), UUID.randomUUID(), endpoint(source), endpoint(target), Set.of(1),
                    VerifyMode.SAMPLE, 1000, null, selection), CONNECTOR.get(), sampled::add, QUICK).run();
            VerifyReport sample = last(sampled);
            assertEquals(52, sample.keysChecked(), "all selected keys: the sample is larger than the source");
            assertEquals(List.of(new Key(3, "user:b")), keys(sample.mismatches().value()));
        }
    }

    @Test
    void withoutDebugValuesAreHashedTypeByType() {
        try (RedisServer source = RedisServer.start("--enable-debug-command", "no");
             RedisServer target = RedisServer.start("--enable-debug-command", "no")) {
            StringBuilder bigZset = new StringBuilder("ZADD enc:zset");
            for (int i = 0; i < 300; i++) {
                bigZset.append(' ').append(i).append(" m").append(i);
            }
            String same = DATASET + "SELECT 0\nSET big:list:dummy 1\n";
            source.cliPipe(same + String.join("\n", "SADD enc:set 1 2 3", "ZADD enc:zset 1 m1 2 m2",
                    "HSET hash:diff a 1 b 2", "RPUSH list:order a b c", "ZADD zset:score 1 a 2 b", "XADD stream:diff 1-1 f v", ""));
            target.cliPipe(same + String.join("\n", "SADD enc:set 1 2 3 x", "SREM enc:set x",
                    bigZset.toString(), "ZREMRANGEBYRANK enc:zset 3 -1", "ZREM enc:zset m0",
                    "HSET hash:diff a 1 b 3", "RPUSH list:order a c b", "ZADD zset:score 1 a 3 b", "XADD stream:diff 1-1 f w", ""));
            assertEquals("skiplist", target.cli("OBJECT", "ENCODING", "enc:zset").trim());
            assertEquals(source.cli("ZRANGE", "enc:zset", "0", "-1", "WITHSCORES"), target.cli("ZRANGE", "enc:zset", "0", "-1", "WITHSCORES"));

            VerifyReport done = last(verify(source, target, VerifyMode.FULL, null, Set.of(), QUICK));

            assertEquals(State.DONE, done.state(), () -> String.valueOf(done.error()));
            assertEquals("type-wise", done.valueMethod());
            assertEquals(Set.of(new Key(0, "hash:diff"), new Key(0, "list:order"), new Key(0, "zset:score"), new Key(0, "stream:diff")),
                    Set.copyOf(keys(done.mismatches().value())), () -> done.mismatches().toString());
            assertEquals(4, done.mismatches().total(), () -> done.mismatches().toString());
        }
    }

    @Test
    void keysThatExpireOrChangeDuringTheCheckAreNotReported() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            StringBuilder s = new StringBuilder(DATASET + "SELECT 0\n");
            StringBuilder t = new StringBuilder(DATASET + "SELECT 0\n");
            for (int i = 0; i < 20; i++) {
                s.append("SET expiring:").append(i).append(" v PX 2500\n"); // the target has expired them already
            }
            s.append("SET expiring:changed a PX 2500\n");
            t.append("SET expiring:changed b PX 2500\n");
            s.append("SET hot 0\n");
            t.append("SET hot stale\n");
            source.cliPipe(s.toString());
            target.cliPipe(t.toString());
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                while (writing.get()) {
                    source.cli("INCR", "hot"); // a key written to all along: it never holds still
                }
            });
            writer.start();
            List<VerifyReport> reports;
            try {
                reports = verify(source, target, VerifyMode.FULL, null, Set.of(),
                        VerifyConfig.of("recheck-attempts", "3", "recheck-delay", "600ms")); // at +0.6, +1.8, +4.2 s
            } finally {
                writing.set(false);
                writer.join();
            }

            VerifyReport done = last(reports);
            assertEquals(State.DONE, done.state());
            assertEquals(0, done.mismatches().total(), () -> done.mismatches().toString());
            assertEquals(Verdict.EQUAL, done.verdict());
            assertTrue(done.keysRechecked() >= 22, "read again rather than reported: " + done.keysRechecked());
            assertEquals(List.of(new Key(0, "hot")), done.unsettled().keys());
            assertTrue(reports.size() >= 3, "progress reported while re-checking: " + reports.size());
        }
    }

    @Test
    void sampleModeChecksNKeysSpreadOverTheDbsBySize() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 1000 a: 8\nSELECT 2\nDEBUG POPULATE 500 b: 8\n");
            target.cliPipe("DEBUG POPULATE 1000 a: 8\n"); // db2 was not copied

            VerifyReport done = last(verify(source, target, VerifyMode.SAMPLE, 150, Set.of(), QUICK));

            assertEquals(State.DONE, done.state());
            assertEquals(150, done.keysChecked());
            assertEquals(150, done.keysTotal());
            // 100 of db0 (equal) and 50 of db2 (missing on the target): weighted by the db sizes, no key twice
            assertEquals(50, done.mismatches().missing().count());
            assertEquals(50, done.mismatches().missing().keys().stream().map(Key::key).distinct().count());
            assertTrue(done.mismatches().missing().keys().stream().allMatch(k -> k.db() == 2 && k.key().startsWith("b:")));
            assertEquals(50, done.mismatches().total());
            assertEquals(Verdict.DIFFERENT, done.verdict());

            VerifyReport all = last(verify(source, target, VerifyMode.SAMPLE, 5000, Set.of(2), QUICK));
            assertEquals(1000, all.keysChecked(), "a sample larger than the data checks every key");
            assertEquals(Verdict.EQUAL, all.verdict());
        }
    }

    @Test
    void anUnreachableSourceEndsInAnErrorWithoutThePassword() {
        try (RedisServer target = RedisServer.start()) {
            int closed = RedisServer.freePort();
            RedisEndpoint source = new RedisEndpoint("127.0.0.1", closed, null, CIPHER.seal("pw-not-shown"), false);
            List<VerifyReport> reports = new CopyOnWriteArrayList<>();
            new Verifier(request(source, endpoint(target), VerifyMode.FULL, null, Set.of()), CONNECTOR.get(), reports::add, QUICK).run();

            VerifyReport failed = last(reports);
            assertEquals(State.ERROR, failed.state());
            assertNull(failed.verdict());
            assertTrue(failed.error().contains("source") && failed.error().contains("127.0.0.1:" + closed), failed.error());
            assertFalse(reports.toString().contains("pw-not-shown"));
        }
    }

    @Test
    void keysAreTextWithBinaryBytesEscaped() {
        assertEquals("plain:key", KeyText.of("plain:key".getBytes(StandardCharsets.UTF_8)));
        assertEquals("clé ✓", KeyText.of("clé ✓".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a\\\\b\\x0a", KeyText.of("a\\b\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("\\x00\\xffx", KeyText.of(new byte[] {0, (byte) 0xff, 'x'}));
    }

    @Test
    void samplesAreSpreadInProportionToDbSizes() {
        assertEquals(Map.of(0, 100, 2, 50), Verifier.allocate(Map.of(0, 1000L, 2, 500L), 150));
        assertEquals(Map.of(0, 2, 1, 1), Verifier.allocate(Map.of(0, 2L, 1, 1L, 4, 0L), 3));
        assertEquals(10, Verifier.allocate(Map.of(0, 3L, 1, 3L, 2, 3L, 3, 1L), 10).values().stream().mapToInt(i -> i).sum());
    }
}
