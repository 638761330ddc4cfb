package dev.redismigrate.api.migration;

import dev.redismigrate.api.ApiConfig;
import dev.redismigrate.api.Ids;
import dev.redismigrate.api.database.DatabaseService;
import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.events.EventFeed;
import dev.redismigrate.api.outbox.Outbox;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.api.preflight.ClusterSource;
import dev.redismigrate.api.preflight.ClusterSourceProbe;
import dev.redismigrate.api.preflight.PreflightReport;
import dev.redismigrate.api.preflight.ServerChecks;
import dev.redismigrate.api.preflight.SourceAssessment;
import dev.redismigrate.common.contract.LimitsRequest;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import dev.redismigrate.common.selection.MigratedKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Starts, follows and stops migrations. Commands for the workers go through the {@link Outbox}, in
 * the same transaction as the state they follow from.
 */
@ApplicationScoped
public class MigrationService {
    private static final Logger LOG = Logger.getLogger(MigrationService.class);

    private final SecretCipher cipher;
    private final RedisProbe probe;
    private final Outbox outbox;
    private final ApiConfig config;
    private final EventFeed feed;
    private final ClusterSourceProbe clusterProbe;

    MigrationService(SecretCipher cipher, RedisProbe probe, Outbox outbox, ApiConfig config, EventFeed feed,
            ClusterSourceProbe clusterProbe) {
        this.clusterProbe = clusterProbe;
        this.cipher = cipher;
        this.probe = probe;
        this.outbox = outbox;
        this.config = config;
        this.feed = feed;
    }

    public Migration start(String databaseId, StartMigrationRequest request) {
        StartMigrationRequest.Read read = StartMigrationRequest.read(databaseId, request, cipher);
        TargetDatabase target = read.target();
        UUID targetId = target.id;
        RedisEndpoint source = read.source();
        Set<Integer> ignoreDbs = read.ignoreDbs();
        requireNoActive(targetId);
        MigrationRules.requireDistinct(source, target.endpoint());

        // preflight outside any transaction: slow servers must not hold a database connection
        RedisProbe.Facts seedFacts = probe.probeSource(source);
        MigrationRules.requireWithin(ignoreDbs, seedFacts.databases());
        RedisProbe.Facts targetFacts = probe.probe("target", target.endpoint());
        // a cluster source: every shard, by its master (the figures below are the masters' together)
        ClusterSource cluster = clusterProbe.inspect(source, seedFacts);
        RedisProbe.Facts sourceFacts = cluster == null ? seedFacts : cluster.combined();
        KeySelectionInput.requireFits(read.selection(), ignoreDbs, sourceFacts.databases(), targetFacts.databases());
        SnapshotLoadInput.requireFits(read.load(), seedFacts, targetFacts, target.endpoint().tls());
        ServerChecks servers = ServerChecks.of(target, source, sourceFacts, targetFacts, cluster);
        SourceAssessment assessment = SourceAssessment.of(source, sourceFacts, targetFacts,
                new MigratedKeys(ignoreDbs, read.selection()), read.asked());
        List<PreflightReport.Check> failures = new ArrayList<>(servers.refusals());
        failures.addAll(assessment.failures());
        if (!failures.isEmpty()) {
            failures.addAll(servers.busy());
            throw ApiException.unprocessable("the preflight failed: " + failures.stream()
                    .map(c -> c.name() + ": " + c.message()).collect(Collectors.joining("; ")), failures);
        }
        requireFree(servers.busy());

        return QuarkusTransaction.requiringNew().call(() -> {
            // the lock orders concurrent PUTs (and DELETE of the target): only one can pass the check
            TargetDatabase locked = TargetDatabase.findById(targetId, LockModeType.PESSIMISTIC_WRITE);
            if (locked == null) {
                throw ApiException.notFound("database " + targetId + " not found");
            }
            requireNoActive(targetId);
            // and so for starts through other registrations of these servers
            Migrations.lockServers(sourceFacts.serverId(), targetFacts.serverId());
            requireFree(ServerChecks.of(locked, source, sourceFacts, targetFacts, cluster).busy());
            Migration m = MigrationWorkflow.start(locked, source, sourceFacts.serverId(), targetFacts.serverId(), ignoreDbs,
                    assessment.method(), cluster == null ? scanParts(assessment.method(), sourceFacts, ignoreDbs) : 1, Ids.now(),
                    config.migration().maxDuration(), cluster == null ? List.of() : cluster.plans());
            m.limits(read.limits());
            m.selection(read.selection());
            m.snapshotLoad = read.load();
            m.persist();
            HistoryEntry.record(m.id, m.createdAt, "REQUESTED", "copy " + source.address() + " ("
                    + sourceFacts.release() + ") into " + locked.endpoint().address() + " (" + targetFacts.release()
                    + ") by " + m.method.wire() + (m.sharded() ? ", " + m.shards.size() + " source shards, each its own unit of work"
                            : "") + KeySelectionInput.describe(read.selection())
                    + (read.load() == null ? "" : ", snapshot loaded by " + read.load().wire()));
            MigrationWorkflow flow = new MigrationWorkflow(m);
            if (flow.limitsCommand() != null) {
                outbox.add(flow.limitsCommand()); // first: a worker keeps them for the task to come
            }
            flow.firstCommands().forEach(outbox::add);
            return m;
        });
    }

