package dev.redismigrate.verification;

import static dev.redismigrate.verification.VerifierTest.DATASET;
import static dev.redismigrate.verification.VerifierTest.QUICK;
import static dev.redismigrate.verification.VerifierTest.endpoint;
import static dev.redismigrate.verification.VerifierTest.keys;
import static dev.redismigrate.verification.VerifierTest.last;
import static dev.redismigrate.verification.VerifierTest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.VerifyMode;
import dev.redismigrate.common.contract.VerifyReport.Key;
import dev.redismigrate.common.contract.VerifyReport.State;
import dev.redismigrate.common.contract.VerifyReport.Verdict;
import dev.redismigrate.common.contract.VerifyReport;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The verifier between servers that compute digests differently (Redis 7.0 and Valkey 8), on
 * streams' consumer groups (which DEBUG DIGEST-VALUE leaves out), and against cluster nodes (a cluster target read on
 * the master of each key's slot).
 */
class CrossServerVerifierTest {
    /** {@code QUICK} hashing values type by type */
    static final VerifyConfig TYPE_WISE = VerifyConfig.of("recheck-attempts", "1", "recheck-delay", "20ms", "batch-size", "100",
            "digest-value", "false");
    @RegisterExtension
    static final TestConnector CONNECTOR = new TestConnector();

    /** Sorted sets with fractional scores, compact (listpack) and big (skiplist), and every other type. */
    static final String FRACTIONAL = DATASET + String.join("\n", "SELECT 0", "ZADD zset:frac 0.1 a 0.2 b -0.3 c 1e-7 d 1e20 e",
            "ZADD zset:inf inf top -inf bottom 2.5 mid",
            "EVAL \"for i = 1, 300 do redis.call('ZADD', 'zset:big', i / 7, 'm' .. i) end\" 0",
            "ZADD zset:hair 0.1 a", "ZADD zset:ulp 0.1 a", "");

    static VerifyReport verify(RedisServer source, RedisServer target, VerifyConfig settings) {
        List<VerifyReport> reports = new CopyOnWriteArrayList<>();
        new Verifier(request(endpoint(source), endpoint(target), VerifyMode.FULL, null, Set.of()), CONNECTOR.get(), reports::add,
                settings).run();
        return last(reports);
    }

    @Test
    void equalSortedSetsWithFractionalScoresAreEqualAcrossFamiliesBothWays() {
        try (RedisServer redis = RedisServer.start(); RedisServer valkey = RedisServer.startValkey()) {
            redis.cliPipe(FRACTIONAL);
            valkey.cliPipe(FRACTIONAL);
            assertEquals("skiplist", redis.cli("OBJECT", "ENCODING", "zset:big").trim());
            // what made the verifier wrong: the two servers digest equal sorted sets differently
            assertNotEquals(redis.cli("DEBUG", "DIGEST-VALUE", "zset:frac"), valkey.cli("DEBUG", "DIGEST-VALUE", "zset:frac"));
            assertNotEquals(redis.cli("DEBUG", "DIGEST-VALUE", "zset:big"), valkey.cli("DEBUG", "DIGEST-VALUE", "zset:big"));

            for (RedisServer[] pair : List.of(new RedisServer[] {redis, valkey}, new RedisServer[] {valkey, redis})) {
                VerifyReport done = verify(pair[0], pair[1], QUICK);
                String direction = pair[0].family() + " -> " + pair[1].family();
                assertEquals(State.DONE, done.state(), () -> direction + ": " + done.error());
                assertEquals(Verdict.EQUAL, done.verdict(), () -> direction + ": " + done.mismatches());
                assertEquals("digest-value, zset by content", done.valueMethod(), direction);
                assertEquals(11 + 5 + 2, done.keysChecked(), direction);
                assertNull(done.error());

                VerifyReport typeWise = verify(pair[0], pair[1], TYPE_WISE);
                assertEquals("type-wise", typeWise.valueMethod());
                assertEquals(Verdict.EQUAL, typeWise.verdict(), () -> direction + " type-wise: " + typeWise.mismatches());
            }
        }
    }

    @Test
    void twoValkeysOfOneVersionKeepDigestValueForEveryType() {
        try (RedisServer source = RedisServer.startValkey(); RedisServer target = RedisServer.startValkey()) {
            source.cliPipe(FRACTIONAL);
            target.cliPipe(FRACTIONAL + "ZADD zset:ulp 0.10000000000000002 a\n");

            VerifyReport done = verify(source, target, QUICK);

            assertEquals("digest-value", done.valueMethod(), "one family and version: its digests agree");
            assertEquals(List.of(new Key(0, "zset:ulp")), keys(done.mismatches().value()), () -> done.mismatches().toString());
            assertEquals(1, done.mismatches().total());
        }
    }

