package dev.redismigrate.api.migration;

import dev.redismigrate.api.Ids;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.selection.MigratedKeys;
import jakarta.persistence.LockModeType;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Queries over migrations that more than one feature asks. */
public final class Migrations {
    private Migrations() {
    }

    /** A migration of that target, locked for the rest of the transaction; 404 when there is none. */
    public static Migration lockedOf(String databaseId, String migrationId) {
        UUID targetId = Ids.parse("database", databaseId);
        Migration m = Migration.findById(Ids.parse("migration", migrationId), LockModeType.PESSIMISTIC_WRITE);
        if (m == null || !m.database.id.equals(targetId)) {
            throw ApiException.notFound("migration " + migrationId + " of database " + databaseId + " not found");
        }
        return m;
    }

    /** The active migration of a target, or null. */
    /**
     * The verifier follows key filters and a db map (each source db against the target db it goes into),
     * but not a merge: where two source dbs go into one target db, a key in both is the last copied's, so no
     * source db is the one to compare it with. 422 rather than a verdict that is wrong.
     */
    public static void requireVerifiable(Migration m) {
        if (new MigratedKeys(m.ignoredDbs(), m.selection()).merges()) {
            throw ApiException.unprocessable("migration " + m.id + " merges source dbs into one target db (db_map with"
                    + " allow_merge), which the verification cannot follow (a key in several dbs is the last copied's):"
                    + " verify is not available");
        }
    }

    public static Migration activeOf(UUID databaseId) {
        return Migration.find("database.id = ?1 and status in ?2", databaseId, MigrationStatus.ACTIVE).firstResult();
    }

    /** Active migrations that write into the server with that run_id (through any registration of it). */
    public static List<Migration> activeInto(String serverId) {
        return serverId == null ? List.of() : Migration.find("from Migration m join fetch m.database where "
                + "m.targetServerId = ?1 and m.status in ?2 order by m.createdAt", serverId, MigrationStatus.ACTIVE).list();
    }

    /** Active migrations that read from the server with that run_id. */
    public static List<Migration> activeFrom(String serverId) {
        return serverId == null ? List.of() : Migration.find("from Migration m join fetch m.database where "
                + "m.sourceServerId = ?1 and m.status in ?2 order by m.createdAt", serverId, MigrationStatus.ACTIVE).list();
    }

    /**
     * Orders the starts that involve these servers until the current transaction ends (PostgreSQL
     * advisory locks, taken in one order so two starts cannot wait on each other): a start checks
     * which migrations use its servers, then inserts; two at once must not both pass the check.
     */
    public static void lockServers(String... serverIds) {
        Arrays.stream(serverIds).filter(Objects::nonNull).distinct().sorted().forEach(id ->
                Migration.getEntityManager().createNativeQuery("select 1 from (select pg_advisory_xact_lock(hashtext(?1))) locked")
                        .setParameter(1, "redis-migrate server " + id).getSingleResult());
    }
}
