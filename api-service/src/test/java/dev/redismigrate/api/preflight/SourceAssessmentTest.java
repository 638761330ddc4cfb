package dev.redismigrate.api.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.preflight.PreflightReport.Result;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.api.redis.SourceAccess;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.ServerRelease;
import dev.redismigrate.common.selection.MigratedKeys;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The method choice from what the servers said, without servers (no newer Redis is at hand here). */
class SourceAssessmentTest {
    private static final MigratedKeys ALL = MigratedKeys.allBut(Set.of());
    private static final RedisEndpoint SOURCE = new RedisEndpoint("127.0.0.1", 6379, null, null, false);
    private static final RedisProbe.Memory ROOMY = new RedisProbe.Memory(1 << 20, 1 << 20, 1L << 30, 0);
    private static final SourceAccess OPEN = new SourceAccess(null, null, "", true);

    private static RedisProbe.Facts server(String version, SourceAccess access) {
        return server(ServerRelease.redis(version), access);
    }

    private static RedisProbe.Facts server(ServerRelease release, SourceAccess access) {
        return new RedisProbe.Facts(release, "run-id-of-" + release, false, 16, ROOMY, Map.of(0, 10L), access);
    }

    @Test
    void aSourceNewerThanTheTargetIsScannedAndWrittenTypeByTypeEvenWherePsyncIsAllowed() {
        SourceAssessment a = SourceAssessment.of(SOURCE, server("7.2.4", OPEN), server("7.0.15", null), ALL, null);
        assertEquals(MigrationMethod.SCAN, a.method());
        assertEquals(Result.WARN, a.versions().result());
        assertTrue(a.versions().message().contains("type by type"), a.versions().message());
        assertTrue(a.failures().isEmpty(), a.failures().toString());
        assertTrue(a.checks().stream().filter(c -> c.name().equals("method")).findFirst().orElseThrow().message()
                .contains("cannot load the source's RDB version"));
    }

    @Test
    void replicationForcedOnANewerSourceFailsTheVersionsCheck() {
        SourceAssessment a = SourceAssessment.of(SOURCE, server("7.2.4", OPEN), server("7.0.15", null), ALL,
                MigrationMethod.REPLICATION);
        assertEquals(Result.FAIL, a.versions().result());
        assertEquals("versions", a.failures().get(0).name());
    }

    @Test
    void anEqualOrOlderSourceThatAllowsPsyncReplicates() {
        assertEquals(MigrationMethod.REPLICATION,
                SourceAssessment.of(SOURCE, server("7.0.15", OPEN), server("7.0.15", null), ALL, null).method());
        SourceAssessment older = SourceAssessment.of(SOURCE, server("6.2.14", OPEN), server("7.0.15", null), ALL, null);
        assertEquals(MigrationMethod.REPLICATION, older.method());
        assertEquals(Result.PASS, older.versions().result());
    }

    @Test
    void theMethodFollowsTheRdbVersionEachServerWritesNotItsVersionString() {
        ServerRelease redis70 = ServerRelease.redis("7.0.15");
        ServerRelease valkey8 = ServerRelease.valkey("8.0.1");
        SourceAssessment intoValkey = SourceAssessment.of(SOURCE, server(redis70, OPEN), server(valkey8, null), ALL, null);
        assertEquals(MigrationMethod.REPLICATION, intoValkey.method());
        assertEquals("the target's Valkey 8.0.1 (RDB version 11) can load the source's Redis 7.0.15 (RDB version 10)",
                intoValkey.versions().message());
        assertEquals(MigrationMethod.REPLICATION,
                SourceAssessment.of(SOURCE, server(valkey8, OPEN), server(valkey8, null), ALL, null).method());
        // Valkey 8.0 says redis_version 7.2.4, older by string than Redis 7.2.5; both write RDB 11
        assertEquals(MigrationMethod.REPLICATION, SourceAssessment.of(SOURCE, server(ServerRelease.redis("7.2.5"), OPEN),
                server(valkey8, null), ALL, null).method());

        SourceAssessment intoRedis70 = SourceAssessment.of(SOURCE, server(valkey8, OPEN), server(redis70, null), ALL, null);
        assertEquals(MigrationMethod.SCAN, intoRedis70.method());
        assertEquals(Result.WARN, intoRedis70.versions().result());
        assertTrue(intoRedis70.versions().message().startsWith("the source's Valkey 8.0.1 writes RDB version 11, which the "
                + "target's Redis 7.0.15 cannot load (it reads up to RDB version 10): keys are rebuilt type by type"),
                intoRedis70.versions().message());
        SourceAssessment forced = SourceAssessment.of(SOURCE, server(valkey8, OPEN), server(redis70, null), ALL,
                MigrationMethod.REPLICATION);
        assertEquals(Result.FAIL, forced.versions().result());
        assertTrue(forced.versions().message().contains("or ask for the scan method"), forced.versions().message());
    }
}
