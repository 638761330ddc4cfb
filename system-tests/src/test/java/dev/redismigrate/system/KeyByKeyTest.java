package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cross-family tests' own comparison must not be vacuous: one data set written to a Redis 7.0
 * and to a Valkey 8 compares equal (though their digests differ), and a score one ulp off, an
 * expiry 5 s off, another type, a stream group moved and a missing key are each found, by key.
 */
class KeyByKeyTest {
    @Test
    void equalAcrossFamiliesAndEveryKindOfDifferenceFound() {
        try (RedisServer redis = RedisServer.start("--requirepass", "pass");
             RedisServer valkey = RedisServer.startValkey();
             KeyByKey keys = new KeyByKey(redis, valkey)) {
            CrossFamilyMigrationTest.seed(redis);
            CrossFamilyMigrationTest.seed(valkey);
            assertNotEquals(redis.digest(), valkey.digest(), "fractional scores digest differently across families");
            KeyByKey.Comparison equal = keys.compare(0, 1);
            assertEquals(List.of(), equal.differences());
            assertTrue(equal.keysCompared() > 3000, "keys compared: " + equal.keysCompared());

            valkey.cli("-n", "1", "ZADD", "z:fractional", "0.10000000000000002", "a");
            valkey.cli("-n", "1", "PEXPIRE", "s:ttl", "605000");
            valkey.cli("-n", "1", "DEL", "set:small");
            valkey.cli("-n", "1", "HSET", "set:small", "a", "1");
            valkey.cli("-n", "1", "XGROUP", "SETID", "x:stream", "readers", "2-1");
            valkey.cli("-n", "1", "DEL", "l:small");
            List<String> found = keys.compare(0, 1).differences();
            assertEquals(5, found.size(), found.toString());
            assertTrue(found.get(0).startsWith("db1 l:small: missing on the target"), found.toString());
            assertTrue(found.get(1).startsWith("db1 s:ttl: expires at"), found.toString());
            assertTrue(found.get(2).startsWith("db1 set:small: type set vs hash"), found.toString());
            assertTrue(found.get(3).startsWith("db1 x:stream: value"), found.toString());
            assertTrue(found.get(4).startsWith("db1 z:fractional: value"), found.toString());
        }
    }
}
