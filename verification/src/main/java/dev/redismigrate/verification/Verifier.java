package dev.redismigrate.verification;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.common.contract.VerifyMode;
import dev.redismigrate.common.contract.VerifyReport;
import dev.redismigrate.common.contract.VerifyRequest;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.verification.Findings.Kind;
import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.worker.WorkerIdentity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Compares a migration's source and target, db by db (the ignored ones left out): each key's
 * type, value digest and TTL, read in pipelined batches on both sides. Sorted sets are compared by
 * content (scores as numbers) unless both servers are the same family and version, whose digests of
 * them agree. A cluster source is read master by master ({@code source_shards}), a cluster target on
 * the master owning each key ({@link ClusterSide}); a cluster node named alone as the source ends the
 * verification in an error: it is part of the data. {@code full} SCANs every key
 * of the source and then the target for keys the source does not have; {@code sample} checks N
 * keys picked with RANDOMKEY, spread over the dbs by their sizes.
 * <p>
 * The target may be following the source (the stream syncing), so a key that differs is not
 * reported at once: it is read again on both sides a few times, each pause twice the one before. It is
 * reported only if it still differs while the source held still; a key that changed on the source
 * at every re-check is counted as unsettled, and one that is gone from the source (deleted or
 * expired meanwhile) is no mismatch.
 */
public final class Verifier implements Runnable {
    private static final Logger LOG = Logger.getLogger(Verifier.class);
    private static final long READ_TIMEOUT_MS = 120_000;
    private static final int MAX_BATCH = 1000;

    private final VerifyRequest request;
    private final RedisConnector connector;
    private final Consumer<VerifyReport> reports;
    private final VerifyConfig settings;
    private final int batchSize;
    private final long ttlToleranceMs;
    private final Findings findings;
    /** the migration's ignored dbs, key filters and db_map: which keys are compared, in which target db */
    private final MigratedKeys keys;

    private volatile boolean stopRequested;
    private volatile Long keysTotal;
    private volatile List<VerifyReport.DbKeys> keyspace;
    private volatile String valueMethod;
    private List<Suspect> suspects = new ArrayList<>();

    public Verifier(VerifyRequest request, RedisConnector connector, Consumer<VerifyReport> reports, VerifyConfig settings) {
        this.request = request;
        this.connector = connector;
        this.reports = reports;
        this.settings = settings;
        this.batchSize = Math.max(1, Math.min(MAX_BATCH, settings.batchSize()));
        this.ttlToleranceMs = settings.ttlTolerance().toMillis();
        this.findings = new Findings(settings.keysListed());
        this.keys = new MigratedKeys(request.ignoreDbs(), request.selection());
    }

    public UUID verificationId() {
        return request.verificationId();
    }

    public UUID migrationId() {
        return request.migrationId();
    }

    /** Ends the verification soon; it reports an error (it did not finish). */
    public void stop() {
        stopRequested = true;
    }

