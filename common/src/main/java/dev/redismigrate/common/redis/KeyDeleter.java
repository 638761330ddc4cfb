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
     * many, so that the kept keys cannot hide the others. A slot from which more keys were deleted than it
     * held at the start (and a page more) is being written meanwhile: that ends the deletion with an error
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
        Deque<long[]> asked = new ArrayDeque<>(); // {slot, keys asked, keys at the start (-1: not counted yet), deleted}
        slots.stream().forEach(slot -> asked.add(new long[] {slot, KEYS_PER_SLOT, -1, 0}));
        long deleted = 0;
        while (!asked.isEmpty()) {
            List<long[]> round = new ArrayList<>();
            List<byte[][]> commands = new ArrayList<>();
            while (!asked.isEmpty() && round.size() < SLOTS_PER_ROUND) {
                long[] slot = asked.poll();
                round.add(slot);
                byte[] number = ascii(Long.toString(slot[0]));
                commands.add(new byte[][] {CLUSTER, GETKEYSINSLOT, number, ascii(Long.toString(slot[1]))});
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
                long[] slot = round.get(i);
                if (keys.size() < slot[1]) {
                    continue; // all of the slot's keys were on this page
                }
                long atStart = slot[2] >= 0 ? slot[2] : number(replies.get(2 * i + 1));
                long deletedHere = slot[3] + picked;
                // each full page deletes one key at least, or doubles the ask: it ends, unless something else
                // writes keys into the slot as fast as they go
                if (deletedHere > atStart + KEYS_PER_SLOT) {
                    throw new IllegalStateException("slot " + slot[0] + " still gives full pages of keys while it is emptied:"
                            + " something else writes keys into it");
                }
                // the keys kept come again on every page: asked for on top of a page's worth
                long kept = keys.size() - picked;
                long next = picked > 0 ? Math.max(slot[1], kept + KEYS_PER_SLOT) : slot[1] * 2;
                asked.add(new long[] {slot[0], Math.min(next, Integer.MAX_VALUE), atStart, deletedHere});
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
