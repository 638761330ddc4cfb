package dev.redismigrate.common.cluster;

import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Where the keys of a command are, as the server itself says, and how a multi-key command whose
 * keys fall into several slots is split into one command per slot, or narrowed to the keys that key
 * filters select ({@link #narrow}).
 *
 * <p>Key positions come from the server's {@code COMMAND} table, read once: for each command (and
 * subcommand, e.g. {@code xgroup|create}) its first key, last key and step. That triple covers every
 * command whose keys sit at fixed places, exists on every Redis since 2.8.13 and on Valkey, and
 * describes modules' commands too; no hand-written table can keep up with those. The richer key
 * specs of 7.0's {@code COMMAND DOCS}/{@code COMMAND INFO} say the same for these commands and more
 * for the rest, but reading them means interpreting begin-search/find-keys rules; for the commands
 * the triple cannot place (flag {@code movablekeys}: ZUNIONSTORE, EVAL, SORT ... STORE, XREAD, LMPOP)
 * the server is asked instead, {@code COMMAND GETKEYS} for that one command (a round trip; such
 * commands are rare in a stream of writes).
 *
 * <p>Which commands may be split is meaning, not syntax, and so a short list here: {@code DEL},
 * {@code UNLINK}, {@code TOUCH}, {@code EXISTS} (each key on its own) and {@code MSET} (each pair on its own). The
 * split parts are no longer one atomic step, which a migration replaying writes in order does not
 * need. Every other multi-key command across slots is refused with a {@link CrossSlotException}
 * naming it and the slots (RENAME, SMOVE, MSETNX, SUNIONSTORE ... across slots).
 */
public final class CommandKeys {
    /** Commands split key by key (step 1) or pair by pair (step 2), with the step. */
    /** EXISTS changes nothing, but a split one still counts the same keys in all (its replies add up). */
    private static final Map<String, Integer> SPLITTABLE = Map.of("del", 1, "unlink", 1, "touch", 1, "exists", 1, "mset", 2);

    private final Map<String, Spec> specs;
    private final Function<byte[][], List<byte[]>> getKeys;

    /**
     * A command for one slot.
     *
     * @param slot -1 for a command without keys
     */
    public record Part(byte[][] argv, int slot) {
    }

    /** One entry of the COMMAND table. */
    record Spec(int first, int last, int step, boolean movable, boolean container) {
    }

    CommandKeys(Map<String, Spec> specs, Function<byte[][], List<byte[]>> getKeys) {
        this.specs = specs;
        this.getKeys = getKeys;
    }

    /**
     * @param commandReply the server's reply to {@code COMMAND}
     * @param getKeys asks the server {@code COMMAND GETKEYS} for a command's keys
     */
    public static CommandKeys of(Object commandReply, Function<byte[][], List<byte[]>> getKeys) {
        Map<String, Spec> specs = new HashMap<>();
        for (Object entry : (List<?>) commandReply) {
            read((List<?>) entry, specs);
        }
        return new CommandKeys(specs, getKeys);
    }

    /**
     * The key table of a server, which also answers {@code COMMAND GETKEYS} for the commands whose keys
     * move (on the caller's thread: the link is not shared).
     */
    public static CommandKeys readFrom(RedisLink server, Duration timeout) {
        return of(server.call("COMMAND"), argv -> askKeys(server, argv, timeout));
    }

    /** {@code COMMAND GETKEYS} for one command; none for a command without key arguments. */
    @SuppressWarnings("unchecked")
    public static List<byte[]> askKeys(RedisLink server, byte[][] argv, Duration timeout) {
        byte[][] ask = new byte[argv.length + 2][];
        ask[0] = "COMMAND".getBytes(StandardCharsets.US_ASCII);
        ask[1] = "GETKEYS".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(argv, 0, ask, 2, argv.length);
        try {
            return (List<byte[]>) server.send(ask).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // "ERR The command has no key arguments" and the like
            if (cause.getMessage() != null && cause.getMessage().contains("no key arguments")) {
                return List.of();
            }
            throw new ClusterWriteException("COMMAND GETKEYS for " + name(argv) + " failed: " + cause.getMessage());
        }
    }

    private static void read(List<?> entry, Map<String, Spec> specs) {
        String name = entry.get(0).toString().toLowerCase(Locale.ROOT);
        boolean movable = ((List<?>) entry.get(2)).stream().anyMatch(f -> "movablekeys".equals(String.valueOf(f)));
        // since 7.0, entry 9 lists the subcommands (same form, named "container|sub")
        List<?> subcommands = entry.size() > 9 && entry.get(9) instanceof List<?> l ? l : List.of();
        specs.put(name, new Spec(number(entry.get(3)), number(entry.get(4)), number(entry.get(5)), movable,
                !subcommands.isEmpty()));
        for (Object sub : subcommands) {
            read((List<?>) sub, specs);
        }
    }

    private static int number(Object o) {
        return Integer.parseInt(o.toString());
    }

    /** The keys of a command, in order; empty for a command without keys. */
    public List<byte[]> keys(byte[][] argv) {
        Spec spec = spec(argv);
        if (spec.movable()) {
            return getKeys.apply(argv);
        }
        List<byte[]> keys = new ArrayList<>();
        positions(spec, argv.length).forEach(i -> keys.add(argv[i]));
        return keys;
    }

    /**
     * The command as one command per slot of its keys, in the order of their first key; the command
     * itself when its keys share a slot (or it has none).
     *
     * @throws CrossSlotException for keys in several slots of a command that cannot be split
     */
    public List<Part> perSlot(byte[][] argv) {
        List<byte[]> keys = keys(argv);
        Set<Integer> slots = new TreeSet<>();
        keys.forEach(k -> slots.add(HashSlot.of(k)));
        if (slots.size() <= 1) {
            return List.of(new Part(argv, slots.isEmpty() ? -1 : slots.iterator().next()));
        }
        String name = name(argv);
        Integer step = SPLITTABLE.get(name);
        if (step == null) {
            throw new CrossSlotException(name.toUpperCase(Locale.ROOT) + " with keys in slots "
                    + slots.stream().map(String::valueOf).collect(Collectors.joining(", "))
                    + " of the target: a cluster runs a multi-key command within one slot only, and "
                    + name.toUpperCase(Locale.ROOT) + " cannot be split into one command per slot without changing its meaning");
        }
        List<Part> parts = new ArrayList<>();
        split(argv, step, HashSlot::of).forEach((slot, part) -> parts.add(new Part(part, slot)));
        return parts;
    }

    /**
     * What a command becomes when only the keys {@code kept} accepts are the migration's (key filters):
     * {@code argv} itself when it accepts every key or the command has none, null when it accepts none,
     * the command narrowed to the accepted keys when it may be split (the same short list as for slots),
     * else {@link Narrowed#refused()}.
     */
    public Narrowed narrow(byte[][] argv, Predicate<byte[]> kept) {
        List<byte[]> in = new ArrayList<>();
        List<byte[]> out = new ArrayList<>();
        for (byte[] key : keys(argv)) {
            (kept.test(key) ? in : out).add(key);
        }
        if (out.isEmpty()) {
            return new Narrowed(argv, in, out, false);
        }
        if (in.isEmpty()) {
            return new Narrowed(null, in, out, false);
        }
        Integer step = SPLITTABLE.get(name(argv));
        if (step == null) {
            return new Narrowed(null, in, out, true);
        }
        return new Narrowed(split(argv, step, kept::test).get(true), in, out, false);
    }

    /**
     * A command as narrowed by {@link #narrow}.
     *
     * @param argv what to run (null: nothing)
     * @param refused keys on both sides, and the command cannot be split without changing its meaning
     */
    public record Narrowed(byte[][] argv, List<byte[]> kept, List<byte[]> left, boolean refused) {
    }

    /** A splittable command as one command per group of its keys (step 1: key by key; 2: pair by pair), in order. */
    private <K> Map<K, byte[][]> split(byte[][] argv, int step, Function<byte[], K> groupOf) {
        Map<K, List<byte[]>> groups = new LinkedHashMap<>();
        for (int i : positions(spec(argv), argv.length)) {
            List<byte[]> group = groups.computeIfAbsent(groupOf.apply(argv[i]), s -> {
                List<byte[]> g = new ArrayList<>();
                g.add(argv[0]);
                return g;
            });
            for (int j = i; j < i + step && j < argv.length; j++) {
                group.add(argv[j]);
            }
        }
        Map<K, byte[][]> parts = new LinkedHashMap<>();
        groups.forEach((k, g) -> parts.put(k, g.toArray(byte[][]::new)));
        return parts;
    }

    private Spec spec(byte[][] argv) {
        String name = name(argv);
        Spec spec = specs.get(name);
        if (spec == null) {
            throw new ClusterWriteException("the target does not know the command " + name.toUpperCase(Locale.ROOT));
        }
        if (spec.container() && argv.length > 1) {
            Spec sub = specs.get(name + "|" + new String(argv[1], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT));
            if (sub != null) {
                return sub;
            }
        }
        return spec;
    }

    private static String name(byte[][] argv) {
        return new String(argv[0], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    }

    /** first..last by step; a negative last counts from the end (-1: the last argument). */
    private static List<Integer> positions(Spec spec, int argc) {
        List<Integer> positions = new ArrayList<>();
        if (spec.first() <= 0) {
            return positions;
        }
        int last = spec.last() < 0 ? argc + spec.last() : Math.min(spec.last(), argc - 1);
        for (int i = spec.first(); i <= last; i += Math.max(1, spec.step())) {
            positions.add(i);
        }
        return positions;
    }
}
