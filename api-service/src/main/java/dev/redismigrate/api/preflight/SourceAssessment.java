package dev.redismigrate.api.preflight;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.migration.MigrationRules;
import dev.redismigrate.api.preflight.PreflightReport.Check;
import dev.redismigrate.api.redis.ClusterDiscovery;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.api.redis.SourceAccess;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.redis.KeyspaceNotifications;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.ServerRelease;
import dev.redismigrate.common.selection.MigratedKeys;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The checks that need what the source and the target said: versions, TLS, the dbs to copy, memory
 * headroom, and which method can read the source (PSYNC, else SCAN + DUMP with keyspace
 * notifications). A start and the preflight both use it; a start refuses when one fails.
 *
 * @param method the method a start uses: the one asked for, else replication where PSYNC is allowed
 *        and the target can load the source's data format, else scan
 * @param versions whether the target can take the source's data (apart: the preflight lists it early)
 * @param checks the others
 */
public record SourceAssessment(MigrationMethod method, Check versions, List<Check> checks) {
    /** Below this share of headroom left after the copy, the memory check warns. */
    private static final double TIGHT_MEMORY = 0.2;

    /** @param asked the method the request forces, or null to choose */
    public static SourceAssessment of(RedisEndpoint source, RedisProbe.Facts sourceFacts, RedisProbe.Facts targetFacts,
            MigratedKeys keys, MigrationMethod asked) {
        List<Check> checks = new ArrayList<>();
        checks.add(tls(source));
        checks.add(dbs(sourceFacts, targetFacts, keys));
        checks.add(targetFacts.wholeCluster() && !targetFacts.clusterSurvey().shards().isEmpty()
                ? memoryPerShard(sourceFacts.memory(), targetFacts.clusterSurvey().shards())
                : memory(sourceFacts.memory(), targetFacts.memory()));
        SourceAccess access = sourceFacts.access();
        boolean loadable = targetFacts.release().loads(sourceFacts.release());
        MigrationMethod method = asked != null ? asked
                : access.psyncAllowed() && loadable ? MigrationMethod.REPLICATION : MigrationMethod.SCAN;
        checks.add(psync(access, asked, method));
        checks.add(scan(access, method));
        checks.add(notifications(access, method));
        checks.add(Check.pass("method", method == MigrationMethod.REPLICATION
                ? "replication" + (asked == null ? ": the source allows PSYNC" : ", as asked")
                        + "; the copy is a point-in-time RDB, then every write is replayed"
                : "scan" + (asked != null ? ", as asked" : !loadable && access.psyncAllowed()
                        ? ": the target cannot load the source's RDB version" : ": the source refuses PSYNC")
                        + "; keys are copied by SCAN + DUMP and changed keys copied again from keyspace notifications"));
        return new SourceAssessment(method, versions(sourceFacts, targetFacts, method), checks);
    }

    /** All checks, the versions first. */
    public List<Check> all() {
        List<Check> all = new ArrayList<>(checks.size() + 1);
        all.add(versions);
        all.addAll(checks);
        return all;
    }

    public List<Check> failures() {
        return all().stream().filter(c -> !c.ok()).toList();
    }

    /**
     * A target loads RDB versions up to its own (its replication RDB and RESTORE's DUMP payloads alike);
     * where it cannot, the scan method rebuilds keys type by type instead of RESTORE.
     */
    private static Check versions(RedisProbe.Facts sourceFacts, RedisProbe.Facts targetFacts, MigrationMethod method) {
        ServerRelease source = sourceFacts.release();
        ServerRelease target = targetFacts.release();
        if (target.loads(source)) {
            return Check.pass("versions", "the target's " + target + " (RDB version " + target.rdbVersion()
                    + ") can load the source's " + source + " (RDB version " + source.rdbVersion() + ")");
        }
        if (method == MigrationMethod.SCAN) {
            return Check.warn("versions", "the source's " + source + " writes RDB version " + source.rdbVersion()
                    + ", which the target's " + target + " cannot load (it reads up to RDB version " + target.rdbVersion()
                    + "): keys are rebuilt type by type rather than restored from DUMP (a stream's consumer groups keep "
                    + "their last delivered id, consumers and pending entries, not entries-read or lag; module types cannot be copied)");
        }
        try {
            MigrationRules.requireLoadable(source, target);
            return Check.pass("versions", "the target's " + target + " can load the source's " + source);
        } catch (ApiException e) {
            return Check.fail("versions", e.getMessage() + "; or ask for the scan method, which writes type by type");
        }
    }

