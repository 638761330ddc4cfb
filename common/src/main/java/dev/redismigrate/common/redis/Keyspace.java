package dev.redismigrate.common.redis;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Key counts per db, from the fields of {@code INFO keyspace} ("db0" → "keys=3,expires=1,avg_ttl=0"). */
public final class Keyspace {
    private Keyspace() {
    }

    public static Map<Integer, Long> keysPerDb(Map<String, String> infoKeyspace) {
        Map<Integer, Long> counts = new TreeMap<>();
        infoKeyspace.forEach((name, value) -> {
            if (name.startsWith("db")) {
                for (String part : value.split(",")) {
                    if (part.startsWith("keys=")) {
                        counts.put(Integer.parseInt(name.substring(2)), Long.parseLong(part.substring(5)));
                    }
                }
            }
        });
        return counts;
    }

    public static long keysOutside(Map<String, String> infoKeyspace, Set<Integer> ignoredDbs) {
        return keysPerDb(infoKeyspace).entrySet().stream()
                .filter(e -> !ignoredDbs.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
    }
}
