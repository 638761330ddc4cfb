package dev.redismigrate.common.redis;

import static dev.redismigrate.common.redis.ServerRelease.redis;
import static dev.redismigrate.common.redis.ServerRelease.valkey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What each release writes and what a target can load, by RDB version rather than version strings. */
class RdbVersionsTest {

    @Test
    void eachReleaseWritesItsRdbVersion() {
        assertEquals(6, redis("2.8.24").rdbVersion());
        assertEquals(7, redis("3.2.12").rdbVersion());
        assertEquals(8, redis("4.0.14").rdbVersion());
        assertEquals(9, redis("5.0.14").rdbVersion());
        assertEquals(9, redis("6.2.14").rdbVersion());
        assertEquals(10, redis("7.0.15").rdbVersion());
        assertEquals(11, redis("7.2.4").rdbVersion());
        assertEquals(12, redis("7.4.2").rdbVersion());
        assertEquals(12, redis("8.0.0").rdbVersion());
        assertEquals(11, valkey("7.2.5").rdbVersion());
        assertEquals(11, valkey("8.0.1").rdbVersion());
        assertEquals(11, valkey("8.1.3").rdbVersion());
    }

    @Test
    void setTakesAnAbsoluteExpiryFromRedis62AndOnEveryValkey() {
        assertFalse(redis("6.0.20").setTakesPxat());
        assertTrue(redis("6.2.0").setTakesPxat());
        assertTrue(redis("7.0.15").setTakesPxat());
        assertTrue(valkey("7.2.5").setTakesPxat());
        assertTrue(valkey("8.0.1").setTakesPxat());
    }

    @Test
    void aTargetLoadsWhatWritesAnRdbVersionUpToItsOwn() {
        // the pairs the issue tried: Redis 7.0 -> Valkey 8 and Valkey -> Valkey replicate, Valkey 8 -> Redis 7.0 cannot
        assertTrue(valkey("8.0.1").loads(redis("7.0.15")));
        assertTrue(valkey("8.0.1").loads(valkey("8.0.1")));
        assertFalse(redis("7.0.15").loads(valkey("8.0.1")));
        // Valkey 8.0 says redis_version 7.2.4; by strings it would look older than Redis 7.2.5, yet both write RDB 11
        assertTrue(redis("7.2.5").loads(valkey("8.0.1")));
        assertTrue(valkey("8.0.1").loads(redis("7.2.5")));
        // Redis 7.4 writes RDB 12: newer than any Valkey 8 loads
        assertFalse(valkey("8.1.3").loads(redis("7.4.2")));
        assertTrue(redis("7.0.15").loads(redis("6.2.14")));
        assertFalse(redis("6.2.14").loads(redis("7.0.15")));
        // within one RDB version, patch and minor releases do not matter
        assertTrue(redis("7.0.11").loads(redis("7.0.15")));
    }

    @Test
    void aReleaseNewerThanTheTableIsTrustedOnlyByItsOwnFamilyAtItsReleaseOrNewer() {
        assertTrue(RdbVersions.beyondTable(redis("8.2.0")));
        assertFalse(RdbVersions.beyondTable(redis("8.0.3")));
        assertTrue(RdbVersions.beyondTable(valkey("9.0.0")));
        assertFalse(redis("8.0.3").loads(redis("8.2.0")), "it may write a newer RDB version");
        assertTrue(redis("8.2.0").loads(redis("8.2.0")));
        assertFalse(valkey("9.0.0").loads(redis("8.2.0")));
        // as a target it reads at least what the newest known release of its family writes
        assertTrue(redis("8.2.0").loads(redis("7.4.2")));
        assertTrue(valkey("9.0.0").loads(valkey("8.0.1")));
        assertFalse(valkey("9.0.0").loads(redis("7.4.2")), "Valkey's newest known release reads RDB 11 at most");
    }

    @Test
    void theFamilyComesFromValkeyVersionElseRedisVersion() {
        ServerRelease valkey = ServerRelease.of(Map.of("redis_version", "7.2.4", "server_name", "valkey",
                "valkey_version", "8.0.1"));
        assertEquals(ServerRelease.Family.VALKEY, valkey.family());
        assertEquals("Valkey 8.0.1", valkey.toString());
        assertEquals("valkey", valkey.family().engine());
        assertEquals("Redis 7.0.15", ServerRelease.of(Map.of("redis_version", "7.0.15")).toString());
        assertThrows(IllegalArgumentException.class, () -> ServerRelease.of(Map.of("run_id", "x")));
    }
}