    @Override
    public void run() {
        LOG.infof("verification %s (%s) of %s against %s started", request.verificationId(), mode().wire(),
                request.target(), request.source());
        reports.accept(report(VerifyReport.State.RUNNING, null, null));
        ScheduledExecutorService ticker = MigrationThreads.timer("verify-progress");
        long every = Math.max(100, settings.reportEvery().toMillis());
        ticker.scheduleAtFixedRate(() -> reports.accept(report(VerifyReport.State.RUNNING, null, null)), every, every,
                TimeUnit.MILLISECONDS);
        VerifyReport last;
        try {
            verify();
            VerifyReport.Verdict verdict = findings.mismatches().total() == 0
                    ? VerifyReport.Verdict.EQUAL : VerifyReport.Verdict.DIFFERENT;
            last = report(VerifyReport.State.DONE, verdict, null);
            LOG.infof("verification %s: %s after %d keys checked (%d mismatches, %d unsettled)", request.verificationId(),
                    verdict.name().toLowerCase(), findings.checked(), findings.mismatches().total(), findings.unsettled().count());
        } catch (Stopped e) {
            last = report(VerifyReport.State.ERROR, null, "stopped before the end: the verifier shut down");
        } catch (RedisAccessException e) {
            LOG.warnf("verification %s failed: %s", request.verificationId(), e.getMessage());
            last = report(VerifyReport.State.ERROR, null, e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "verification %s failed", request.verificationId());
            last = report(VerifyReport.State.ERROR, null, "verification failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } finally {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        reports.accept(last); // after the ticker: the final report is the last one
    }

    private VerifyMode mode() {
        return request.mode() == null ? VerifyMode.FULL : request.mode();
    }

    private void verify() {
        if (request.sourceShards() != null && !request.sourceShards().isEmpty()) {
            verifyShards();
            return;
        }
        try (RedisLink sourceLink = open("source", request.source());
             RedisLink targetLink = open("target", request.target())) {
            Side source = new Side("source", sourceLink, READ_TIMEOUT_MS);
            ServerInfo sourceServer = source.server();
            refuseCluster(source, sourceServer);
            Side target = targetSide(targetLink);
            try {
                compareAll(source, target, sourceServer, target.server());
            } finally {
                closeCluster(target);
            }
        }
    }

    /** A cluster target is read key by key on the master owning each key's slot. */
    private Side targetSide(RedisLink targetLink) {
        return new Side("target", targetLink, READ_TIMEOUT_MS).server().clusterEnabled()
                ? new ClusterSide("target", targetLink, request.target(), connector, READ_TIMEOUT_MS)
                : new Side("target", targetLink, READ_TIMEOUT_MS);
    }

    private static void closeCluster(Side side) {
        if (side instanceof ClusterSide cluster) {
            cluster.close();
        }
    }

    /**
     * A cluster source: every master for its slots, db 0 (a cluster has no other): its keys against the
     * target's, then the target's keys of its slots against it, so every key of the target is asked
     * of the master that owns its slot. A sample is shared out among the masters by their sizes.
     */
    private void verifyShards() {
        List<VerifyRequest.SourceShard> shards = request.sourceShards();
        List<RedisLink> links = new ArrayList<>();
        try (RedisLink targetLink = open("target", request.target())) {
            Side target = targetSide(targetLink);
            try {
                verifyShards(shards, links, target);
            } finally {
                closeCluster(target); // a failed or stopped verification must not leave a link to every master open
            }
        } finally {
            links.forEach(RedisLink::close);
        }
    }

    private void verifyShards(List<VerifyRequest.SourceShard> shards, List<RedisLink> links, Side target) {
        ServerInfo targetServer = target.server();
        List<Side> sources = new ArrayList<>();
        for (VerifyRequest.SourceShard shard : shards) {
            RedisLink link = open("source shard " + sources.size(), shard.node());
            links.add(link);
            sources.add(new Side("source", link, READ_TIMEOUT_MS));
        }
        ServerInfo sourceServer = sources.get(0).server();
        boolean digest = settings.digestValue() && target.allowsDigestValue()
                && sources.stream().allMatch(Side::allowsDigestValue);
        Set<String> byContent = sourceServer.digestsAgreeWith(targetServer) ? Set.of() : Set.of("zset");
        sources.forEach(s -> s.useDigestValue(digest, byContent));
        target.useDigestValue(digest, byContent);
        valueMethod = !digest ? "type-wise" : byContent.isEmpty() ? "digest-value" : "digest-value, zset by content";
        LOG.infof("verification %s: a cluster source of %d shards, target %s, values by %s", request.verificationId(),
                shards.size(), targetServer, valueMethod);

        List<Long> sizes = new ArrayList<>();
        for (Side s : sources) {
            sizes.add(migrated(s.keysPerDb()).getOrDefault(0, 0L));
        }
        long sourceKeys = sizes.stream().mapToLong(Long::longValue).sum();
        keyspace = List.of(dbKeys(0, sourceKeys, target.keysPerDb()));
        if (mode() == VerifyMode.FULL) {
            keysTotal = keys.filtersKeys() ? null : sourceKeys;
            for (int i = 0; i < shards.size(); i++) {
                full(sources.get(i), target, 0, SlotRange.parse(shards.get(i).slots()));
            }
            if (keys.filtersKeys()) {
                keysTotal = findings.checked(); // known only now: the keys the filters selected
            }
        } else {
            Map<Integer, Long> bySize = new TreeMap<>();
            for (int i = 0; i < sizes.size(); i++) {
                bySize.put(i, sizes.get(i));
            }
            int size = request.sampleSize() == null ? 1000 : request.sampleSize();
            long checked = 0;
            for (Map.Entry<Integer, Integer> e : allocate(bySize, (int) Math.min(size, sourceKeys)).entrySet()) {
                checked += sample(sources.get(e.getKey()), target, Map.of(0, sizes.get(e.getKey())), e.getValue());
            }
            keysTotal = checked;
        }
    }

    private void compareAll(Side source, Side target, ServerInfo sourceServer, ServerInfo targetServer) {
        boolean digest = settings.digestValue() && source.allowsDigestValue() && target.allowsDigestValue();
        // sorted sets: DIGEST-VALUE hashes the scores' text, which differs between server builds
        Set<String> byContent = sourceServer.digestsAgreeWith(targetServer) ? Set.of() : Set.of("zset");
        source.useDigestValue(digest, byContent);
        target.useDigestValue(digest, byContent);
        valueMethod = !digest ? "type-wise" : byContent.isEmpty() ? "digest-value" : "digest-value, zset by content";
        LOG.infof("verification %s: source %s, target %s, values by %s", request.verificationId(), sourceServer,
                targetServer, valueMethod);

        Map<Integer, Long> sourceDbs = migrated(source.keysPerDb());
        Map<Integer, Long> targetDbs = target.keysPerDb();
        TreeSet<Integer> dbs = new TreeSet<>(sourceDbs.keySet()); // source dbs, and those whose target db holds keys
        targetDbs.keySet().stream().filter(keys::receives).map(this::sourceOf).forEach(dbs::add);
        keyspace = dbs.stream().map(db -> dbKeys(db, sourceDbs.getOrDefault(db, 0L), targetDbs)).toList();
        if (mode() == VerifyMode.FULL) {
            keysTotal = keys.filtersKeys() ? null : sourceDbs.values().stream().mapToLong(Long::longValue).sum();
            for (int db : dbs) {
                full(source, target, db, null);
            }
            if (keys.filtersKeys()) {
                keysTotal = findings.checked(); // known only now: the keys the filters selected
            }
        } else {
            keysTotal = (long) sample(source, target, sourceDbs, request.sampleSize() == null ? 1000 : request.sampleSize());
        }
    }

    /** One node of a cluster source holds only part of its keys: comparing it would call a partial view equal. */
    private static void refuseCluster(Side side, ServerInfo server) {
        if (server.clusterEnabled()) {
            throw new RedisAccessException("the " + side.name + " " + side.address() + " is a Redis Cluster node"
                    + " (cluster_enabled:1): verifying a cluster source is not supported yet, as one node"
                    + " holds only part of the keys");
        }
    }

    private RedisLink open(String side, RedisEndpoint endpoint) {
        try {
            return connector.open(endpoint, "redis-migrate-verify");
        } catch (RedisAccessException e) {
            throw new RedisAccessException("the " + side + " cannot be read: " + e.getMessage());
        }
    }

    private Map<Integer, Long> migrated(Map<Integer, Long> perDb) {
        Map<Integer, Long> out = new TreeMap<>(perDb);
        out.keySet().removeIf(db -> !keys.migrates(db));
        return out;
    }

    /** The migrated source db whose keys go into {@code targetDb} (one: a merge is not verified, see api-service). */
    private int sourceOf(int targetDb) {
        return keys.sourcesOf(targetDb, Math.max(targetDb + 1, keys.dbsNamed())).stream().findFirst().orElse(targetDb);
    }

    private VerifyReport.DbKeys dbKeys(int sourceDb, long sourceKeys, Map<Integer, Long> targetDbs) {
        int targetDb = keys.targetDb(sourceDb);
        return new VerifyReport.DbKeys(sourceDb, sourceKeys, targetDbs.getOrDefault(targetDb, 0L),
                targetDb == sourceDb ? null : targetDb);
    }

    /**
     * Every key of the source db that the migration selects, then the selected keys of the target db it goes
     * into that the source does not have (the others are not the migration's).
     * @param slots a cluster source's shard: the target's keys of these slots are its to have (null: every key)
     */
    private void full(Side source, Side target, int db, BitSet slots) {
        source.select(db);
        target.select(keys.targetDb(db));
        String cursor = "0";
        List<byte[]> batch = new ArrayList<>();
        do {
            checkStop();
            Side.Page page = source.scan(cursor, batchSize);
            cursor = page.cursor();
            page.keys().stream().filter(keys::selects).forEach(batch::add);
            if (batch.size() >= batchSize || "0".equals(cursor)) {
                compare(source, target, db, batch);
                batch = new ArrayList<>();
            }
        } while (!"0".equals(cursor));
        settle(source, target, db);

        do {
            checkStop();
            Side.Page page = target.scan(cursor, batchSize);
            cursor = page.cursor();
            List<byte[]> ours = page.keys().stream()
                    .filter(k -> slots == null || slots.get(HashSlot.of(k)))
                    .filter(keys::selects)
                    .filter(k -> !ShardNames.isCheckpointKey(request.migrationId(), new String(k, StandardCharsets.ISO_8859_1))).toList();
            if (!ours.isEmpty()) {
                List<Object> exist = source.exist(ours);
                for (int i = 0; i < ours.size(); i++) {
                    if (Long.valueOf(0).equals(exist.get(i))) {
                        suspects.add(new Suspect(ours.get(i), Kind.EXTRA, new KeyState(KeyState.NONE, -2, null), System.nanoTime(), false));
                    }
                }
                if (suspects.size() >= batchSize) {
                    settle(source, target, db);
                }
            }
        } while (!"0".equals(cursor));
        settle(source, target, db);
    }

    /**
     * N keys of the source (or all if it has fewer), spread over the dbs by their sizes; with key filters,
     * N of those they select as far as random picks find them. @return how many were compared
     */
    private int sample(Side source, Side target, Map<Integer, Long> sourceDbs, int size) {
        long total = sourceDbs.values().stream().mapToLong(Long::longValue).sum();
        int n = (int) Math.min(size, total);
        int compared = 0;
        for (Map.Entry<Integer, Integer> e : allocate(sourceDbs, n).entrySet()) {
            int db = e.getKey();
            source.select(db);
            target.select(keys.targetDb(db));
            List<byte[]> picked = pick(source, e.getValue(), sourceDbs.get(db));
            for (int from = 0; from < picked.size(); from += batchSize) {
                checkStop();
                compare(source, target, db, picked.subList(from, Math.min(picked.size(), from + batchSize)));
            }
            compared += picked.size();
            settle(source, target, db);
        }
        return compared;
    }

    /** How many keys of each db a sample of {@code n} takes: in proportion to the db sizes (largest remainders). */
    static Map<Integer, Integer> allocate(Map<Integer, Long> sizes, int n) {
        long total = sizes.values().stream().mapToLong(Long::longValue).sum();
        Map<Integer, Integer> out = new TreeMap<>();
        Map<Integer, Double> remainders = new LinkedHashMap<>();
        int given = 0;
        for (Map.Entry<Integer, Long> e : sizes.entrySet()) {
            double exact = total == 0 ? 0 : (double) n * e.getValue() / total;
            int floor = (int) Math.min(e.getValue(), Math.floor(exact));
            out.put(e.getKey(), floor);
            remainders.put(e.getKey(), exact - floor);
            given += floor;
        }
        while (given < n) {
            Integer best = null;
            for (Map.Entry<Integer, Double> r : remainders.entrySet()) {
                if (out.get(r.getKey()) < sizes.get(r.getKey()) && (best == null || r.getValue() > remainders.get(best))) {
                    best = r.getKey();
                }
            }
            if (best == null) {
                break;
            }
            out.merge(best, 1, Integer::sum);
            remainders.put(best, -1.0);
            given++;
        }
        out.values().removeIf(v -> v == 0);
        return out;
    }

    /** {@code want} distinct keys of the selected db: RANDOMKEY, or a SCAN when it wants (nearly) all of them. */
    private List<byte[]> pick(Side source, int want, long dbSize) {
        Map<ByteBuffer, byte[]> keys = new LinkedHashMap<>();
        if (want >= dbSize) {
            String cursor = "0";
            do {
                checkStop();
                Side.Page page = source.scan(cursor, batchSize);
                cursor = page.cursor();
                page.keys().stream().filter(this.keys::selects).forEach(k -> keys.putIfAbsent(ByteBuffer.wrap(k), k));
            } while (!"0".equals(cursor) && keys.size() < want);
        } else {
            for (int round = 0; round < 50 && keys.size() < want; round++) {
                checkStop();
                int need = want - keys.size();
                int before = keys.size();
                source.randomKeys(Math.min(MAX_BATCH, need + need / 2 + 1)).stream().filter(this.keys::selects)
                        .forEach(k -> keys.putIfAbsent(ByteBuffer.wrap(k), k));
                if (keys.size() == before && round > 5) {
                    break; // the db emptied meanwhile, or the filters select (almost) none of it
                }
            }
        }
        return keys.values().stream().limit(want).toList();
    }

    private void compare(Side source, Side target, int db, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return;
        }
        differences(source, target, keys,
                (i, kind, state, at) -> suspects.add(new Suspect(keys.get(i), kind, state, at, false)));
        findings.checked(keys.size());
        if (suspects.size() >= batchSize) {
            settle(source, target, db);
        }
    }

    /**
     * Reads the keys that differed again, up to {@code recheckAttempts} times; those that still
     * differ are reported: under their kind if the source held still since the previous read, as
     * unsettled if it changed.
     */
    private void settle(Side source, Side target, int db) {
        if (suspects.isEmpty()) {
            return;
        }
        List<Suspect> open = suspects;
        suspects = new ArrayList<>();
        findings.rechecked(open.size());
        for (int attempt = 0; attempt < settings.recheckAttempts() && !open.isEmpty(); attempt++) {
            pause(settings.recheckDelay().toMillis() << Math.min(attempt, 4)); // 200, 400, 800 ms by default
            List<Suspect> still = new ArrayList<>();
            for (int from = 0; from < open.size(); from += batchSize) {
                List<Suspect> chunk = open.subList(from, Math.min(open.size(), from + batchSize));
                List<byte[]> keys = chunk.stream().map(Suspect::key).toList();
                differences(source, target, keys, (i, kind, state, at) -> {
                    Suspect before = chunk.get(i);
                    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(at - before.readAt());
                    still.add(new Suspect(keys.get(i), kind, state, at, changed(before.source(), state, elapsedMs, ttlToleranceMs)));
                });
            }
            open = still;
        }
        for (Suspect x : open) {
            findings.found(x.changed() ? Kind.UNSETTLED : x.kind(), db, x.key());
        }
    }

    /** A key of a batch that differs: its index, how, its state on the source and when the batch was read (nanoTime). */
    private interface Difference {
        void found(int index, Kind kind, KeyState source, long readAt);
    }

    /** Reads {@code keys} on both sides and hands on those that differ. */
    private void differences(Side source, Side target, List<byte[]> keys, Difference out) {
        long at = System.nanoTime();
        List<KeyState> s = source.read(keys);
        List<KeyState> t = target.read(keys);
        for (int i = 0; i < keys.size(); i++) {
            Kind kind = classify(s.get(i), t.get(i), ttlToleranceMs);
            if (kind != null) {
                out.found(i, kind, s.get(i), at);
            }
        }
    }

    /** How a key differs between source {@code s} and target {@code t}, or null when it does not. */
    static Kind classify(KeyState s, KeyState t, long ttlToleranceMs) {
        if (!s.exists() && !t.exists()) {
            return null;
        }
        if (!t.exists()) {
            // about to expire on the source: the target may have expired it already
            return s.expires() && s.pttl() <= ttlToleranceMs ? null : Kind.MISSING;
        }
        if (!s.exists()) {
            return t.expires() && t.pttl() <= ttlToleranceMs ? null : Kind.EXTRA;
        }
        if (!s.type().equals(t.type())) {
            return Kind.TYPE;
        }
        if (!Objects.equals(s.digest(), t.digest())) {
            return Kind.VALUE;
        }
        if (s.expires() != t.expires() || (s.expires() && Math.abs(s.pttl() - t.pttl()) > ttlToleranceMs)) {
            return Kind.TTL;
        }
        return null;
    }

    /** Whether the source's key changed between two reads {@code elapsedMs} apart (written to, not just older). */
    static boolean changed(KeyState before, KeyState now, long elapsedMs, long ttlToleranceMs) {
        if (!before.type().equals(now.type()) || !Objects.equals(before.digest(), now.digest())
                || before.expires() != now.expires()) {
            return true;
        }
        return before.expires() && Math.abs(before.pttl() - elapsedMs - now.pttl()) > ttlToleranceMs;
    }

    private void pause(long ms) {
        checkStop();
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Stopped();
        }
        checkStop();
    }

    private void checkStop() {
        if (stopRequested || Thread.currentThread().isInterrupted()) {
            throw new Stopped();
        }
    }

    private VerifyReport report(VerifyReport.State state, VerifyReport.Verdict verdict, String error) {
        return new VerifyReport(request.verificationId(), request.migrationId(), state, Instant.now(),
                WorkerIdentity.name(), mode(), valueMethod, ttlToleranceMs, findings.checked(), keysTotal,
                findings.rechecked(), findings.mismatches(), findings.unsettled(), keyspace, verdict, error);
    }

    private record Suspect(byte[] key, Kind kind, KeyState source, long readAt, boolean changed) {
    }

    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }
}
