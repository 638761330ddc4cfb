package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.CommandKeys;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.value.KeyText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Decides what one replicated source command becomes in the target: tracks the selected db,
 * drops replication housekeeping, commands of ignored dbs and of keys the filters leave out, moves a
 * db's commands into its mapped target db ({@code db_map}), and narrows FLUSHALL to the migrated dbs
 * when some are ignored or mapped. A command whose meaning the selection would change is refused
 * with a {@link RefusedCommandException} saying which and why (the stream then ends in error): a
 * multi-key command with keys on both sides of the filters that cannot be split (RENAME, SMOVE,
 * SINTERSTORE, MSETNX, a script's keys), FLUSHDB/FLUSHALL/SWAPDB with key filters (the target's db
 * also holds keys the migration does not own), FLUSHDB or SWAPDB of a db merged with another, a MOVE,
 * COPY or SWAPDB that brings a key from an ignored db into a migrated one, and FLUSHDB/FLUSHALL from one
 * shard of a cluster source whose slots the stream does not know (the appliers flush a known shard's slots
 * only: {@link ShardFlush}).
 */
final class CommandRouter {
    private static final byte[] FLUSHDB = ascii("FLUSHDB");
    private static final byte[] DEL = ascii("DEL");

    private final MigratedKeys keys;
    /** where the keys of a command are: only needed with key filters (null without) */
    private final CommandKeys commandKeys;
    private final int databases;
    /** the stream reads one shard of a cluster source and does not know its slots */
    private final boolean shardSlotsUnknown;
    private int db;

    /** A standalone source's stream. */
    CommandRouter(MigratedKeys keys, CommandKeys commandKeys, int databases, int db) {
        this(keys, commandKeys, databases, db, false);
    }

    /**
     * @param db the db selected at the starting offset (-1: none yet; the source starts with a SELECT)
     * @param shardSlotsUnknown the stream reads one shard of a cluster source and does not know its slots (a request
     *        of an older api-service)
     */
    CommandRouter(MigratedKeys keys, CommandKeys commandKeys, int databases, int db, boolean shardSlotsUnknown) {
        this.keys = keys;
        this.commandKeys = commandKeys;
        this.databases = databases;
        this.shardSlotsUnknown = shardSlotsUnknown;
        this.db = Math.max(db, 0);
    }

    /** The source's db the next command runs in. */
    int db() {
        return db;
    }

    void select(int db) {
        this.db = db;
    }

