package dev.redismigrate.api.migration;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.selection.KeyPattern;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.selection.MigratedKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code include_keys}, {@code exclude_keys}, {@code db_map} and {@code allow_merge} of a PUT (or its
 * preflight): read and checked on their own ({@link #read}: 400 naming the field), then against the
 * servers ({@link #requireFits}: the source's dbs, 400; the target's, 422).
 *
 * <p>db_map and ignore_dbs: an ignored db is not migrated, so it cannot be mapped (400); an ignored db
 * may be the target of a mapping (ignore_dbs names source dbs). A db not in db_map goes into the
 * target db of its own number, so {@code {"db3": "db0"}} merges db3 into db0 unless db0 is ignored or
 * mapped elsewhere; two source dbs into one target db need {@code "allow_merge": true}.
 */
public final class KeySelectionInput {
    /** Bounds the matching cost per key (each pattern is tried on every key) and the stored row. */
    static final int MAX_PATTERNS = 64;
    static final int MAX_PATTERN_BYTES = 1024;

    private KeySelectionInput() {
    }

    public static KeySelection read(StartMigrationRequest request, Set<Integer> ignoreDbs) {
        List<String> include = patterns("include_keys", request.includeKeys());
        List<String> exclude = patterns("exclude_keys", request.excludeKeys());
        Map<Integer, Integer> dbMap = new TreeMap<>();
        if (request.dbMap() != null) {
            for (Map.Entry<String, String> e : request.dbMap().entrySet()) {
                String field = "db_map." + e.getKey();
                int from = MigrationRules.db(field + " (its name)", e.getKey());
                if (e.getValue() == null) {
                    throw ApiException.badRequest(field + " must be a target db (\"dbN\" or \"N\"), got null");
                }
                int to = MigrationRules.db(field, e.getValue());
                if (ignoreDbs.contains(from)) {
                    throw ApiException.badRequest(field + ": db" + from + " is in ignore_dbs, so it is not migrated and"
                            + " cannot be mapped");
                }
                if (dbMap.put(from, to) != null) {
                    throw ApiException.badRequest(field + ": db" + from + " is mapped twice (e.g. \"db3\" and \"3\")");
                }
            }
        }
        return new KeySelection(include, exclude, dbMap, Boolean.TRUE.equals(request.allowMerge()));
    }

    /** For the migration's events: "" without filters or a map. */
    static String describe(KeySelection selection) {
        StringBuilder out = new StringBuilder();
        if (!selection.includeKeys().isEmpty()) {
            out.append("; keys matching ").append(String.join(" or ", selection.includeKeys()));
        }
        if (!selection.excludeKeys().isEmpty()) {
            out.append("; keys left out: ").append(String.join(", ", selection.excludeKeys()));
        }
        if (!selection.dbMap().isEmpty()) {
            out.append("; db_map ").append(MigratedKeys.wire(selection.dbMap())).append(selection.allowMerge() ? " (merging)" : "");
        }
        return out.toString();
    }

    private static List<String> patterns(String field, List<String> given) {
        if (given == null) {
            return List.of();
        }
        if (given.size() > MAX_PATTERNS) {
            throw ApiException.badRequest(field + " has " + given.size() + " patterns; at most " + MAX_PATTERNS);
        }
        List<String> patterns = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            String pattern = given.get(i);
            String at = field + "[" + i + "]";
            if (pattern == null) {
                throw ApiException.badRequest(at + " must be a string (a Redis MATCH pattern such as \"user:*\"), got null");
            }
            if (pattern.getBytes(StandardCharsets.UTF_8).length > MAX_PATTERN_BYTES) {
                throw ApiException.badRequest(at + " is longer than " + MAX_PATTERN_BYTES + " bytes");
            }
            String problem = KeyPattern.problem(pattern);
            if (problem != null) {
                throw ApiException.badRequest(at + " is not a usable pattern: " + problem);
            }
            patterns.add(pattern);
        }
        return patterns;
    }

    /**
     * The map against the servers: every mapped source db exists (400, like ignore_dbs), every target db
     * exists on the target (422: the target's {@code databases} setting), and no two source dbs go into
     * one target db unless {@code allow_merge} (400).
     */
    public static void requireFits(KeySelection selection, Set<Integer> ignoreDbs, int sourceDatabases, int targetDatabases) {
        for (Map.Entry<Integer, Integer> e : selection.dbMap().entrySet()) {
            if (e.getKey() >= sourceDatabases) {
                throw ApiException.badRequest("db_map.db" + e.getKey() + ": db" + e.getKey() + " does not exist, the source has db0 to db"
                        + (sourceDatabases - 1));
            }
            if (e.getValue() >= targetDatabases) {
                throw ApiException.unprocessable("db_map.db" + e.getKey() + ": the target has no db" + e.getValue() + " (it has db0 to db"
                        + (targetDatabases - 1) + ": its databases setting)");
            }
        }
        if (selection.allowMerge()) {
            return;
        }
        MigratedKeys keys = new MigratedKeys(ignoreDbs, selection);
        for (int target : keys.targetDbs(sourceDatabases)) {
            Set<Integer> sources = keys.sourcesOf(target, sourceDatabases);
            if (sources.size() > 1) {
                throw ApiException.badRequest("db_map: " + sources.stream().map(db -> "db" + db).collect(Collectors.joining(" and "))
                        + " of the source would all go into the target's db" + target + " (a db not in db_map keeps its number);"
                        + " ignore or map the others, or say \"allow_merge\": true to merge them (a key in several: the last copied wins)");
            }
        }
    }
}
