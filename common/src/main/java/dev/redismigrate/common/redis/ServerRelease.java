package dev.redismigrate.common.redis;

import java.util.Locale;
import java.util.Map;

/**
 * Which server program answers, and its own version: Valkey reports a {@code redis_version} too
 * (Valkey 8.0.1 says 7.2.4), so {@code valkey_version} decides the family. What one server can
 * take from another is decided by the RDB version each writes ({@link RdbVersions}), never by
 * comparing these version strings.
 */
public record ServerRelease(Family family, RedisVersion version) {
    /** the first Redis whose SET takes PXAT */
    private static final RedisVersion PXAT_SINCE = new RedisVersion(6, 2, 0);

    public enum Family {
        REDIS("Redis"), VALKEY("Valkey");

        private final String display;

        Family(String display) {
            this.display = display;
        }

        /** "redis" or "valkey", as the provider's API names engines. */
        public String engine() {
            return name().toLowerCase(Locale.ROOT);
        }

        @Override
        public String toString() {
            return display;
        }
    }

    /** @param infoServer the fields of {@code INFO server} */
    public static ServerRelease of(Map<String, String> infoServer) {
        String valkey = infoServer.get("valkey_version");
        if (valkey != null) {
            return new ServerRelease(Family.VALKEY, RedisVersion.parse(valkey));
        }
        String redis = infoServer.get("redis_version");
        if (redis == null) {
            throw new IllegalArgumentException("the server did not say its version (INFO server)");
        }
        return new ServerRelease(Family.REDIS, RedisVersion.parse(redis));
    }

    public static ServerRelease redis(String version) {
        return new ServerRelease(Family.REDIS, RedisVersion.parse(version));
    }

    public static ServerRelease valkey(String version) {
        return new ServerRelease(Family.VALKEY, RedisVersion.parse(version));
    }

    /** The RDB version this release writes (its replication RDB and its DUMP payloads). */
    public int rdbVersion() {
        return RdbVersions.written(this);
    }

    /** Whether this server, as a target, loads what {@code source} writes (RDB by replication, DUMP by RESTORE). */
    public boolean loads(ServerRelease source) {
        return RdbVersions.loads(this, source);
    }

    /** Whether this server's SET takes {@code PXAT} (an absolute expiry): Redis 6.2 on, every Valkey. */
    public boolean setTakesPxat() {
        return family == Family.VALKEY || !PXAT_SINCE.isNewerThan(version);
    }

    /** e.g. "Valkey 8.0.1", "Redis 7.0.15" */
    @Override
    public String toString() {
        return family + " " + version;
    }
}
