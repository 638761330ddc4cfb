package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A copy into a 3-master cluster target whose connections are cut twice mid-copy on every master
 * (what a proxy restart or a managed failover does): by replication the copy reconnects and applies
 * the spooled RDB again (RESTORE … REPLACE and the chunked rebuilds are idempotent; the source serves
 * one full sync only), by scan the scan starts over (what changed meanwhile is captured); nothing
 * fails, and the verifier finds the target equal to the source.
 */
class ClusterTargetCopyCutTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    @Test
    void byReplicationTheClusterTargetsConnectionsCutMidCopyAreRiddenOutFromTheSpool() throws Exception {
        cutTwiceMidCopy("replication");
    }

    @Test
    void byScanTheClusterTargetsConnectionsCutMidCopyStartTheScanOver() throws Exception {
        cutTwiceMidCopy("scan");
    }

    private static void cutTwiceMidCopy(String method) throws Exception {
        try (RedisServer source = RedisServer.start(); RedisCluster target = RedisCluster.start(RedisServer.Family.REDIS, 3, 0)) {
            source.cliPipe("DEBUG POPULATE 200000 bulk 100\n");
            List<SlowTargetTest.SlowTarget> slow = new ArrayList<>();
            MigrationService.Ids ids;
            try {
                for (int m = 0; m < 3; m++) { // a copy that lasts long enough to be cut twice
                    slow.add(new SlowTargetTest.SlowTarget(target.master(m)));
                }
                ids = RUN.service().migrate(source, target.master(0), java.util.Map.of("method", method));
                for (int i = 0; i < 2; i++) {
                    // the masters are paused for writes 800 ms of every second: under CI's load the first 15,000
                    // keys once took over 60 s; any progress since the last cut shows the copy under way
                    long before = keys(target);
                    Await.until(Duration.ofSeconds(90), () -> keys(target) > before + 5_000,
                            () -> "the copy under way: " + keys(target) + " keys on the target, " + before + " before; "
                                    + RUN.service().history(ids.migration()));
                    Await.until(Duration.ofSeconds(30), () -> cutAll(target) > 0, () -> "the copy's connections to the target cut");
                }
            } finally {
                for (SlowTargetTest.SlowTarget s : slow) {
                    s.close();
                }
            }
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(180));
            String history = RUN.service().history(ids.migration());
            assertFalse(history.contains("FAILED") || history.contains("new full snapshot"), history);
            assertEquals(method, RUN.service().onlineMigration(ids.database()).getString("method"));
            assertEquals(method.equals("replication") ? "1" : "0", source.cli("INFO", "stats").lines()
                    .filter(l -> l.startsWith("sync_full:")).findFirst().orElseThrow().substring("sync_full:".length()).trim(),
                    "by replication the source served one full sync: the spool was applied again");
            Await.until(Duration.ofSeconds(60), () -> keys(target) >= 200_000, () -> "every key on the target: " + keys(target));
            JsonPath verdict = RUN.service().verify(ids.migration());
            assertEquals("equal", verdict.getString("verdict"), verdict.prettify());
            assertTrue(verdict.getLong("result.keys_checked") >= 200_000, verdict.prettify());
        }
    }

    /** Kills the clients of every master (the cluster bus is not one); @return how many. */
    private static long cutAll(RedisCluster cluster) {
        long cut = 0;
        for (int m = 0; m < cluster.masters(); m++) {
            cut += Long.parseLong(cluster.master(m).cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").trim());
        }
        return cut;
    }

    private static long keys(RedisCluster cluster) {
        long keys = 0;
        for (int m = 0; m < cluster.masters(); m++) {
            keys += Long.parseLong(cluster.master(m).cli("DBSIZE").trim());
        }
        return keys;
    }
}