    /** Another active migration uses these servers: a conflict that ends with it. */
    private static void requireFree(List<PreflightReport.Check> busy) {
        if (!busy.isEmpty()) {
            throw ApiException.conflict(busy.stream().map(PreflightReport.Check::message).collect(Collectors.joining("; ")));
        }
    }

    /**
     * A big scan is shared out among snapshot-worker instances; replication reads one RDB, whole. A
     * cluster source's scan is shared out by its shards already (one scan each).
     */
    private int scanParts(MigrationMethod method, RedisProbe.Facts sourceFacts, Set<Integer> ignoreDbs) {
        if (method != MigrationMethod.SCAN) {
            return 1;
        }
        long keys = sourceFacts.keysPerDb().entrySet().stream().filter(e -> !ignoreDbs.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
        long perPart = Math.max(1, config.migration().scanKeysPerPart());
        int maxParts = Math.min(config.migration().scanMaxParts(), ScanPartProgress.MAX_PARTS);
        return (int) Math.max(1, Math.min(maxParts, (keys + perPart - 1) / perPart));
    }

    private static void requireNoActive(UUID targetId) {
        Migration active = Migrations.activeOf(targetId);
        if (active != null) {
            throw ApiException.conflict("database " + targetId + " already has an active online migration: "
                    + active.id);
        }
    }

    /** The latest migration into a target. */
    public Migration latest(String databaseId) {
        TargetDatabase target = DatabaseService.find(Ids.parse("database", databaseId));
        Migration m = Migration.find("database.id = ?1 order by createdAt desc", target.id).firstResult();
        if (m == null) {
            throw ApiException.notFound("database " + databaseId + " has no online migration");
        }
        return m;
    }

    public Migration get(String migrationId) {
        Migration m = Migration.findById(Ids.parse("migration", migrationId));
        if (m == null) {
            throw ApiException.notFound("migration " + migrationId + " not found");
        }
        return m;
    }

    /** One page of migrations, newest first, optionally of one status. */
    public Page list(String status, int page, int perPage) {
        if (page < 1) {
            throw ApiException.badRequest("page must be 1 or more, got " + page);
        }
        if (perPage < 1 || perPage > MAX_PER_PAGE) {
            throw ApiException.badRequest("per_page must be between 1 and " + MAX_PER_PAGE + ", got " + perPage);
        }
        // the first row of the page is counted in an int: (page - 1) * per_page must fit
        int lastPage = Integer.MAX_VALUE / perPage;
        if (page > lastPage) {
            throw ApiException.badRequest("page must be at most " + lastPage + " with per_page " + perPage + ", got " + page);
        }
        var query = status == null
                ? Migration.<Migration>find("order by createdAt desc")
                : Migration.<Migration>find("status = ?1 order by createdAt desc", MigrationStatus.parse(status));
        return new Page(query.page(page - 1, perPage).list(), query.count());
    }

    static final int MAX_PER_PAGE = 200;

    public record Page(List<Migration> items, long total) {
    }

    public List<HistoryEntry> history(String migrationId) {
        return HistoryEntry.of(get(migrationId).id);
    }

    /** Cancels an active migration; one that has ended already is left as it is. */
    @Transactional
    public void cancel(String databaseId, String migrationId) {
        Migration m = Migrations.lockedOf(databaseId, migrationId);
        if (m.isActive()) {
            Instant now = Ids.now();
            outbox.add(new MigrationWorkflow(m).end(MigrationStatus.CANCELED, "canceled by the user", now));
            HistoryEntry.record(m.id, now, "CANCELED", "canceled by the user; the target keeps what was copied");
        }
    }

    /**
     * Changes the limits of an active migration (PATCH): every worker instance hears them and applies
     * them within a second. An absent limit keeps its value; 0 lifts it.
     */
    @Transactional
    public Migration change(String databaseId, String migrationId, ChangeMigrationRequest body) {
        if (body == null || body.limits() == null) {
            throw ApiException.badRequest("limits is required (the only thing a PATCH changes)");
        }
        Migration m = Migrations.lockedOf(databaseId, migrationId);
        var limits = body.limits().over(m.limits());
        if (!m.isActive()) {
            throw ApiException.conflict("migration " + m.id + " is " + m.status.wire() + ": its limits no longer matter");
        }
        m.limits(limits);
        outbox.add(new LimitsRequest(m.id, limits));
        HistoryEntry.record(m.id, Ids.now(), "LIMITS", "limits: " + limits.keysPerSecond() + " keys/s, "
                + limits.commandsPerSecond() + " commands/s (0: unlimited)");
        return m;
    }

    /** Applies a worker's event (see {@link MigrationWorkflow#apply}). */
    @Transactional
    public void apply(MigrationEvent event) {
        // locked: events, cancel and expiry of one migration must not overwrite each other
        Migration m = Migration.findById(event.migrationId(), LockModeType.PESSIMISTIC_WRITE);
        if (m == null) {
            LOG.debugf("%s event for unknown migration %s ignored", event.type(), event.migrationId());
            return;
        }
        Instant now = Ids.now();
        EventOutcome outcome = new MigrationWorkflow(m).apply(event, now);
        if (outcome.history() != null) {
            HistoryEntry.record(m.id, now, event.type().name(), outcome.history());
        }
        outcome.commands().forEach(outbox::add);
    }

    /** Active migrations past stops_at are stopped; they end as done, the target keeps its data. */
    @Scheduled(every = "${redis-migrate.migration.expiry-check}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    @Transactional
    void stopExpired() {
        Instant now = Ids.now();
        List<Migration> expired = Migration.find("status in ?1 and stopsAt <= ?2", MigrationStatus.ACTIVE, now)
                .withLock(LockModeType.PESSIMISTIC_WRITE).list();
        for (Migration m : expired) {
            outbox.add(new MigrationWorkflow(m).end(MigrationStatus.DONE, "the migration reached stops_at", now));
            HistoryEntry.record(m.id, now, "DONE", "stopped at stops_at " + m.stopsAt);
            LOG.infof("migration %s reached stops_at: stopped", m.id);
        }
    }

    /**
     * Active migrations whose worker fell silent go to another instance (see {@link MigrationWorkflow#reassign}).
     * Hand-overs that nobody answers (no worker alive) back off: each waits twice as long, up to 32x.
     */
    @Scheduled(every = "${redis-migrate.migration.silence-check}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void reassignSilent() {
        Duration silence = config.migration().workerSilence();
        if (feed.reliableFor(silence)) {
            QuarkusTransaction.requiringNew().run(() -> reassignSilent(silence));
        }
    }

    private void reassignSilent(Duration silence) {
        Instant now = Ids.now();
        // a cluster source's shard may fall silent while the others report: its own time counts
        List<Migration> silent = Migration.find("from Migration m where m.status in ?1 and (m.updatedAt <= ?2 or exists (select 1 from"
                + " MigrationShard s where s.migration = m and s.reportedAt <= ?2))", MigrationStatus.ACTIVE,
                now.minus(silence)).withLock(LockModeType.PESSIMISTIC_WRITE).list();
        for (Migration m : silent) {
            int unanswered = HistoryEntry.reassignsInARow(m.id);
            Instant lastHeard = m.shards.stream().map(s -> s.reportedAt).filter(t -> t != null)
                    .reduce(m.updatedAt, (a, b) -> a.isBefore(b) ? a : b);
            Instant silentSince = now.minus(silence.multipliedBy(1L << Math.min(unanswered, 5)));
            if (lastHeard.isAfter(silentSince)) {
                continue;
            }
            // a cluster source: only its silent shards go over, each to an attempt of its own
            new MigrationWorkflow(m).reassign(now, silentSince).forEach(outbox::add);
            String which = m.sharded() ? "shard" + (m.shards.stream().filter(s -> s.attempt == m.attempt).count() == 1 ? " " : "s ")
                    + m.shards.stream().filter(s -> s.attempt == m.attempt).map(s -> Integer.toString(s.index))
                            .collect(Collectors.joining(", ")) + ": " : "";
            HistoryEntry.record(m.id, now, HistoryEntry.REASSIGNED, which + "no report from the " + m.phase.name().toLowerCase()
                    + " worker for " + silence.toSeconds() + " s or more: attempt " + m.attempt + " goes to another instance");
            LOG.warnf("migration %s: %sworker silent; attempt %d requested", m.id, which, m.attempt);
        }
    }
}
