package dev.redismigrate.stream;

import java.util.Map;

/**
 * A standalone master's replicas as its {@code INFO replication} shows them: its own replication offset,
 * and the lowest offset its online replicas have acknowledged (each one's {@code
 * slaveN:ip=…,port=…,state=online,offset=N,lag=…} line; a replica still syncing counts for nothing):
 * any of them may be promoted.
 */
final class ReplicaOffsets {
    private ReplicaOffsets() {
    }

    static long masterOffset(Map<String, String> info) {
        return number(info.get("master_repl_offset"));
    }

    /** The lowest offset an online replica acknowledged, -1 if none is online. */
    static long lowestAcknowledged(Map<String, String> info) {
        long lowest = Long.MAX_VALUE;
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
                lowest = Math.min(lowest, offset);
            }
        }
        return lowest == Long.MAX_VALUE ? -1 : lowest;
    }

    private static long number(String text) {
        try {
            return text == null ? -1 : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
