package dev.redismigrate.api.preflight;

import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.migration.Migrations;
import dev.redismigrate.api.migration.MigrationRules;
import dev.redismigrate.api.preflight.PreflightReport.Check;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which servers take part, by what they say rather than by their addresses (several addresses
 * reach one server; one server may be registered as two targets): neither runs in cluster mode,
 * they are two servers, and no active migration already writes into either of them or reads from
 * the target. A start and the preflight both use it.
 *
 * @param cluster null when neither server answered
 * @param sourceFree no active migration writes into the source's server
 * @param targetFree no other active migration writes into the target's server, none reads from it
 */
public record ServerChecks(Check cluster, Check distinct, Check sourceFree, Check targetFree) {

    /**
     * @param sourceFacts, targetFacts null for a server that could not be asked (its own check says why)
     * @param clusterSource what was found of a cluster source (null: a standalone source)
     */
    public static ServerChecks of(TargetDatabase target, RedisEndpoint source, RedisProbe.Facts sourceFacts,
            RedisProbe.Facts targetFacts, ClusterSource clusterSource) {
        RedisEndpoint targetEndpoint = target.endpoint();
        return new ServerChecks(cluster(source, sourceFacts, targetEndpoint, targetFacts, clusterSource),
                distinct(source, sourceFacts, targetEndpoint, targetFacts),
                sourceFree(source, sourceFacts), targetFree(target, targetFacts));
    }

    public List<Check> all() {
        return Stream.of(cluster, distinct, sourceFree, targetFree).filter(c -> c != null).toList();
    }

    /** Failures a start cannot get past by waiting: a cluster, or the source is the target. */
    public List<Check> refusals() {
        return Stream.of(cluster, distinct).filter(c -> c != null && !c.ok()).toList();
    }

    /** Failures that last while other migrations are active. */
    public List<Check> busy() {
        return Stream.of(sourceFree, targetFree).filter(c -> !c.ok()).toList();
    }

    /**
     * A node of a Redis Cluster holds one shard. A cluster source is copied shard by shard, if every
     * shard can be read ({@link ClusterSourceProbe} says; its message names the shards, or the slots
     * and nodes missing). A cluster target is written by slot into every master, so it is accepted
     * when all 16384 slots are served and every node answers with the credentials given; else the
     * check names the slots and nodes missing.
     */
    static Check cluster(RedisEndpoint source, RedisProbe.Facts sourceFacts, RedisEndpoint target,
            RedisProbe.Facts targetFacts, ClusterSource clusterSource) {
        if (sourceFacts == null && targetFacts == null) {
            return null;
        }
        List<String> clusters = new ArrayList<>();
        if (clusterSource != null && !clusterSource.ok()) {
            clusters.add(clusterSource.check().message());
        }
        boolean clusterTarget = targetFacts != null && targetFacts.cluster();
        if (clusterTarget && !targetFacts.wholeCluster()) {
            clusters.add("the target " + target.address() + " is a cluster node (cluster_enabled:1) of a cluster that "
                    + "cannot take every key: a cluster target needs all 16384 slots served and every node reachable"
                    + found(targetFacts));
        }
        if (!clusters.isEmpty()) {
            return Check.fail("cluster", String.join("; ", clusters));
        }
        String targetPart = clusterTarget ? "the target " + target.address() + " is a node of a Redis Cluster; keys are "
                + "written by slot into every master" + found(targetFacts) : "the target does not run in cluster mode";
        if (clusterSource != null) {
            return Check.pass("cluster", clusterSource.check().message() + (targetFacts == null ? "" : "; " + targetPart));
        }
        if (clusterTarget) {
            return Check.pass("cluster", targetPart);
        }
        return Check.pass("cluster", sourceFacts == null ? "the target does not run in cluster mode"
                : targetFacts == null ? "the source does not run in cluster mode"
                : "neither the source nor the target runs in cluster mode");
    }

    /** " (its cluster: 3 shards (CLUSTER SHARDS): slots 0-5460: master ...; all 16384 slots covered; ...)". */
    private static String found(RedisProbe.Facts facts) {
        return facts.clusterSurvey() == null ? "" : " (its cluster: " + facts.clusterSurvey().describe() + ")";
    }

    /** Migrating a server into itself replays its own writes forever; its run_id shows it under any address. */
    static Check distinct(RedisEndpoint source, RedisProbe.Facts sourceFacts, RedisEndpoint target,
            RedisProbe.Facts targetFacts) {
        try {
            MigrationRules.requireDistinct(source, target);
        } catch (ApiException e) {
            return Check.fail("distinct", e.getMessage());
        }
        String sourceId = sourceFacts == null ? null : sourceFacts.serverId();
        String targetId = targetFacts == null ? null : targetFacts.serverId();
        if (sourceId != null && sourceId.equals(targetId)) {
            return Check.fail("distinct", "the source " + source.address() + " and the target " + target.address()
                    + " are one server (the same run_id): a server migrated into itself would replay its own writes forever");
        }
        return Check.pass("distinct", "the source " + source.address() + " is not the target " + target.address()
                + (sourceId != null && targetId != null ? " (two servers: their run_ids differ)" : ""));
    }

    /** A server being written into by a migration is no source: what it holds is still arriving. */
    static Check sourceFree(RedisEndpoint source, RedisProbe.Facts sourceFacts) {
        List<Migration> into = Migrations.activeInto(sourceFacts == null ? null : sourceFacts.serverId());
        if (!into.isEmpty()) {
            Migration m = into.get(0);
            return Check.fail("source_free", "the source " + source.address() + " is the target of active migration "
                    + m.id + " (database " + m.database.id + "): it cannot be a source until that migration ends");
        }
        return Check.pass("source_free", "no active migration writes into the source");
    }

    /**
     * One active migration per target server, through any registration of it; and a server that an
     * active migration reads from takes no writes of another (they would be copied on, mixed in).
     */
    static Check targetFree(TargetDatabase target, RedisProbe.Facts targetFacts) {
        Migration same = Migrations.activeOf(target.id);
        if (same != null) {
            return Check.fail("target_free", "database " + target.id + " already has an active online migration: "
                    + same.id);
        }
        String serverId = targetFacts == null ? null : targetFacts.serverId();
        List<Migration> into = Migrations.activeInto(serverId);
        if (!into.isEmpty()) {
            Migration m = into.get(0);
            return Check.fail("target_free", "the target " + target.endpoint().address() + " is the server of database "
                    + m.database.id + " (" + m.database.name + ", " + m.database.endpoint().address()
                    + ") too, which active migration " + m.id + " writes into: one active migration per server");
        }
        List<Migration> from = Migrations.activeFrom(serverId);
        if (!from.isEmpty()) {
            Migration m = from.get(0);
            return Check.fail("target_free", "the target " + target.endpoint().address() + " is the source of active "
                    + "migration " + m.id + ": it takes no migration's writes until that migration ends");
        }
        return Check.pass("target_free", "no active migration writes into " + target.name + " or reads from it");
    }
}