    private static Check tls(RedisEndpoint source) {
        if (source.tls()) {
            return Check.pass("tls", "the source answered over TLS, as asked");
        }
        return isLoopback(source.host()) ? Check.pass("tls", "plain TCP to a local source, as asked (disable_ssl)")
                : Check.warn("tls", "plain TCP, as asked (disable_ssl): the data and the password cross the network unencrypted");
    }

    /**
     * The source's migrated dbs with keys, each into the target db {@code db_map} sends it (whole dbs: the
     * {@code keys} check counts what the filters select); a cluster target has db 0 only; keys already in a
     * target db the migration writes into are a warning.
     */
    private static Check dbs(RedisProbe.Facts source, RedisProbe.Facts target, MigratedKeys keys) {
        Map<Integer, Long> toCopy = withKeys(source.keysPerDb(), keys::migrates);
        String copied = toCopy.isEmpty() ? "the source's migrated dbs are empty"
                : toCopy.entrySet().stream().map(e -> "db" + e.getKey() + " (" + keys(e.getValue()) + ")"
                        + (keys.targetDb(e.getKey()) == e.getKey() ? "" : " into db" + keys.targetDb(e.getKey())))
                        .collect(Collectors.joining(", ")) + ": " + keys(toCopy.values().stream().mapToLong(Long::longValue).sum())
                        + " to copy";
        Map<Integer, Long> beyondDb0 = new java.util.TreeMap<>(toCopy);
        beyondDb0.keySet().removeIf(db -> keys.targetDb(db) == 0);
        if (target.cluster() && !source.cluster() && !beyondDb0.isEmpty()) {
            String dbs = beyondDb0.keySet().stream().map(db -> "db" + db).collect(Collectors.joining(", "));
            return Check.fail("dbs", copied + "; the target is a cluster, which has db 0 only: the keys of " + dbs
                    + " have nowhere to go unless those dbs are ignored (ignore_dbs: "
                    + beyondDb0.keySet().stream().map(db -> "\"db" + db + "\"").collect(Collectors.joining(", ", "[", "]"))
                    + ") or mapped into db 0 (db_map: "
                    + beyondDb0.keySet().stream().map(db -> "\"db" + db + "\": \"db0\"").collect(Collectors.joining(", ", "{", "}"))
                    + ", with allow_merge where db 0 is migrated too)");
        }
        Map<Integer, Long> onTarget = withKeys(target.keysPerDb(), keys::receives);
        if (!onTarget.isEmpty()) {
            return Check.warn("dbs", copied + "; the target already holds keys in "
                    + onTarget.keySet().stream().map(db -> "db" + db).collect(Collectors.joining(", "))
                    + ": keys of the same name are replaced, the others stay");
        }
        return Check.pass("dbs", copied);
    }

