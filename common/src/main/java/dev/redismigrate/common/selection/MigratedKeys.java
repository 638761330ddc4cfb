package dev.redismigrate.common.selection;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A migration's {@link KeySelection} with its ignored dbs, ready to decide per key: is a source db
 * migrated, into which target db, is a key selected (it matches an include pattern, or there is
 * none, and no exclude pattern). One instance per task; immutable, so threads may share it.
 */
public final class MigratedKeys {
    private final Set<Integer> ignoredDbs;
    private final KeySelection selection;
    private final List<KeyPattern> include;
    private final List<KeyPattern> exclude;

    public MigratedKeys(Set<Integer> ignoredDbs, KeySelection selection) {
        this.ignoredDbs = ignoredDbs == null ? Set.of() : Set.copyOf(ignoredDbs);
        this.selection = KeySelection.orAll(selection);
        this.include = this.selection.includeKeys().stream().map(KeyPattern::of).toList();
        this.exclude = this.selection.excludeKeys().stream().map(KeyPattern::of).toList();
    }

    /** Every key of every db but the ignored ones, each db into its own number. */
    public static MigratedKeys allBut(Set<Integer> ignoredDbs) {
        return new MigratedKeys(ignoredDbs, KeySelection.ALL);
    }

    public Set<Integer> ignoredDbs() {
        return ignoredDbs;
    }

    public boolean migrates(int sourceDb) {
        return !ignoredDbs.contains(sourceDb);
    }

    /** The target db a source db goes into. */
    public int targetDb(int sourceDb) {
        return selection.dbMap().getOrDefault(sourceDb, sourceDb);
    }

    public boolean mapsDbs() {
        return selection.dbMap().entrySet().stream().anyMatch(e -> !e.getKey().equals(e.getValue()));
    }

    /** Whether some keys of a migrated db are left out. */
    public boolean filtersKeys() {
        return selection.filtersKeys();
    }

    public boolean selects(byte[] key) {
        // loops, not streams: this runs once per key of a copy
        if (!include.isEmpty() && !anyMatches(include, key)) {
            return false;
        }
        return exclude.isEmpty() || !anyMatches(exclude, key);
    }

    private static boolean anyMatches(List<KeyPattern> patterns, byte[] key) {
        for (int i = 0; i < patterns.size(); i++) {
            if (patterns.get(i).matches(key)) {
                return true;
            }
        }
        return false;
    }

    /** A key of a migrated db that the filters select. */
    public boolean selects(int sourceDb, byte[] key) {
        return migrates(sourceDb) && selects(key);
    }

    /** The one include pattern a {@code SCAN … MATCH} may use (the server then filters), else null. */
    public KeyPattern scanMatch() {
        return include.size() == 1 ? include.get(0) : null;
    }

    /** The migrated source dbs (of {@code databases}) that go into {@code targetDb}. */
    public Set<Integer> sourcesOf(int targetDb, int databases) {
        Set<Integer> sources = new TreeSet<>();
        for (int db = 0; db < databases; db++) {
            if (migrates(db) && targetDb(db) == targetDb) {
                sources.add(db);
            }
        }
        return sources;
    }

    /**
     * Whether two migrated source dbs go into one target db ({@code allow_merge}). Only a db named in the map
     * can take part in a merge, so the dbs up to the highest one named are enough to look at.
     */
    public boolean merges() {
        Set<Integer> seen = new TreeSet<>();
        for (int db = 0; db < dbsNamed(); db++) {
            if (migrates(db) && !seen.add(targetDb(db))) {
                return true;
            }
        }
        return false;
    }

    /** How many dbs reach the highest one {@code db_map} names (0 without a map): beyond it every db goes into its own. */
    public int dbsNamed() {
        return selection.dbMap().entrySet().stream().mapToInt(e -> Math.max(e.getKey(), e.getValue()) + 1).max().orElse(0);
    }

    /** Whether a migrated source db goes into {@code targetDb}: its keys there are the migration's. */
    public boolean receives(int targetDb) {
        if (migrates(targetDb) && !selection.dbMap().containsKey(targetDb)) {
            return true;
        }
        return selection.dbMap().entrySet().stream().anyMatch(e -> e.getValue() == targetDb && migrates(e.getKey()));
    }

    /** The target dbs that migrated source dbs go into, of a source with {@code databases} dbs. */
    public Set<Integer> targetDbs(int databases) {
        Set<Integer> targets = new TreeSet<>();
        for (int db = 0; db < databases; db++) {
            if (migrates(db)) {
                targets.add(targetDb(db));
            }
        }
        return targets;
    }

    public KeySelection selection() {
        return selection;
    }

    /** The map as the API shows it: {"db3": "db0"}. */
    public static Map<String, String> wire(Map<Integer, Integer> dbMap) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        dbMap.forEach((from, to) -> out.put("db" + from, "db" + to));
        return out;
    }
}
