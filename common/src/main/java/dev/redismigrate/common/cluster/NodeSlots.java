package dev.redismigrate.common.cluster;

import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One source node's slots as its {@code CLUSTER NODES} says: those its shard serves, and those its
 * master is moving out ({@code [slot->-node]}, MIGRATING) or in ({@code [slot-<-node]}, IMPORTING). Only
 * the master itself shows the two states; a replica shows what its master serves.
 *
 * @param migrating slot → the address of the node it is migrating to
 * @param importing slot → the address of the node it is importing from
 */
public record NodeSlots(BitSet served, Map<Integer, String> migrating, Map<Integer, String> importing) {

    /** Parses the reply of CLUSTER NODES, asked of the node: the "myself" line, or for a replica its master's. */
    public static NodeSlots parse(String clusterNodes) {
        Map<String, String[]> byId = new TreeMap<>();
        String[] myself = null;
        for (String line : clusterNodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            byId.put(f[0], f);
            if (("," + f[2] + ",").contains(",myself,")) {
                myself = f;
            }
        }
        if (myself == null) {
            throw new IllegalArgumentException("CLUSTER NODES names no node as myself");
        }
        String[] master = myself[3].equals("-") ? myself : byId.getOrDefault(myself[3], myself);
        BitSet served = new BitSet(HashSlot.SLOTS);
        Map<Integer, String> migrating = new TreeMap<>();
        Map<Integer, String> importing = new TreeMap<>();
        for (int i = 8; i < master.length; i++) {
            String s = master[i];
            if (s.startsWith("[")) { // [slot->-id] or [slot-<-id]
                boolean out = s.contains("->-");
                String[] parts = s.substring(1, s.length() - 1).split(out ? "->-" : "-<-");
                (out ? migrating : importing).put(Integer.parseInt(parts[0]), address(byId.get(parts[1]), parts[1]));
            } else {
                served.or(SlotRange.parse(s));
            }
        }
        return new NodeSlots(served, migrating, importing);
    }

    /**
     * What differs from the slots the shard served when the migration began, for a message ("slot 7000
     * migrating to 127.0.0.1:7002; slots 0-99 served no more"), or null while they stay put.
     */
    public String movesFrom(BitSet expected) {
        StringBuilder out = new StringBuilder();
        BitSet lost = (BitSet) expected.clone();
        lost.andNot(served);
        BitSet gained = (BitSet) served.clone();
        gained.andNot(expected);
        append(out, migrating.entrySet().stream().map(e -> "slot " + e.getKey() + " migrating to " + e.getValue())
                .collect(Collectors.joining("; ")));
        append(out, importing.entrySet().stream().map(e -> "slot " + e.getKey() + " importing from " + e.getValue())
                .collect(Collectors.joining("; ")));
        if (!lost.isEmpty()) {
            append(out, "slots " + ranges(lost) + " served by another shard now");
        }
        if (!gained.isEmpty()) {
            append(out, "slots " + ranges(gained) + " served here now");
        }
        return out.isEmpty() ? null : out.toString();
    }

    private static String ranges(BitSet slots) {
        return SlotRange.of(slots).stream().map(SlotRange::toString).collect(Collectors.joining(","));
    }

    private static void append(StringBuilder out, String part) {
        if (!part.isEmpty()) {
            out.append(out.isEmpty() ? "" : "; ").append(part);
        }
    }

    private static String address(String[] node, String id) {
        if (node == null) {
            return "node " + id;
        }
        String at = node[1];
        int bus = at.indexOf('@');
        return bus < 0 ? at : at.substring(0, bus);
    }
}
