package dev.redismigrate.api.migration;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.ServerRelease;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MigrationRulesTest {

    @Test
    void aSourceWhoseRdbVersionTheTargetCannotLoadIsRefused() {
        ApiException e = assertThrows(ApiException.class,
                () -> MigrationRules.requireLoadable(ServerRelease.redis("7.2.0"), ServerRelease.redis("7.0.15")));
        assertEquals(422, e.status());
        assertEquals("the source's Redis 7.2.0 writes RDB version 11, which the target's Redis 7.0.15 cannot load (it "
                + "reads up to RDB version 10): use a target that reads RDB version 11", e.getMessage());
        // across families: Valkey 8 writes RDB 11 (its redis_version 7.2.4 says nothing here)
        assertThrows(ApiException.class,
                () -> MigrationRules.requireLoadable(ServerRelease.valkey("8.0.1"), ServerRelease.redis("7.0.15")));
        // a release newer than the known ones: only its own family at that release or newer
        ApiException unknown = assertThrows(ApiException.class,
                () -> MigrationRules.requireLoadable(ServerRelease.redis("9.0.0"), ServerRelease.redis("8.0.2")));
        assertEquals(true, unknown.getMessage().contains("only a target of Redis 9.0.0 or newer"), unknown.getMessage());
    }

    @Test
    void aTargetThatLoadsTheSourcesRdbVersionIsAccepted() {
        assertDoesNotThrow(() -> MigrationRules.requireLoadable(ServerRelease.redis("7.0.15"), ServerRelease.redis("7.0.15")));
        assertDoesNotThrow(() -> MigrationRules.requireLoadable(ServerRelease.redis("6.2.14"), ServerRelease.redis("7.0.15")));
        // a newer patch release writes the same RDB version
        assertDoesNotThrow(() -> MigrationRules.requireLoadable(ServerRelease.redis("7.0.16"), ServerRelease.redis("7.0.15")));
        assertDoesNotThrow(() -> MigrationRules.requireLoadable(ServerRelease.redis("7.0.15"), ServerRelease.valkey("8.0.1")));
        assertDoesNotThrow(() -> MigrationRules.requireLoadable(ServerRelease.valkey("8.0.1"), ServerRelease.redis("7.2.5")));
    }

    @Test
    void ignoreDbsAreDbNOrN() {
        assertEquals(Set.of(0, 3, 12), MigrationRules.ignoreDbs(List.of("db3", "12", "DB0", "db3")));
        assertEquals(Set.of(), MigrationRules.ignoreDbs(null));
        for (String bad : new String[] {"x", "db", "db-1", "-1", "1.5", "", "db 1"}) {
            ApiException e = assertThrows(ApiException.class, () -> MigrationRules.ignoreDbs(List.of(bad)), bad);
            assertEquals(400, e.status());
        }
        assertThrows(ApiException.class, () -> MigrationRules.ignoreDbs(Arrays.asList((String) null)));
    }

    @Test
    void ignoreDbsMustExistOnTheSource() {
        assertDoesNotThrow(() -> MigrationRules.requireWithin(Set.of(0, 15), 16));
        ApiException e = assertThrows(ApiException.class, () -> MigrationRules.requireWithin(Set.of(16), 16));
        assertEquals("ignore_dbs: db16 does not exist, the source has db0 to db15", e.getMessage());
        assertThrows(ApiException.class, () -> MigrationRules.requireWithin(Set.of(4), 4));
        assertDoesNotThrow(() -> MigrationRules.requireWithin(Set.of(20), 32));
    }

    @Test
    void theSourceMustNotBeTheTarget() {
        RedisEndpoint target = new RedisEndpoint("127.0.0.1", 6379, null, null, false);
        ApiException e = assertThrows(ApiException.class,
                () -> MigrationRules.requireDistinct(new RedisEndpoint("localhost", 6379, null, null, false), target));
        assertEquals(422, e.status());
        assertEquals("the source localhost:6379 and the target 127.0.0.1:6379 are one server (the same address): a server "
                + "migrated into itself would replay its own writes forever", e.getMessage());
        assertThrows(ApiException.class,
                () -> MigrationRules.requireDistinct(new RedisEndpoint("127.0.0.1", 6379, "u", null, true), target));
        assertDoesNotThrow(() -> MigrationRules.requireDistinct(new RedisEndpoint("127.0.0.1", 6380, null, null, false), target));
        assertDoesNotThrow(() -> MigrationRules.requireDistinct(new RedisEndpoint("no-such-host.invalid", 6379, null, null, false), target));
    }
}
