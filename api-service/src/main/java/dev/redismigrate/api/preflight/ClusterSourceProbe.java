package dev.redismigrate.api.preflight;

import dev.redismigrate.api.ApiConfig;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.migration.ShardPlan;
import dev.redismigrate.api.preflight.PreflightReport.Check;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.common.cluster.ClusterNode;
import dev.redismigrate.common.cluster.ClusterShard;
import dev.redismigrate.common.cluster.ClusterSurvey;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.redis.RedisEndpoint;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Looks at a cluster source beyond the node the request names (the provider's body has one host and
 * port): every shard must be copyable, or the migration would silently miss its keys. All 16384
 * slots covered, each shard with a master, every node reachable with the credentials given (TLS
 * too), and each master probed as a source (PSYNC, keys, memory).
 */
@ApplicationScoped
public class ClusterSourceProbe {
    private final RedisProbe probe;
    private final ApiConfig config;

    ClusterSourceProbe(RedisProbe probe, ApiConfig config) {
        this.probe = probe;
        this.config = config;
    }

    /** @return null for a standalone source */
    public ClusterSource inspect(RedisEndpoint seed, RedisProbe.Facts seedFacts) {
        if (seedFacts == null || !seedFacts.cluster()) {
            return null;
        }
        ClusterSurvey survey = seedFacts.clusterSurvey() == null ? null : seedFacts.clusterSurvey().survey();
        if (survey == null) {
            return refused(seedFacts, "the source " + seed.address() + " is a cluster node (cluster_enabled:1) whose shards "
                    + "could not be discovered: " + (seedFacts.clusterSurvey() == null ? "no answer" : seedFacts.clusterSurvey().error()));
        }
        List<String> problems = new ArrayList<>();
        List<SlotRange> uncovered = survey.topology().uncovered();
        if (!uncovered.isEmpty()) {
            problems.add("slots not covered by any shard: " + uncovered.stream().map(SlotRange::toString)
                    .collect(Collectors.joining(",")) + " (" + uncovered.stream().mapToInt(SlotRange::size).sum()
                    + " of 16384): the cluster is incomplete; assign them (or fix the failed shard) first");
        }
        List<ClusterShard> shards = survey.topology().shards();
        for (int i = 0; i < shards.size(); i++) {
            if (shards.get(i).master() == null) {
                problems.add("shard " + i + " (" + shards.get(i).describe() + ") has no master");
            }
        }
        if (!survey.unreachable().isEmpty()) {
            problems.add("nodes unreachable with the credentials given" + (seed.tls() ? " over TLS" : "") + ": "
                    + survey.unreachable().stream().map(u -> u.node().address() + " (" + u.reason() + ")")
                            .collect(Collectors.joining(", ")) + "; every node must be reachable from this service");
        }
        if (!problems.isEmpty()) {
            return refused(seedFacts, "the source " + seed.address() + " is a node of a cluster that cannot be copied: "
                    + String.join("; ", problems) + " (found: " + survey.describe() + ")");
        }
        List<RedisProbe.Facts> masters = new ArrayList<>();
        String psyncRefusal = null;
        for (int i = 0; i < shards.size(); i++) {
            ClusterNode master = shards.get(i).master();
            try {
                RedisProbe.Facts facts = probe.probeSource(master.endpoint(seed));
                masters.add(facts);
                if (!facts.access().psyncAllowed() && psyncRefusal == null) {
                    psyncRefusal = "shard " + i + "'s master " + master.address() + ": " + facts.access().psyncRefusal();
                }
            } catch (ApiException e) {
                return refused(seedFacts, "shard " + i + "'s master " + master.address() + " cannot be read: " + e.getMessage());
            }
        }
        RedisProbe.Facts combined = combine(seedFacts, masters, psyncRefusal);
        if (psyncRefusal != null) {
            return new ClusterSource(Check.fail("cluster", "a cluster source needs PSYNC on every master, and " + psyncRefusal
                    + " refuses it"), combined, List.of());
        }
        List<ShardPlan> plans = new ArrayList<>();
        for (ClusterShard shard : shards) {
            ClusterNode master = shard.master();
            ClusterNode read = config.migration().readFromReplica() ? shard.replicas().stream()
                    .filter(r -> "online".equals(r.health())).findFirst().orElse(master) : master;
            plans.add(new ShardPlan(master.id(), master.host(), master.port(), read.host(), read.port(),
                    shard.slots().stream().map(SlotRange::toString).collect(Collectors.joining(","))));
        }
        return new ClusterSource(Check.pass("cluster", "the source is a cluster of " + survey.describe()
                + "; PSYNC allowed on every master; each shard is copied as its own unit of work"
                + (config.migration().readFromReplica() ? " (snapshots read from a replica where one is online)" : "")),
                combined, List.copyOf(plans));
    }

    private static ClusterSource refused(RedisProbe.Facts seedFacts, String why) {
        return new ClusterSource(Check.fail("cluster", why), seedFacts, List.of());
    }

    /** The masters' keys and dataset summed (a node holds only its slots' keys); PSYNC only if every master allows it. */
    private static RedisProbe.Facts combine(RedisProbe.Facts seed, List<RedisProbe.Facts> masters, String psyncRefusal) {
        Map<Integer, Long> keys = new TreeMap<>();
        long used = 0;
        long dataset = 0;
        for (RedisProbe.Facts f : masters) {
            f.keysPerDb().forEach((db, n) -> keys.merge(db, n, Long::sum));
            used += f.memory().used();
            dataset += f.memory().dataset();
        }
        RedisProbe.Memory memory = new RedisProbe.Memory(used, dataset, seed.memory().maxmemory(), seed.memory().systemMemory());
        return new RedisProbe.Facts(seed.release(), seed.serverId(), true, seed.databases(), memory, keys,
                ClusterSource.combine(seed.access(), psyncRefusal), seed.clusterSurvey());
    }
}