    @Test
    void scoresThatDifferByAHairAreValueMismatchesAcrossFamilies() {
        try (RedisServer redis = RedisServer.start(); RedisServer valkey = RedisServer.startValkey()) {
            redis.cliPipe(FRACTIONAL);
            // the same data, but for two scores: 1e-10 apart, and one ulp apart (0.1 and the next double)
            valkey.cliPipe(FRACTIONAL + "ZADD zset:hair 0.1000000001 a\nZADD zset:ulp 0.10000000000000002 a\n");
            assertEquals("0.10000000000000002", valkey.cli("ZSCORE", "zset:ulp", "a").trim());

            for (RedisServer[] pair : List.of(new RedisServer[] {redis, valkey}, new RedisServer[] {valkey, redis})) {
                for (VerifyConfig settings : List.of(QUICK, TYPE_WISE)) {
                    VerifyReport done = verify(pair[0], pair[1], settings);
                    String run = pair[0].family() + " -> " + pair[1].family() + " by " + done.valueMethod();
                    assertEquals(State.DONE, done.state(), () -> run + ": " + done.error());
                    assertEquals(Verdict.DIFFERENT, done.verdict(), run);
                    assertEquals(Set.of(new Key(0, "zset:hair"), new Key(0, "zset:ulp")), Set.copyOf(keys(done.mismatches().value())),
                            () -> run + ": " + done.mismatches());
                    assertEquals(2, done.mismatches().total(), () -> run + ": " + done.mismatches());
                }
            }
        }
    }

    @Test
    void sameFamilyKeepsDigestValueAndStillSeesConsumerGroups() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            String streams = DATASET + "SELECT 0\nXADD s:groups 1-1 f v\nXADD s:groups 2-1 f v\nXGROUP CREATE s:groups g 0\n";
            source.cliPipe(streams + "XGROUP CREATE s:groups only-here 0\n");
            target.cliPipe(streams + "XGROUP SETID s:groups g 1-1\n");
            // DIGEST-VALUE sees only the entries: a group missing or behind does not change it
            assertEquals(source.cli("DEBUG", "DIGEST-VALUE", "s:groups"), target.cli("DEBUG", "DIGEST-VALUE", "s:groups"));

            VerifyReport done = verify(source, target, QUICK);

            assertEquals("digest-value", done.valueMethod(), "one family and version: its digests agree");
            assertEquals(List.of(new Key(0, "s:groups")), keys(done.mismatches().value()), () -> done.mismatches().toString());
            assertEquals(1, done.mismatches().total());
            target.cli("XGROUP", "SETID", "s:groups", "g", "0");
            target.cli("XGROUP", "CREATE", "s:groups", "only-here", "0");
            assertEquals(Verdict.EQUAL, verify(source, target, QUICK).verdict(), "the same groups: equal again");
        }
    }

    @Test
    void aClusterSourceEndsInAnErrorAndAClusterTargetIsReadOnTheMasterOfEachKey() {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0); RedisServer plain = RedisServer.start()) {
            RedisServer node = cluster.nodes().get(1);
            StringBuilder keys = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                keys.append("SET k").append(i).append(" v").append(i).append('\n');
                cluster.cli("SET", "k" + i, "v" + i);
            }
            plain.cliPipe(keys.toString());
            VerifyReport failed = verify(node, plain, QUICK);
            assertEquals(State.ERROR, failed.state());
            assertNull(failed.verdict());
            assertTrue(failed.error().contains("the source 127.0.0.1:" + node.port() + " is a Redis Cluster node")
                    && failed.error().contains("not supported yet"), failed.error());
            assertEquals(0, failed.keysChecked(), "no key compared");

            assertEquals(Verdict.EQUAL, verify(plain, node, QUICK).verdict(), "30 keys over 3 masters, each read where it lives");
            cluster.cli("DEL", "k3");
            cluster.cli("SET", "k4", "changed");
            cluster.cli("SET", "only-on-the-cluster", "x");
            VerifyReport done = verify(plain, node, QUICK);
            assertEquals(Verdict.DIFFERENT, done.verdict());
            assertEquals(30, done.keysChecked());
            assertEquals(List.of(new Key(0, "k3")), keys(done.mismatches().missing()), () -> done.mismatches().toString());
            assertEquals(List.of(new Key(0, "k4")), keys(done.mismatches().value()), () -> done.mismatches().toString());
            assertEquals(List.of(new Key(0, "only-on-the-cluster")), keys(done.mismatches().extra()),
                    () -> done.mismatches().toString());
        }
    }
}
