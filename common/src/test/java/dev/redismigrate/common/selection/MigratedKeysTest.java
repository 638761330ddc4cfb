package dev.redismigrate.common.selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A key is selected when it matches an include pattern (or there is none) and no exclude pattern; dbs map. */
class MigratedKeysTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void includeAnyExcludeNone() {
        MigratedKeys keys = new MigratedKeys(Set.of(5), new KeySelection(List.of("user:*", "order:*"), List.of("*:tmp"), Map.of(), false));
        assertTrue(keys.selects(b("user:1")));
        assertTrue(keys.selects(b("order:1")));
        assertFalse(keys.selects(b("session:1")));
        assertFalse(keys.selects(b("user:1:tmp")));
        assertFalse(keys.selects(5, b("user:1")), "an ignored db");
        assertTrue(keys.selects(0, b("user:1")));
        assertNull(keys.scanMatch(), "two include patterns: filtered here, not by SCAN MATCH");
        assertTrue(keys.filtersKeys());

        MigratedKeys onlyExclude = new MigratedKeys(Set.of(), new KeySelection(null, List.of("tmp:*"), null, false));
        assertTrue(onlyExclude.selects(b("anything")));
        assertFalse(onlyExclude.selects(b("tmp:1")));
        assertNull(onlyExclude.scanMatch());
        assertEquals("user:*", new MigratedKeys(Set.of(), new KeySelection(List.of("user:*"), null, null, false)).scanMatch().text());
    }

    @Test
    void everyKeyWithoutFilters() {
        MigratedKeys all = MigratedKeys.allBut(Set.of(2));
        assertFalse(all.filtersKeys());
        assertFalse(all.mapsDbs());
        assertTrue(all.selects(0, new byte[] {(byte) 0xff}));
        assertEquals(7, all.targetDb(7));
        assertFalse(all.receives(2));
        assertTrue(all.receives(3));
    }

    @Test
    void dbsMapAndMergesAreKnown() {
        // db3 into db0, db0 into db3 (a swap), db4 into db1 with db1 migrated too: a merge
        MigratedKeys keys = new MigratedKeys(Set.of(6), new KeySelection(null, null, Map.of(3, 0, 0, 3, 4, 1), true));
        assertEquals(0, keys.targetDb(3));
        assertEquals(3, keys.targetDb(0));
        assertEquals(Set.of(1, 4), keys.sourcesOf(1, 8));
        assertEquals(Set.of(3), keys.sourcesOf(0, 8));
        assertEquals(Set.of(0, 1, 2, 3, 5, 7), keys.targetDbs(8));
        assertFalse(keys.receives(4), "db4 goes elsewhere");
        assertFalse(keys.receives(6), "ignored");
        assertTrue(keys.receives(0));
        assertTrue(keys.mapsDbs());
        assertTrue(keys.merges(), "db4 and db1 into db1");
        assertFalse(new MigratedKeys(Set.of(1, 6), new KeySelection(null, null, Map.of(3, 0, 0, 3, 4, 1), true)).merges(),
                "db1 ignored: every target db takes one source db");
        assertFalse(MigratedKeys.allBut(Set.of()).merges());
    }

    @Test
    void theSelectionTravelsAsJson() {
        KeySelection selection = new KeySelection(List.of("a*"), List.of("b?"), Map.of(3, 0), true);
        String json = MessageCodec.encode(selection);
        assertTrue(json.contains("\"db_map\":{\"3\":0}"), json);
        assertEquals(selection, MessageCodec.decode(json, KeySelection.class));
        assertEquals(KeySelection.ALL, MessageCodec.decode(MessageCodec.encode(KeySelection.ALL), KeySelection.class));
        assertEquals(KeySelection.ALL, MessageCodec.decode("{}", KeySelection.class));
        assertEquals(Map.of("db3", "db0"), MigratedKeys.wire(selection.dbMap()));
    }
}
