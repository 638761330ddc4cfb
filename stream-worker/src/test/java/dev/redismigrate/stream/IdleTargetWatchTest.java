package dev.redismigrate.stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import dev.redismigrate.common.selection.MigratedKeys;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What tells an idle target that lost its data from one that keeps what it held, or whose keys expired. */
class IdleTargetWatchTest {
    private static final Map<String, String> EMPTY = Map.of();

    @Test
    void aTargetThatHeldKeysWithoutATtlAndNowHoldsNoneLostItsData() {
        IdleTargetWatch watch = new IdleTargetWatch(new MigratedKeys(Set.of(), null));
        watch.wentIdle(Map.of("db0", "keys=3,expires=1,avg_ttl=100"));
        assertNull(watch.lost(Map.of("db0", "keys=3,expires=1,avg_ttl=100")), "unchanged");
        assertNull(watch.lost(Map.of("db0", "keys=2,expires=0,avg_ttl=0")), "a key with a TTL expired");
        assertNotNull(watch.lost(EMPTY), "emptied");
    }

    @Test
    void keysThatAllHadATtlMayExpireOnTheTargetAlone() {
        IdleTargetWatch watch = new IdleTargetWatch(new MigratedKeys(Set.of(), null));
        watch.wentIdle(Map.of("db0", "keys=2,expires=2,avg_ttl=100"));
        assertNull(watch.lost(EMPTY));
    }

    @Test
    void ignoredDbsCountForNothing() {
        IdleTargetWatch watch = new IdleTargetWatch(new MigratedKeys(Set.of(5), null));
        watch.wentIdle(Map.of("db5", "keys=10,expires=0,avg_ttl=0"));
        assertNull(watch.lost(EMPTY), "only an ignored db held keys");
        watch.wentIdle(Map.of("db0", "keys=1,expires=0,avg_ttl=0", "db5", "keys=10,expires=0,avg_ttl=0"));
        assertNotNull(watch.lost(Map.of("db5", "keys=10,expires=0,avg_ttl=0")), "the migrated db emptied, the ignored one kept");
    }

    @Test
    void beforeTheStreamWentIdleNothingIsLost() {
        assertNull(new IdleTargetWatch(new MigratedKeys(Set.of(), null)).lost(EMPTY));
    }
}