    /** The entries to apply for {@code argv} (often one, none for housekeeping or what is not migrated). */
    List<Entry> route(byte[][] argv, long endOffset) {
        String name = new String(argv[0], StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
        switch (name) {
            case "SELECT":
                db = Integer.parseInt(new String(argv[1], StandardCharsets.US_ASCII));
                return List.of();
            case "PING":
            case "REPLCONF":
                return List.of();
            case "MULTI":
            case "EXEC":
                return List.of(new Entry(keys.targetDb(db), argv, endOffset)); // the applier's own transaction holds it
            case "FLUSHALL":
                return flushAll(argv, endOffset);
            case "FLUSHDB":
                return flushDb(argv, endOffset);
            case "SWAPDB":
                return swapDb(argv, endOffset);
            case "MOVE":
                return move(argv, endOffset);
            case "COPY":
                return copy(argv, endOffset);
            default:
                if (!keys.migrates(db)) {
                    return List.of();
                }
                byte[][] narrowed = narrow(name, argv);
                return narrowed == null ? List.of() : List.of(new Entry(keys.targetDb(db), narrowed, endOffset));
        }
    }

    /** The command with the selected keys only, null for none of them. */
    private byte[][] narrow(String name, byte[][] argv) {
        if (commandKeys == null) {
            return argv;
        }
        CommandKeys.Narrowed narrowed = commandKeys.narrow(argv, keys::selects);
        if (narrowed.refused()) {
            throw new RefusedCommandException(name + " in db " + db + " has keys on both sides of the key filters (selected: "
                    + names(narrowed.kept()) + "; not selected: " + names(narrowed.left()) + "): it cannot be split without "
                    + "changing its meaning, and the target lacks the keys the filters leave out");
        }
        return narrowed.argv();
    }

    private List<Entry> flushAll(byte[][] argv, long endOffset) {
        refuseWithFilters("FLUSHALL");
        refuseFromOneShard("FLUSHALL");
        if (keys.ignoredDbs().isEmpty() && !keys.mapsDbs()) {
            return List.of(new Entry(db, argv, endOffset));
        }
        List<Entry> entries = new ArrayList<>();
        for (int target : keys.targetDbs(databases)) {
            byte[][] flushdb = argv.clone();
            flushdb[0] = FLUSHDB;
            entries.add(new Entry(target, flushdb, endOffset));
        }
        return entries;
    }

    private List<Entry> flushDb(byte[][] argv, long endOffset) {
        if (!keys.migrates(db)) {
            return List.of();
        }
        refuseWithFilters("FLUSHDB");
        refuseFromOneShard("FLUSHDB");
        refuseMerged("FLUSHDB", db);
        return List.of(new Entry(keys.targetDb(db), argv, endOffset));
    }

    private List<Entry> swapDb(byte[][] argv, long endOffset) {
        int a = number(argv[1]);
        int b = number(argv[2]);
        if (!keys.migrates(a) && !keys.migrates(b)) {
            return List.of();
        }
        refuseWithFilters("SWAPDB");
        if (!keys.migrates(a) || !keys.migrates(b)) {
            throw new RefusedCommandException("SWAPDB " + a + " " + b + " swaps an ignored db with a migrated one: the target"
                    + " lacks the ignored db's keys");
        }
        refuseMerged("SWAPDB", a);
        refuseMerged("SWAPDB", b);
        return List.of(new Entry(keys.targetDb(a), new byte[][] {argv[0], ascii(Integer.toString(keys.targetDb(a))),
                ascii(Integer.toString(keys.targetDb(b)))}, endOffset));
    }

    /** MOVE key db: the key leaves this db for another. */
    private List<Entry> move(byte[][] argv, long endOffset) {
        int to = number(argv[2]);
        boolean selected = commandKeys == null || keys.selects(argv[1]);
        if (!keys.migrates(db)) {
            if (keys.migrates(to) && selected) {
                throw new RefusedCommandException("MOVE of " + KeyText.of(argv[1]) + " from the ignored db " + db
                        + " into the migrated db " + to + ": the target lacks its value");
            }
            return List.of();
        }
        if (!selected) {
            return List.of();
        }
        if (!keys.migrates(to)) {
            return List.of(new Entry(keys.targetDb(db), new byte[][] {DEL, argv[1]}, endOffset)); // gone from what we migrate
        }
        if (keys.targetDb(to) == keys.targetDb(db)) {
            return List.of(); // both dbs go into one target db: the key stays where it is
        }
        return List.of(new Entry(keys.targetDb(db), new byte[][] {argv[0], argv[1], ascii(Integer.toString(keys.targetDb(to)))},
                endOffset));
    }

    /** COPY source destination [DB db] [REPLACE]. */
    private List<Entry> copy(byte[][] argv, long endOffset) {
        int dbArg = -1;
        for (int i = 3; i + 1 < argv.length; i++) {
            if (new String(argv[i], StandardCharsets.US_ASCII).equalsIgnoreCase("DB")) {
                dbArg = i + 1;
            }
        }
        int to = dbArg < 0 ? db : number(argv[dbArg]);
        boolean sourceKept = keys.migrates(db) && (commandKeys == null || keys.selects(argv[1]));
        boolean destinationKept = keys.migrates(to) && (commandKeys == null || keys.selects(argv[2]));
        if (!destinationKept) {
            return List.of(); // nothing the migration owns changes
        }
        if (!sourceKept) {
            throw new RefusedCommandException("COPY of " + KeyText.of(argv[1]) + " (db " + db + ") into "
                    + KeyText.of(argv[2]) + " (db " + to + "): the source key is not migrated, so the target lacks its value");
        }
        byte[][] mapped = argv.clone();
        if (dbArg >= 0) {
            mapped[dbArg] = ascii(Integer.toString(keys.targetDb(to)));
        }
        return List.of(new Entry(keys.targetDb(db), mapped, endOffset));
    }

    /**
     * A flush on one master of a cluster source removed that shard's keys only; applied to the target as it
     * is it would remove every shard's. Without the shard's slots it cannot be narrowed to them: ended in
     * error rather than applied (the target would silently lack the other shards' keys).
     */
    private void refuseFromOneShard(String name) {
        if (shardSlotsUnknown) {
            throw new RefusedCommandException(name + " on one master of the cluster source removed that shard's keys only, and"
                    + " this stream does not know the shard's slots (a migration started by an older version): applied to the"
                    + " target it would also remove the other shards' keys. Start the migration again to copy the source as it is now");
        }
    }

    private void refuseWithFilters(String name) {
        if (keys.filtersKeys()) {
            throw new RefusedCommandException(name + " in db " + db + " with key filters: the target's db also holds keys the"
                    + " filters leave out, which the source's " + name + " does not concern (not applied rather than deleting them)");
        }
    }

    private void refuseMerged(String name, int sourceDb) {
        var sources = keys.sourcesOf(keys.targetDb(sourceDb), databases);
        if (sources.size() > 1) {
            throw new RefusedCommandException(name + " of db " + sourceDb + ", which db_map merges with "
                    + sources.stream().filter(d -> d != sourceDb).map(d -> "db" + d).collect(Collectors.joining(", "))
                    + " into the target's db " + keys.targetDb(sourceDb) + ": it would also empty or move their keys");
        }
    }

    private static String names(List<byte[]> keys) {
        return keys.stream().limit(5).map(KeyText::of).map(k -> "'" + k + "'").collect(Collectors.joining(", "))
                + (keys.size() > 5 ? " and " + (keys.size() - 5) + " more" : "");
    }

    private static int number(byte[] arg) {
        return Integer.parseInt(new String(arg, StandardCharsets.US_ASCII));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A source command the selection cannot apply without changing its meaning. */
    static final class RefusedCommandException extends RuntimeException {
        RefusedCommandException(String message) {
            super(message);
        }
    }
}
