package dev.redismigrate.common.redis;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Key counts per db, from the fields of {@code INFO keyspace} ("db0" → "keys=3,expires=1,avg_ttl=0"). */
public final class Keyspace {
    private Keyspace() {
    }

    public static Map<Integer, Long> keysPerDb(Map<String, String> infoKeyspace) {
        return countPerDb(infoKeyspace, "keys=");
    }

    /** Keys with a TTL per db ({@code expires}). */
    public static Map<Integer, Long> expiringPerDb(Map<String, String> infoKeyspace) {
        return countPerDb(infoKeyspace, "expires=");
    }

    /** Keys without a TTL per db ({@code keys} minus {@code expires}). */
    public static Map<Integer, Long> keysWithoutTtlPerDb(Map<String, String> infoKeyspace) {
        Map<Integer, Long> counts = keysPerDb(infoKeyspace);
        expiringPerDb(infoKeyspace).forEach((db, expiring) -> counts.computeIfPresent(db, (d, keys) -> keys - expiring));
        return counts;
    }

    private static Map<Integer, Long> countPerDb(Map<String, String> infoKeyspace, String field) {
        Map<Integer, Long> counts = new TreeMap<>();
        infoKeyspace.forEach((name, value) -> {
            if (name.startsWith("db")) {
                for (String part : value.split(",")) {
                    if (part.startsWith(field)) {
                        counts.put(Integer.parseInt(name.substring(2)), Long.parseLong(part.substring(field.length())));
                    }
                }
            }
        });
        return counts;
    }

    public static long keysOutside(Map<String, String> infoKeyspace, Set<Integer> ignoredDbs) {
        return sumOutside(keysPerDb(infoKeyspace), ignoredDbs);
    }

    public static long keysWithoutTtlOutside(Map<String, String> infoKeyspace, Set<Integer> ignoredDbs) {
        return sumOutside(keysWithoutTtlPerDb(infoKeyspace), ignoredDbs);
    }

    private static long sumOutside(Map<Integer, Long> perDb, Set<Integer> ignoredDbs) {
        return perDb.entrySet().stream().filter(e -> !ignoredDbs.contains(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }

    /**
     * The first db that holds keys and that a server of {@code databases} dbs lacks (-1: none): a
     * replica that loads an RDB with such a db exits.
     */
    public static int firstDbBeyond(Map<Integer, Long> keysPerDb, int databases) {
        return keysPerDb.entrySet().stream().filter(e -> e.getKey() >= databases && e.getValue() > 0)
                .mapToInt(Map.Entry::getKey).min().orElse(-1);
    }
}
