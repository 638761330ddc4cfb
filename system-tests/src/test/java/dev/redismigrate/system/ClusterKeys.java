package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.testing.RedisCluster;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Key by key views of a test's Redis servers, for comparisons across layouts (a standalone server,
 * clusters of different shard counts), where DEBUG DIGEST of whole servers cannot be compared: each
 * key's type, DEBUG DIGEST-VALUE and whether it expires, read on the master owning its slot (a key
 * held by another master fails the read). The migration's own keys (checkpoints, notification
 * probes) are left out.
 */
final class ClusterKeys {
    private ClusterKeys() {
    }

    /** The master of {@code cluster} serving {@code slot}: slots split evenly, as {@link RedisCluster} assembles them. */
    static int masterOf(RedisCluster cluster, int slot) {
        int m = 0;
        while (m + 1 < cluster.masters() && RedisCluster.SLOTS * (m + 1) / cluster.masters() <= slot) {
            m++;
        }
        return m;
    }

    /** Every master's keys together; each key must sit on the master that owns its slot. */
    static Map<String, String> of(RedisCluster cluster, Function<Integer, RedisLink> masterLink) {
        Map<String, String> all = new TreeMap<>();
        for (int m = 0; m < cluster.masters(); m++) {
            try (RedisLink link = masterLink.apply(m)) {
                Map<String, String> here = of(link);
                for (String key : here.keySet()) {
                    int slot = HashSlot.of(key);
                    assertEquals(m, masterOf(cluster, slot), key + " is on the master owning slot " + slot);
                }
                all.putAll(here);
            }
        }
        return all;
    }

    /** A cluster source's keys on its masters now, shard 0's being {@code promoted} (its replica after a failover). */
    static Map<String, String> afterShard0Failover(RedisConnector connector, RedisCluster cluster, RedisServer promoted) {
        return of(cluster, m -> {
            RedisServer master = m == 0 ? promoted : cluster.master(m);
            return connector.open(new RedisEndpoint("127.0.0.1", master.port(), null, null, false), "cluster-keys");
        });
    }

    /** A standalone server's keys (a target). */
    static Map<String, String> of(RedisConnector connector, RedisServer server) {
        try (RedisLink link = connector.open(new RedisEndpoint("127.0.0.1", server.port(), null, null, false), "cluster-keys")) {
            return of(link);
        }
    }

    /** One server's db 0: each key → "type digest" and " expires" when it has a TTL. */
    static Map<String, String> of(RedisLink link) {
        Map<String, String> out = new TreeMap<>();
        String cursor = "0";
        do {
            List<?> page = (List<?>) link.call("SCAN", cursor, "COUNT", "500");
            cursor = String.valueOf(page.get(0));
            for (Object k : (List<?>) page.get(1)) {
                String key = String.valueOf(k);
                if (key.startsWith("redis-migrate:checkpoint:") || key.startsWith("redis-migrate:notify-probe:")) {
                    continue; // the stream's own, gone once idle
                }
                String type = String.valueOf(link.call("TYPE", key));
                List<?> digest = (List<?>) link.call("DEBUG", "DIGEST-VALUE", key);
                long pttl = Long.parseLong(String.valueOf(link.call("PTTL", key)));
                out.put(key, type + " " + digest.get(0) + (pttl >= 0 ? " expires" : ""));
            }
        } while (!"0".equals(cursor));
        return out;
    }

    /** The keys whose entries differ (missing on one side included), at most {@code limit}, for messages. */
    static String differences(Map<String, String> expected, Map<String, String> actual, int limit) {
        Map<String, String> diff = new TreeMap<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (!e.getValue().equals(actual.get(e.getKey())) && diff.size() < limit) {
                diff.put(e.getKey(), e.getValue() + " vs " + actual.get(e.getKey()));
            }
        }
        for (String key : actual.keySet()) {
            if (!expected.containsKey(key) && diff.size() < limit) {
                diff.put(key, "only on the target: " + actual.get(key));
            }
        }
        return expected.size() + " vs " + actual.size() + " keys; " + diff;
    }
}
