package dev.redismigrate.api.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.preflight.PreflightReport.Result;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.api.redis.SourceAccess;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisVersion;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The method choice from what the servers said, without servers (no newer Redis is at hand here). */
class SourceAssessmentTest {
    private static final RedisEndpoint SOURCE = new RedisEndpoint("127.0.0.1", 6379, null, null, false);
    private static final RedisProbe.Memory ROOMY = new RedisProbe.Memory(1 << 20, 1 << 20, 1L << 30, 0);
    private static final SourceAccess OPEN = new SourceAccess(null, null, "", true);

    private static RedisProbe.Facts server(String version, SourceAccess access) {
        return new RedisProbe.Facts(RedisVersion.parse(version), 16, ROOMY, Map.of(0, 10L), access);
    }

    @Test
    void aSourceNewerThanTheTargetIsScannedAndWrittenTypeByTypeEvenWherePsyncIsAllowed() {
        SourceAssessment a = SourceAssessment.of(SOURCE, server("7.2.4", OPEN), server("7.0.15", null), Set.of(), null);
        assertEquals(MigrationMethod.SCAN, a.method());
        assertEquals(Result.WARN, a.versions().result());
        assertTrue(a.versions().message().contains("type by type"), a.versions().message());
        assertTrue(a.failures().isEmpty(), a.failures().toString());
        assertTrue(a.checks().stream().filter(c -> c.name().equals("method")).findFirst().orElseThrow().message()
                .contains("cannot load the newer source's RDB"));
    }

    @Test
    void replicationForcedOnANewerSourceFailsTheVersionsCheck() {
        SourceAssessment a = SourceAssessment.of(SOURCE, server("7.2.4", OPEN), server("7.0.15", null), Set.of(),
                MigrationMethod.REPLICATION);
        assertEquals(Result.FAIL, a.versions().result());
        assertEquals("versions", a.failures().get(0).name());
    }

    @Test
    void anEqualOrOlderSourceThatAllowsPsyncReplicates() {
        assertEquals(MigrationMethod.REPLICATION,
                SourceAssessment.of(SOURCE, server("7.0.15", OPEN), server("7.0.15", null), Set.of(), null).method());
        SourceAssessment older = SourceAssessment.of(SOURCE, server("6.2.14", OPEN), server("7.0.15", null), Set.of(), null);
        assertEquals(MigrationMethod.REPLICATION, older.method());
        assertEquals(Result.PASS, older.versions().result());
    }
}