    private static Map<Integer, Long> withKeys(Map<Integer, Long> keysPerDb, java.util.function.IntPredicate counted) {
        return keysPerDb.entrySet().stream().filter(e -> counted.test(e.getKey()) && e.getValue() > 0)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, java.util.TreeMap::new));
    }

    /** The source's dataset (all dbs: INFO gives no size per db) against what the target may still take. */
    private static Check memory(RedisProbe.Memory source, RedisProbe.Memory target) {
        long limit = target.maxmemory() > 0 ? target.maxmemory() : target.systemMemory();
        String limitName = target.maxmemory() > 0 ? "maxmemory" : "system memory";
        if (limit <= 0) {
            return Check.warn("memory", "the target says neither maxmemory nor its system memory: headroom unknown for "
                    + mb(source.dataset()) + " of source data");
        }
        long free = limit - target.used();
        String figures = "source data " + mb(source.dataset()) + ", target " + mb(target.used()) + " used of "
                + mb(limit) + " (" + limitName + ")";
        if (source.dataset() > free) {
            return Check.fail("memory", figures + ": the target cannot take the source's data; raise its maxmemory or "
                    + "use a bigger target");
        }
        if (free - source.dataset() < TIGHT_MEMORY * limit) {
            return Check.warn("memory", figures + ": less than 20 % would be left after the copy");
        }
        return Check.pass("memory", figures);
    }

    private static Check psync(SourceAccess access, MigrationMethod asked, MigrationMethod method) {
        if (access.psyncAllowed()) {
            return Check.pass("psync", "the source allows PSYNC" + (method == MigrationMethod.SCAN ? " (scan asked for)" : ""));
        }
        String refused = "the source refuses PSYNC (" + access.psyncRefusal() + ")";
        if (asked == MigrationMethod.REPLICATION) {
            return Check.fail("psync", refused + ": the replication method cannot read it; ask for \"scan\" or leave "
                    + "method out");
        }
        return asked == MigrationMethod.SCAN ? Check.pass("psync", refused + "; scan asked for")
                : Check.warn("psync", refused + ": the scan method is used");
    }

    private static Check scan(SourceAccess access, MigrationMethod method) {
        if (access.scanAllowed()) {
            return Check.pass("scan", "the source allows SCAN and DUMP");
        }
        String refused = "the source refuses SCAN or DUMP (" + access.scanRefusal() + ")";
        return method == MigrationMethod.SCAN ? Check.fail("scan", refused + ": the scan method cannot read it")
                : Check.pass("scan", refused + "; not needed by the replication method");
    }

    private static Check notifications(SourceAccess access, MigrationMethod method) {
        if (method == MigrationMethod.REPLICATION) {
            return Check.pass("notifications", "not needed by the replication method");
        }
        if (access.notificationsOn()) {
            return Check.pass("notifications", "keyspace notifications are on (notify-keyspace-events \""
                    + access.notifyFlags() + "\")");
        }
        if (access.notifySettable()) {
            return Check.pass("notifications", "notify-keyspace-events is \"" + access.notifyFlags()
                    + "\"; the migration adds \"" + KeyspaceNotifications.CAPTURE_FLAGS + "\" (CONFIG SET) when it starts");
        }
        if (access.notifyFlags() == null) {
            return Check.warn("notifications", "the source does not show notify-keyspace-events (CONFIG is refused): the "
                    + "migration writes a probe key when it starts and fails if no notification comes; the scan method "
                    + "needs it to include \"" + KeyspaceNotifications.CAPTURE_FLAGS + "\" (e.g. \"KEA\")");
        }
        return Check.fail("notifications", "the scan method needs keyspace notifications and the source does not allow "
                + "CONFIG SET: set notify-keyspace-events to include \"" + KeyspaceNotifications.CAPTURE_FLAGS
                + "\" (e.g. \"KEA\") in the service's parameters, then start again");
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String keys(long n) {
        return n == 1 ? "1 key" : n + " keys";
    }

    /**
     * A cluster target: keys spread over the masters by slot, so each master must take about its
     * share of the source's data (its slots / 16384); the tightest master decides.
     */
    static Check memoryPerShard(RedisProbe.Memory source, List<ClusterDiscovery.ShardMemory> shards) {
        List<String> figures = new ArrayList<>();
        String worst = "pass";
        for (ClusterDiscovery.ShardMemory shard : shards) {
            RedisProbe.Memory m = shard.memory();
            long share = Math.round((double) source.dataset() * shard.slots() / 16384);
            long limit = m.maxmemory() > 0 ? m.maxmemory() : m.systemMemory();
            if (limit <= 0) {
                figures.add(shard.master() + ": ~" + mb(share) + " to take, headroom unknown (neither maxmemory nor system memory said)");
                worst = worst.equals("fail") ? worst : "warn";
                continue;
            }
            long free = limit - m.used();
            figures.add(shard.master() + ": ~" + mb(share) + " to take, " + mb(m.used()) + " used of " + mb(limit)
                    + " (" + (m.maxmemory() > 0 ? "maxmemory" : "system memory") + ")");
            if (share > free) {
                worst = "fail";
            } else if (free - share < TIGHT_MEMORY * limit && !worst.equals("fail")) {
                worst = "warn";
            }
        }
        String message = "source data " + mb(source.dataset()) + ", spread by slot over " + shards.size() + " masters: "
                + String.join("; ", figures);
        return switch (worst) {
            case "fail" -> Check.fail("memory", message + ": a master cannot take its share; raise its maxmemory or add shards");
            case "warn" -> Check.warn("memory", message + ": less than 20 % would be left on a master after the copy, "
                    + "or its headroom is unknown");
            default -> Check.pass("memory", message);
        };
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
