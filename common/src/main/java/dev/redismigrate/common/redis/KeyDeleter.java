package dev.redismigrate.common.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * Deletes the keys a predicate picks on one server, page by page: found by {@code SCAN} over the selected db,
 * or, on a cluster master whose slots in question are known, by {@code CLUSTER GETKEYSINSLOT} for those
 * slots only (a server that refuses it is scanned instead). The second costs the keys of those slots rather than every key the master holds: a source
 * shard's flush or new copy on a large cluster target read the whole target by {@code SCAN} before (each
 * master's every key, to delete a third of them).
 */
public final class KeyDeleter {
    /** A server as the caller reaches it (its connection, its waits, its fences). */
    public interface Server {
        /** The replies of {@code commands}, sent pipelined, in order. */
        List<Object> call(List<byte[][]> commands);

        /** Deletes one page of keys, confirmed before it returns. */
        void delete(List<byte[]> keys);
    }

    private static final byte[] SCAN = ascii("SCAN");
    private static final byte[] COUNT = ascii("COUNT");
    private static final byte[] PER_SCAN = ascii("1000");
    private static final byte[] CLUSTER = ascii("CLUSTER");
    private static final byte[] GETKEYSINSLOT = ascii("GETKEYSINSLOT");
    private static final byte[] COUNTKEYSINSLOT = ascii("COUNTKEYSINSLOT");
    /** slots asked in one pipelined round: the keys in memory at once stay under this times {@link #KEYS_PER_SLOT} */
    static final int SLOTS_PER_ROUND = 64;
    static final int KEYS_PER_SLOT = 1000;

    private KeyDeleter() {
    }

    /** Deletes the keys of the server's selected db that {@code doomed} picks, found by {@code SCAN}. @return how many */
    public static long byScan(Server server, Predicate<byte[]> doomed) {
        byte[] cursor = ascii("0");
        long deleted = 0;
        do {
            List<?> reply = (List<?>) server.call(List.<byte[][]>of(new byte[][] {SCAN, cursor, COUNT, PER_SCAN})).get(0);
            cursor = bytes(reply.get(0));
            List<byte[]> page = new ArrayList<>();
            for (Object key : (List<?>) reply.get(1)) {
                byte[] name = bytes(key);
                if (doomed.test(name)) {
                    page.add(name);
                }
            }
            if (!page.isEmpty()) {
                server.delete(page);
                deleted += page.size();
            }
        } while (!(cursor.length == 1 && cursor[0] == '0'));
        return deleted;
    }

    /**
     * Deletes the keys of a cluster master's {@code slots} (those it serves; others answer nothing) that
     * {@code doomed} picks, found by {@code CLUSTER GETKEYSINSLOT}; by {@code SCAN} where the server refuses
     * that ({@code doomed} must then pick by slot itself). A slot whose page came full is asked again after
     * the page's deletion; one whose full page held only keys kept (e.g. checkpoints) is asked for twice as
     * many, so that the kept keys cannot hide the others. A slot that still gives full pages after as many
     * as its keys at the start allow is being written meanwhile: that ends the deletion with an error
     * rather than a loop without end. @return how many
     */
    public static long bySlots(Server server, BitSet slots, Predicate<byte[]> doomed) {
        try {
            return findingBySlots(server, slots, doomed);
        } catch (RuntimeException e) {
            if (!refused(e)) {
                throw e;
            }
            return byScan(server, doomed);
        }
    }

    private static long findingBySlots(Server server, BitSet slots, Predicate<byte[]> doomed) {
        Deque<int[]> asked = new ArrayDeque<>(); // {slot, keys asked, pages left (-1: not counted yet)}
        slots.stream().forEach(slot -> asked.add(new int[] {slot, KEYS_PER_SLOT, -1}));
        long deleted = 0;
        while (!asked.isEmpty()) {
            List<int[]> round = new ArrayList<>();
            List<byte[][]> commands = new ArrayList<>();
            while (!asked.isEmpty() && round.size() < SLOTS_PER_ROUND) {
                int[] slot = asked.poll();
                round.add(slot);
                byte[] number = ascii(Integer.toString(slot[0]));
                commands.add(new byte[][] {CLUSTER, GETKEYSINSLOT, number, ascii(Integer.toString(slot[1]))});
                commands.add(new byte[][] {CLUSTER, COUNTKEYSINSLOT, number});
            }
            List<Object> replies = server.call(commands);
            List<byte[]> page = new ArrayList<>();
            for (int i = 0; i < round.size(); i++) {
                List<?> keys = (List<?>) replies.get(2 * i);
                int picked = 0;
                for (Object key : keys) {
                    byte[] name = bytes(key);
                    if (doomed.test(name)) {
                        page.add(name);
                        picked++;
                    }
                }
                int[] slot = round.get(i);
                if (keys.size() < slot[1]) {
                    continue; // all of the slot's keys were on this page
                }
                // the keys it held when first asked bound the pages it may still take (doublings included)
                int pagesLeft = slot[2] >= 0 ? slot[2] - 1
                        : (int) Math.min(Integer.MAX_VALUE, number(replies.get(2 * i + 1)) / KEYS_PER_SLOT + 32);
                if (pagesLeft <= 0) {
                    throw new IllegalStateException("slot " + slot[0] + " still gives full pages of keys while it is emptied:"
                            + " something else writes keys into it");
                }
                asked.add(new int[] {slot[0], picked > 0 ? slot[1] : slot[1] * 2, pagesLeft});
            }
            if (!page.isEmpty()) {
                server.delete(page);
                deleted += page.size();
            }
        }
        return deleted;
    }

    /** A server that does not serve {@code CLUSTER GETKEYSINSLOT} (not a cluster node, renamed, denied by ACL). */
    private static boolean refused(RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("cluster support disabled") || message.contains("NOPERM")
                || message.contains("unknown command") || message.contains("unknown subcommand");
    }

    private static long number(Object reply) {
        return reply instanceof Long n ? n : Long.parseLong(new String(bytes(reply), StandardCharsets.US_ASCII).trim());
    }

    private static byte[] bytes(Object reply) {
        return reply instanceof byte[] b ? b : String.valueOf(reply).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
