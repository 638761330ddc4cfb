package dev.redismigrate.stream;

import java.util.Map;

/**
 * A standalone master's replicas as its {@code INFO replication} shows them: how many are connected,
 * its own replication offset, and the highest offset an online replica has acknowledged (its
 * {@code slaveN:ip=…,port=…,state=online,offset=N,lag=…} line; a replica still syncing counts for nothing).
 */
final class ReplicaOffsets {
    private ReplicaOffsets() {
    }

    static int connected(Map<String, String> info) {
        return (int) number(info.get("connected_slaves"));
    }

    static long masterOffset(Map<String, String> info) {
        return number(info.get("master_repl_offset"));
    }

    /** The highest offset an online replica acknowledged, -1 if none. */
    static long highestAcknowledged(Map<String, String> info) {
        long highest = -1;
        for (Map.Entry<String, String> field : info.entrySet()) {
            if (!field.getKey().matches("slave\\d+")) {
                continue;
            }
            boolean online = false;
            long offset = -1;
            for (String part : field.getValue().split(",")) {
                int eq = part.indexOf('=');
                if (eq > 0 && part.substring(0, eq).equals("state")) {
                    online = part.substring(eq + 1).equals("online");
                } else if (eq > 0 && part.substring(0, eq).equals("offset")) {
                    offset = number(part.substring(eq + 1));
                }
            }
            if (online) {
                highest = Math.max(highest, offset);
            }
        }
        return highest;
    }

    private static long number(String text) {
        try {
            return text == null ? -1 : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
