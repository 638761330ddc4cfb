package dev.redismigrate.api.preflight;

import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.migration.KeySelectionInput;
import dev.redismigrate.api.migration.MigrationRules;
import dev.redismigrate.api.migration.SnapshotLoadInput;
import dev.redismigrate.api.migration.StartMigrationRequest;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.common.contract.SnapshotLoad;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.selection.MigratedKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs the checks a start runs (the same {@link MigrationRules}, {@link RedisProbe}, {@link ServerChecks}
 * and {@link SourceAssessment}), all of them, so the user sees every problem at once, and says which
 * method a start would use; it writes nothing anywhere. One check is the preflight's own: the
 * snapshot workers' spool space against the source's dataset ({@link SpoolCheck}), a warning at most.
 */
@ApplicationScoped
public class Preflight {
    private final SecretCipher cipher;
    private final RedisProbe probe;
    private final ClusterSourceProbe clusterProbe;
    private final SelectedKeys selectedKeys;
    private final SpoolSpaces spoolSpaces;

    Preflight(SecretCipher cipher, RedisProbe probe, ClusterSourceProbe clusterProbe, SelectedKeys selectedKeys,
            SpoolSpaces spoolSpaces) {
        this.cipher = cipher;
        this.probe = probe;
        this.clusterProbe = clusterProbe;
        this.selectedKeys = selectedKeys;
        this.spoolSpaces = spoolSpaces;
    }

    public PreflightReport check(String databaseId, StartMigrationRequest request) {
        StartMigrationRequest.Read read = StartMigrationRequest.read(databaseId, request, cipher);
        TargetDatabase target = read.target();
        RedisEndpoint source = read.source();
        Set<Integer> ignoreDbs = read.ignoreDbs();
        RedisEndpoint targetEndpoint = target.endpoint();

        List<PreflightReport.Check> checks = new ArrayList<>();
        RedisProbe.Facts seedFacts = probe(checks, "source", source);
        RedisProbe.Facts targetFacts = probe(checks, "target", targetEndpoint);
        // a cluster source: every shard, by its master (the figures below are the masters' together)
        ClusterSource cluster = clusterProbe.inspect(source, seedFacts);
        RedisProbe.Facts sourceFacts = cluster == null ? seedFacts : cluster.combined();
        ServerChecks servers = ServerChecks.of(target, source, sourceFacts, targetFacts, cluster);
        if (servers.cluster() != null) {
            checks.add(servers.cluster());
        }
        SourceAssessment assessment = sourceFacts == null || targetFacts == null ? null
                : SourceAssessment.of(source, sourceFacts, targetFacts,
                new MigratedKeys(ignoreDbs, read.selection()), read.asked());
        if (assessment != null) {
            checks.add(assessment.versions());
        }
        if (sourceFacts != null) {
            checks.add(check("ignore_dbs", () -> MigrationRules.requireWithin(ignoreDbs, sourceFacts.databases()),
                    ignoreDbs.isEmpty() ? "every db is migrated"
                            : ignoreDbs.stream().map(db -> "db" + db).collect(Collectors.joining(", ")) + " left out"));
        }
        KeySelection selection = read.selection();
        if (sourceFacts != null && targetFacts != null) {
            checks.add(check("db_map", () -> KeySelectionInput.requireFits(selection, ignoreDbs, sourceFacts.databases(),
                    targetFacts.databases()), selection.dbMap().isEmpty() ? "each db goes into the target db of its number"
                            : MigratedKeys.wire(selection.dbMap()).entrySet().stream().map(e -> e.getKey() + " into " + e.getValue())
                                    .collect(Collectors.joining(", ")) + (selection.allowMerge() ? " (merges allowed)" : "")));
        }
        if (read.load() != null && seedFacts != null && targetFacts != null) {
            checks.add(check("snapshot_load", () -> SnapshotLoadInput.requireFits(read.load(), seedFacts, targetFacts,
                    targetEndpoint.tls()),
                    read.load() == SnapshotLoad.REPLICA ? "the target loads the RDB itself, as a replica of the snapshot "
                            + "worker (it must be empty, allow CONFIG SET masterauth and REPLICAOF, and reach the worker)"
                            : "the snapshot worker restores each key"));
        }
        if (sourceFacts != null) {
            checks.add(selectedKeys.check(source, new MigratedKeys(ignoreDbs, selection), sourceFacts.keysPerDb()));
        }
        checks.add(servers.distinct());
        checks.add(servers.sourceFree());
        checks.add(servers.targetFree());
        if (assessment == null) {
            return PreflightReport.of(null, checks);
        }
        checks.addAll(assessment.checks());
        checks.add(SpoolCheck.of(assessment.method(), sourceFacts.memory().dataset(), spoolSpaces.fresh()));
        return PreflightReport.of(assessment.method(), checks);
    }

    /** @return the facts, or null when the server cannot be used (the check says why) */
    private RedisProbe.Facts probe(List<PreflightReport.Check> checks, String role, RedisEndpoint endpoint) {
        try {
            RedisProbe.Facts facts = role.equals("source") ? probe.probeSource(endpoint) : probe.probe(role, endpoint);
            checks.add(pass(role, endpoint.address() + " answers: " + facts.release() + ", " + facts.databases() + " dbs"));
            return facts;
        } catch (ApiException e) {
            checks.add(fail(role, e.getMessage()));
            return null;
        }
    }

    private static PreflightReport.Check check(String name, Runnable rule, String whenOk) {
        try {
            rule.run();
            return pass(name, whenOk);
        } catch (ApiException e) {
            return fail(name, e.getMessage());
        }
    }

    private static PreflightReport.Check pass(String name, String message) {
        return PreflightReport.Check.pass(name, message);
    }

    private static PreflightReport.Check fail(String name, String message) {
        return PreflightReport.Check.fail(name, message);
    }
}
