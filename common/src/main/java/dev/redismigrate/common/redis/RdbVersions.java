package dev.redismigrate.common.redis;

import java.util.List;

/**
 * The RDB version each server release writes. A server loads every RDB version up to the one it
 * writes and refuses newer ones, in a replication's RDB as in a DUMP payload given to RESTORE: so
 * a target can take a source's data when it writes at least the source's RDB version. Version
 * strings cannot tell this across families (Valkey 8.0 says redis_version 7.2.4 and writes RDB 11,
 * like Redis 7.2; Redis 7.4 writes 12).
 */
public final class RdbVersions {
    /** From this release (major.minor) on, the family writes this RDB version. Oldest first. */
    private record Line(int major, int minor, int rdb) {
    }

    private static final List<Line> REDIS = List.of(new Line(2, 6, 6), new Line(3, 2, 7), new Line(4, 0, 8),
            new Line(5, 0, 9), new Line(7, 0, 10), new Line(7, 2, 11), new Line(7, 4, 12), new Line(8, 0, 12));
    private static final List<Line> VALKEY = List.of(new Line(7, 2, 11), new Line(8, 0, 11), new Line(8, 1, 11));

    private RdbVersions() {
    }

    /**
     * The RDB version the release writes; for a release newer than this table knows, the newest
     * known (what it reads at least; it may write a newer one, see {@link #loads}).
     */
    public static int written(ServerRelease release) {
        List<Line> lines = lines(release.family());
        int rdb = lines.get(0).rdb();
        for (Line line : lines) {
            if (atLeast(release.version(), line)) {
                rdb = line.rdb();
            }
        }
        return rdb;
    }

    /** Whether the release is past the table's last line (a newer major or minor than it knows). */
    public static boolean beyondTable(ServerRelease release) {
        List<Line> lines = lines(release.family());
        Line last = lines.get(lines.size() - 1);
        RedisVersion v = release.version();
        return v.major() > last.major() || (v.major() == last.major() && v.minor() > last.minor());
    }

    /** Whether {@code target} loads what {@code source} writes. */
    public static boolean loads(ServerRelease target, ServerRelease source) {
        if (beyondTable(source)) {
            // its format may be newer than any this table knows: trust only its own family at its release or newer
            return source.family() == target.family() && !source.version().isNewerThan(target.version());
        }
        return written(target) >= written(source);
    }

    private static boolean atLeast(RedisVersion v, Line line) {
        return v.major() > line.major() || (v.major() == line.major() && v.minor() >= line.minor());
    }

    private static List<Line> lines(ServerRelease.Family family) {
        return family == ServerRelease.Family.VALKEY ? VALKEY : REDIS;
    }
}
