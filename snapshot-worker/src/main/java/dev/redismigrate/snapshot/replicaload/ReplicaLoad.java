package dev.redismigrate.snapshot.replicaload;

import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.snapshot.spool.Spool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * The snapshot loaded by the target itself: the target becomes a replica of a {@link SpoolMaster}
 * on this worker, loads the spooled RDB as Redis's own replica would (its CPU per key is the
 * replica's, not one {@code RESTORE} per key), and is detached again ({@code REPLICAOF NO ONE}), so
 * that the stream continues from the RDB's offset as after a restored copy.
 *
 * <p>The target is claimed with a one-time {@code masterauth} that names the migration: a worker
 * that takes the copy over after a crash recognises a target left attached by it and releases it,
 * and anything else (a replica of another master, a masterauth of the user's) is refused, never
 * changed. The password itself is never logged.
 */
public final class ReplicaLoad {
    private static final Logger LOG = Logger.getLogger(ReplicaLoad.class);
    /** full sends of the RDB after which a target that did not come up is given up on: it cannot load it */
    private static final int SENDS = 3;
    /** how long the target has to connect to the worker at all, after REPLICAOF */
    private static final Duration CONNECT_WITHIN = Duration.ofSeconds(30);

    private final RedisConnector connector;
    private final RedisEndpoint target;
    private final UUID migrationId;
    private final String listenHost;
    private final Duration targetRetryFor;
    private volatile SpoolMaster master;
    /** the load's connection to the target (one load at a time: the copier's thread) */
    private RedisLink control;
    /** this load's masterauth: a newer attempt's claim is left alone */
    private String claim;

    public ReplicaLoad(RedisConnector connector, RedisEndpoint target, UUID migrationId, String listenHost,
            Duration targetRetryFor) {
        this.connector = connector;
        this.target = target;
        this.migrationId = migrationId;
        this.listenHost = listenHost;
        this.targetRetryFor = targetRetryFor;
    }

    /** The load cannot be done or did not succeed; the message says why, for the user. */
    public static final class LoadFailure extends RuntimeException {
        LoadFailure(String message) {
            super(message);
        }
    }

    /**
     * Why this target cannot load the snapshot as a replica (null: it can): it must be a primary,
     * without a masterauth of its own, and (on a first attempt) hold no key, since a replica's load
     * replaces everything it holds. A target this migration left attached (a worker's crash) passes.
     */
    public String refusal(RedisLink link, boolean firstAttempt, Map<Integer, Long> sourceKeysPerDb) {
        if (target.tls()) {
            return "snapshot_load replica would send the RDB from the worker to the target in plaintext, and the target "
                    + "is reached by TLS: use snapshot_load restore";
        }
        Map<String, String> replication = link.info("replication");
        String masterauth;
        int databases;
        try {
            masterauth = link.configValue("masterauth");
            databases = Integer.parseInt(link.configValue("databases"));
        } catch (RedisAccessException | NumberFormatException e) {
            return "the target " + target.address() + " does not show its configuration (" + e.getMessage()
                    + "): snapshot_load replica needs CONFIG and REPLICAOF on it; use snapshot_load restore";
        }
        // a replica that loads a db it does not have exits (FATAL): never send it one
        int beyond = Keyspace.firstDbBeyond(sourceKeysPerDb, databases);
        if (beyond >= 0) {
            return "the source has keys in db" + beyond + " and the target only " + databases + " dbs (0-"
                    + (databases - 1) + "): a replica's load would stop the target; raise its databases, or use "
                    + "snapshot_load restore with db_map";
        }
        boolean ours = masterauth.startsWith(claimPrefix());
        if (!ours && "slave".equals(replication.get("role"))) {
            return "the target " + target.address() + " is a replica of " + replication.get("master_host") + ":"
                    + replication.get("master_port") + "; snapshot_load replica needs a primary";
        }
        if (!ours && !masterauth.isEmpty()) {
            return "the target " + target.address() + " has a masterauth of its own, which snapshot_load replica would "
                    + "have to replace: use snapshot_load restore";
        }
        long keys = Keyspace.keysOutside(link.info("keyspace"), Set.of());
        if (firstAttempt && !ours && keys > 0) {
            return "the target " + target.address() + " holds " + keys + " keys, which loading the snapshot as a "
                    + "replica would delete: empty it, or use snapshot_load restore";
        }
        return null;
    }

    /** RDB bytes sent to the target so far (over every full sync it asked for). */
    public long bytesServed() {
        SpoolMaster m = master;
        return m == null ? 0 : m.bytesServed();
    }

    /**
     * Attaches the target to a master that serves {@code spool}, waits until it has loaded the RDB,
     * and detaches it. Returns early, with the target detached, once {@code stopped} says so (a
     * stop, or the spool's failure). @return the keys the target holds after the load; -1: ended early
     */
    public long load(Spool spool, BooleanSupplier stopped) {
        claim = claimPrefix() + HexFormat.of().formatHex(SpoolMaster.randomBytes(24));
        byte[] secret = claim.getBytes(StandardCharsets.US_ASCII);
        try (SpoolMaster m = new SpoolMaster(listenHost, secret, spool)) {
            master = m;
            try {
                attach(m, secret);
                return awaitLoaded(m, secret, stopped) ? Keyspace.keysOutside(control().info("keyspace"), Set.of()) : -1;
            } finally {
                release(); // before the master closes: a replica that lost its master would try to reconnect
            }
        } catch (IOException e) {
            throw new LoadFailure("cannot listen on " + listenHost + " for the target's replication link "
                    + "(redis-migrate.snapshot.replica-load-host): " + e.getMessage());
        }
    }

    /** The connection that commands the target, opened again when it broke. */
    private RedisLink control() {
        if (control == null || !control.isOpen()) {
            closeControl();
            control = connector.open(target, "redis-migrate-replica-load");
        }
        return control;
    }

    private void closeControl() {
        if (control != null) {
            try {
                control.close();
            } catch (RuntimeException e) {
                // closing anyway
            }
            control = null;
        }
    }

    private void attach(SpoolMaster m, byte[] secret) {
        try {
            control().call("CONFIG", "SET", "masterauth", new String(secret, StandardCharsets.US_ASCII));
            control().call("REPLICAOF", listenHost, Integer.toString(m.port()));
        } catch (RedisAccessException e) {
            throw new LoadFailure("the target " + target.address() + " refused to load the snapshot as a replica ("
                    + e.getMessage() + "): it must allow CONFIG SET masterauth and REPLICAOF, or use snapshot_load restore");
        }
        LOG.infof("migration %s: the target %s loads the RDB as a replica of %s:%d", migrationId, target.address(), listenHost,
                m.port());
    }

    /**
     * Polls the target's replication state until its link to us is up after a whole RDB.
     * @return whether it loaded (false: {@code stopped})
     */
    private boolean awaitLoaded(SpoolMaster m, byte[] secret, BooleanSupplier stopped) {
        long attachedAt = System.nanoTime();
        long lostSince = 0;
        while (!stopped.getAsBoolean()) {
            sleep(m.completeSends() > 0 ? 10 : 100); // once the RDB is all sent, the load ends any moment
            Map<String, String> replication;
            String masterauth;
            boolean loadingItsOwn;
            try {
                replication = control().info("replication");
                masterauth = control().configValue("masterauth");
                loadingItsOwn = !"slave".equals(replication.get("role"))
                        && "1".equals(control().info("persistence").get("loading"));
                lostSince = 0;
            } catch (RedisAccessException e) {
                closeControl();
                lostSince = lostSince == 0 ? System.nanoTime() : lostSince;
                if (System.nanoTime() - lostSince > targetRetryFor.toNanos()) {
                    throw new LoadFailure("lost the target " + target.address() + " for more than "
                            + targetRetryFor.toSeconds() + " s while it loaded the snapshot: " + e.getMessage());
                }
                continue;
            }
            if (!masterauth.equals(claim) && masterauth.startsWith(claimPrefix())) {
                throw new LoadFailure("another attempt of this migration took the target " + target.address() + " over");
            }
            if (!"slave".equals(replication.get("role"))) {
                if (loadingItsOwn) {
                    continue; // restarted with persistence: it answers REPLICAOF once its own data is loaded
                }
                // restarted (it forgets REPLICAOF unless it was saved), or detached by someone: attach it again
                LOG.warnf("migration %s: the target %s is no replica any more while loading the snapshot; attaching it again",
                        migrationId, target.address());
                attach(m, secret);
                continue;
            }
            if (!ours(replication, m)) {
                throw new LoadFailure("the target " + target.address() + " was made a replica of "
                        + replication.get("master_host") + ":" + replication.get("master_port") + " while it loaded the snapshot");
            }
            if (m.fullSyncs() > SENDS + 2) {
                throw new LoadFailure("the target " + target.address() + " began loading the RDB " + m.fullSyncs()
                        + " times without finishing (its log says why): use snapshot_load restore");
            }
            if ("up".equals(replication.get("master_link_status"))
                    && "0".equals(replication.get("master_sync_in_progress")) && m.completeSends() > 0) {
                return true;
            }
            if (m.completeSends() >= SENDS && !"up".equals(replication.get("master_link_status"))) {
                throw new LoadFailure("the target " + target.address() + " did not load the RDB sent to it " + SENDS
                        + " times (its log says why): use snapshot_load restore");
            }
            if (m.fullSyncs() == 0 && System.nanoTime() - attachedAt > CONNECT_WITHIN.toNanos()) {
                throw new LoadFailure("the target " + target.address() + " did not connect to " + listenHost + ":" + m.port()
                        + " in " + CONNECT_WITHIN.toSeconds() + " s to load the snapshot: it must reach the worker there "
                        + "(redis-migrate.snapshot.replica-load-host), or use snapshot_load restore");
            }
        }
        return false;
    }

    private boolean ours(Map<String, String> replication, SpoolMaster m) {
        return String.valueOf(m.port()).equals(replication.get("master_port")) && listenHost.equals(replication.get("master_host"));
    }

    /**
     * Detaches the target and clears the masterauth we set, retried for {@code target-retry-for}: a
     * target left attached to a closed port would stay read-only, its data kept.
     */
    private void release() {
        long until = System.nanoTime() + Math.max(targetRetryFor.toNanos(), 5_000_000_000L);
        try {
            while (true) {
                try {
                    if (claim != null && control().configValue("masterauth").equals(claim)) {
                        control().call("REPLICAOF", "NO", "ONE");
                        control().call("CONFIG", "SET", "masterauth", "");
                    }
                    return;
                } catch (RedisAccessException e) {
                    closeControl();
                    if (String.valueOf(e.getMessage()).contains("LOADING")) {
                        until = Math.max(until, System.nanoTime() + 5_000_000_000L); // a load ends: wait for it
                    }
                    if (System.nanoTime() > until) {
                        LOG.errorf("migration %s: could not detach the target %s after loading the snapshot (%s): run "
                                + "REPLICAOF NO ONE and CONFIG SET masterauth \"\" on it", migrationId, target.address(),
                                e.getMessage());
                        return;
                    }
                    sleep(200); // e.g. LOADING: a replica answers little while it loads
                }
            }
        } finally {
            closeControl();
        }
    }

    /** What the masterauth of a target this migration claimed starts with. */
    private String claimPrefix() {
        return "redis-migrate:" + migrationId + ":";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
