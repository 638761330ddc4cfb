package dev.redismigrate.stream;

import dev.redismigrate.common.pipeline.Entry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides what one replicated source command becomes in the target: tracks the selected db,
 * drops replication housekeeping and commands of ignored dbs, and narrows FLUSHALL to the
 * migrated dbs when some are ignored.
 */
final class CommandRouter {
    private final Set<Integer> ignoredDbs;
    private final int databases;
    private int db;

    /** @param db the db selected at the starting offset (-1: none yet; the source starts with a SELECT) */
    CommandRouter(Set<Integer> ignoredDbs, int databases, int db) {
        this.ignoredDbs = ignoredDbs;
        this.databases = databases;
        this.db = Math.max(db, 0);
    }

    int db() {
        return db;
    }

    void select(int db) {
        this.db = db;
    }

    /** The entries to apply for {@code argv} (often one, none for housekeeping). */
    List<Entry> route(byte[][] argv, long endOffset) {
        String name = new String(argv[0], StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
        switch (name) {
            case "SELECT":
                db = Integer.parseInt(new String(argv[1], StandardCharsets.US_ASCII));
                return List.of();
            case "PING":
            case "REPLCONF":
                return List.of();
            case "FLUSHALL":
                if (!ignoredDbs.isEmpty()) {
                    return flushEachMigratedDb(argv, endOffset);
                }
                return List.of(new Entry(db, argv, endOffset));
            default:
                if (ignoredDbs.contains(db) && !isTransactionBoundary(name)) {
                    return List.of();
                }
                return List.of(new Entry(db, argv, endOffset));
        }
    }

    private static boolean isTransactionBoundary(String name) {
        return name.equals("MULTI") || name.equals("EXEC");
    }

    private List<Entry> flushEachMigratedDb(byte[][] argv, long endOffset) {
        List<Entry> entries = new ArrayList<>();
        for (int d = 0; d < databases; d++) {
            if (!ignoredDbs.contains(d)) {
                byte[][] flushdb = argv.clone();
                flushdb[0] = "FLUSHDB".getBytes(StandardCharsets.US_ASCII);
                entries.add(new Entry(d, flushdb, endOffset));
            }
        }
        return entries;
    }
}
