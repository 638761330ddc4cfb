package dev.redismigrate.stream;

import static dev.redismigrate.stream.IdleTargetWatch.whole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        watch.wentIdle(whole(Map.of("db0", "keys=3,expires=1,avg_ttl=100")));
        assertNull(watch.lost(whole(Map.of("db0", "keys=3,expires=1,avg_ttl=100"))), "unchanged");
        assertNull(watch.lost(whole(Map.of("db0", "keys=2,expires=0,avg_ttl=0"))), "a key with a TTL expired");
        assertNotNull(watch.lost(whole(EMPTY)), "emptied");
    }

    @Test
    void keysThatAllHadATtlMayExpireOnTheTargetAlone() {
        IdleTargetWatch watch = new IdleTargetWatch(new MigratedKeys(Set.of(), null));
        watch.wentIdle(whole(Map.of("db0", "keys=2,expires=2,avg_ttl=100")));
        assertNull(watch.lost(whole(EMPTY)));
    }

    @Test
    void ignoredDbsCountForNothing() {
        IdleTargetWatch watch = new IdleTargetWatch(new MigratedKeys(Set.of(5), null));
        watch.wentIdle(whole(Map.of("db5", "keys=10,expires=0,avg_ttl=0")));
        assertNull(watch.lost(whole(EMPTY)), "only an ignored db held keys");
        watch.wentIdle(whole(Map.of("db0", "keys=1,expires=0,avg_ttl=0", "db5", "keys=10,expires=0,avg_ttl=0")));
        assertNotNull(watch.lost(whole(Map.of("db5", "keys=10,expires=0,avg_ttl=0"))), "the migrated db emptied, the ignored one kept");
    }

    @Test
    void beforeTheStreamWentIdleNothingIsLost() {
        assertNull(new IdleTargetWatch(new MigratedKeys(Set.of(), null)).lost(whole(EMPTY)));
    }

    /** A cluster target: one shard emptied (its master restarted without persistence) while the others keep theirs. */
    @Test
    void oneShardThatLostItsKeysIsTold() {
        IdleTargetWatch watch = new IdleTargetWatch(new MigratedKeys(Set.of(), null));
        Map<String, String> held = Map.of("db0", "keys=4,expires=0,avg_ttl=0");
        watch.wentIdle(Map.of("shard of slots 0-8191", held, "shard of slots 8192-16383", held));
        assertNull(watch.lost(Map.of("shard of slots 0-8191", held, "shard of slots 8192-16383", held)), "unchanged");
        String lost = watch.lost(Map.of("shard of slots 0-8191", held, "shard of slots 8192-16383", EMPTY));
        assertNotNull(lost, "the second shard emptied");
        assertTrue(lost.startsWith("its shard of slots 8192-16383 held 4 keys"), lost);
        // a shard whose slots are now served otherwise is not judged by a part that is not asked
        assertNull(watch.lost(Map.of("shard of slots 0-8191", held)), "a shard not read");
    }

    /**
     * A cluster source's shard stream: a part emptied by another shard's flush is not its loss (the source's
     * shard holds no key there, as the predicate answers), asked once, and not judged again until the next idle
     * baseline; a part it still owes keys to is judged lost.
     */
    @Test
    void aPartEmptiedLawfullyIsNotJudgedAgain() {
        IdleTargetWatch watch = new IdleTargetWatch(new MigratedKeys(Set.of(), null));
        Map<String, String> held = Map.of("db0", "keys=4,expires=0,avg_ttl=0");
        watch.wentIdle(Map.of("shard of slots 0-8191", held, "shard of slots 8192-16383", held));
        java.util.List<String> asked = new java.util.ArrayList<>();
        Map<String, Map<String, String>> secondEmptied = Map.of("shard of slots 0-8191", held, "shard of slots 8192-16383", EMPTY);
        assertNull(watch.lost(secondEmptied, part -> null), "not known now (the stream behind its source): not judged");
        assertNull(watch.lost(secondEmptied, part -> asked.add(part) && false), "not owed: emptied lawfully");
        assertNull(watch.lost(secondEmptied, part -> asked.add(part) && false));
        assertEquals(java.util.List.of("shard of slots 8192-16383"), asked, "asked once");
        assertNotNull(watch.lost(Map.of("shard of slots 0-8191", EMPTY, "shard of slots 8192-16383", EMPTY), part -> true),
                "the first shard, still owed its keys, emptied too");
        assertEquals(null, IdleTargetWatch.slotsOf(IdleTargetWatch.WHOLE), "a standalone target serves every slot");
        assertEquals(8192, IdleTargetWatch.slotsOf("shard of slots 8192-16383").nextSetBit(0));
        assertEquals(101 + 8293, IdleTargetWatch.slotsOf("shard of slots 0-100,8091-16383").cardinality());
    }
}
