package dev.redismigrate.common.cluster;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.redisson.client.RedisAskException;
import org.redisson.client.RedisMovedException;
import org.redisson.client.RedisRedirectException;
import org.redisson.client.RedisTryAgainException;

/**
 * Writes commands (argv byte arrays) into a cluster: each goes to the master of its key's slot,
 * multi-key commands split per slot where {@link CommandKeys} allows. Commands are pipelined per
 * node and sent together once {@code maxPendingBytes} are queued, or on {@link #flush()}, which
 * waits for every reply. A reply {@code MOVED} (the slot has a new owner) re-reads the topology
 * and resends there; {@code ASK} (the slot is being migrated and this key is already on the
 * importing node) resends to that node after {@code ASKING}; {@code TRYAGAIN} (a multi-key command
 * while its keys are split between the two nodes of a migration) resends after a pause. Resent
 * commands keep their order among themselves, so two writes of one key keep theirs.
 *
 * <p>Not thread-safe: one writer per stream of commands. Commands without keys are sent to every
 * master when they concern the whole data set (FLUSHALL, FLUSHDB, SCRIPT, FUNCTION), PUBLISH to one
 * master (the cluster spreads it), others refused.
 */
public final class ClusterWriter implements AutoCloseable {
    private static final Set<String> TO_EVERY_MASTER = Set.of("flushall", "flushdb", "script", "function");
    /** a cluster passes a PUBLISH on to every node itself (and a source replicates its PUBLISHes) */
    private static final Set<String> TO_ANY_MASTER = Set.of("publish");
    /** Rounds of redirections one flush follows before it gives up (a slot moving again and again). */
    private static final int MAX_ROUNDS = 50;
    private static final long TRY_AGAIN_PAUSE_MS = 50;
    private static final byte[][] ASKING = {"ASKING".getBytes(StandardCharsets.US_ASCII)};

    private final RedisConnector connector;
    private final NodeAddresses addresses;
    private final long maxPendingBytes;
    private final int maxPendingCommands;
    private final Duration replyTimeout;
    private final String clientName;
    private final Map<String, RedisLink> links = new HashMap<>();
    /** set by {@link #close}: no link opens after it (see {@link #link}) */
    private volatile boolean closed;
    private CommandKeys keys;
    private ClusterTopology topologyOf;
    /** asked after the seed and the masters known (before the first read: the seed alone), see the constructor */
    private final List<String> alsoKnown;
    private ClusterNode[] owners;
    private List<Pending> pending = new ArrayList<>();
    private long pendingBytes;
    private long moved;
    private long asked;
    private long triedAgain;

    /** A command sent and not yet answered. */
    private record Pending(byte[][] argv, String address, CompletableFuture<Object> reply) {
    }

    /** A command (or the part of one) for one master; {@code slot} -1 for a keyless command (sent to every master). */
    public record Routed(byte[][] argv, String address, int slot) {
    }

    public ClusterWriter(RedisConnector connector, NodeAddresses addresses, long maxPendingBytes, Duration replyTimeout,
            String clientName) {
        this(connector, addresses, Integer.MAX_VALUE, maxPendingBytes, replyTimeout, clientName);
    }

    /** @param maxPendingCommands commands queued before they are sent and their replies awaited (bounds the futures held) */
    public ClusterWriter(RedisConnector connector, NodeAddresses addresses, int maxPendingCommands, long maxPendingBytes,
            Duration replyTimeout, String clientName) {
        this(connector, addresses, maxPendingCommands, maxPendingBytes, replyTimeout, clientName, List.of());
    }

    /**
     * @param alsoKnown other nodes of the cluster ("host:port", e.g. from an earlier writer's {@link #knownNodes}),
     *        asked for the topology when the seed does not answer (a managed failover of that very node)
     */
    public ClusterWriter(RedisConnector connector, NodeAddresses addresses, int maxPendingCommands, long maxPendingBytes,
            Duration replyTimeout, String clientName, List<String> alsoKnown) {
        this.alsoKnown = List.copyOf(alsoKnown);
        this.connector = connector;
        this.addresses = addresses;
        this.maxPendingCommands = maxPendingCommands;
        this.maxPendingBytes = maxPendingBytes;
        this.replyTimeout = replyTimeout;
        this.clientName = clientName;
        refresh();
    }

    /** Queues a command; sends and waits for the replies once the bound in bytes or commands is reached. */
    public void write(byte[][] argv) {
        for (Routed part : route(argv)) {
            queue(part.argv(), part.address());
        }
        if (pendingBytes >= maxPendingBytes || pending.size() >= maxPendingCommands) {
            flush();
        }
    }

    /**
     * Where a command goes by the topology known now: one part per slot of its keys (split where
     * {@link CommandKeys} allows), each to the master of that slot; a keyless command for the whole
     * data set to every master. Nothing is sent.
     *
     * @throws CrossSlotException for a multi-key command across slots that cannot be split
     * @throws ClusterWriteException for a keyless command that is not for every master, or a slot without a master
     */
    public List<Routed> route(byte[][] argv) {
        String name = new String(argv[0], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        List<Routed> routed = new ArrayList<>();
        for (CommandKeys.Part part : keys.perSlot(argv)) {
            if (part.slot() < 0 && TO_ANY_MASTER.contains(name) && !topologyOf.masters().isEmpty()) {
                routed.add(new Routed(part.argv(), topologyOf.masters().get(0).address(), -1));
                continue;
            }
            if (part.slot() < 0) {
                if (!TO_EVERY_MASTER.contains(name)) {
                    throw new ClusterWriteException(name.toUpperCase(Locale.ROOT)
                            + " has no key: a cluster target cannot tell which node it is for");
                }
                for (ClusterNode master : topologyOf.masters()) {
                    routed.add(new Routed(part.argv(), master.address(), -1));
                }
                continue;
            }
            ClusterNode owner = owners[part.slot()];
            if (owner == null) {
                throw new ClusterWriteException("slot " + part.slot() + " of the target is served by no shard ("
                        + name.toUpperCase(Locale.ROOT) + ")");
            }
            routed.add(new Routed(part.argv(), owner.address(), part.slot()));
        }
        return routed;
    }

    /**
     * This writer's connection to a node (opened on first use, reopened when broken), for a caller
     * that runs its own exchange there (a transaction); not while commands of {@link #write} wait for a flush.
     */
    public RedisLink linkTo(String address) {
        return link(address);
    }

    /** Whether this writer's connection to {@code address} stands (false: none opened, or lost). */
    public boolean isOpen(String address) {
        RedisLink link = links.get(address);
        return link != null && link.isOpen();
    }

    /** Sends everything queued and waits for every reply, following redirections; throws on any error reply. */
    public void flush() {
        List<Pending> round = pending;
        pending = new ArrayList<>();
        pendingBytes = 0;
        for (int attempt = 0; attempt < MAX_ROUNDS && !round.isEmpty(); attempt++) {
            links.values().forEach(RedisLink::sendQueued);
            // one deadline for the round's replies: each awaited in turn with a timeout of its own, a
            // connection whose replies never come (cut without Redisson failing them) held the round
            // for a timeout per command — a copy stalled for minutes after a cut
            long deadline = System.nanoTime() + replyTimeout.toNanos();
            List<Runnable> resend = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            boolean connectionLost = false;
            boolean topologyChanged = false;
            boolean pause = false;
            for (Pending p : round) {
                Throwable failure = await(p, deadline);
                if (failure == null) {
                    continue;
                }
                if (failure instanceof RedisAskException ask) {
                    asked++;
                    String at = target(ask);
                    resend.add(() -> {
                        link(at).queue(ASKING);
                        pending.add(new Pending(p.argv(), at, link(at).queue(p.argv())));
                    });
                } else if (failure instanceof RedisMovedException move) {
                    moved++;
                    topologyChanged = true;
                    String at = target(move);
                    resend.add(() -> queue(p.argv(), at));
                } else if (failure instanceof RedisTryAgainException) {
                    triedAgain++;
                    pause = true;
                    resend.add(() -> queue(p.argv(), p.address()));
                } else {
                    connectionLost |= lostConnection(failure);
                    errors.add(describe(p, failure));
                }
            }
            if (!errors.isEmpty()) {
                String message = errors.size() + " command(s) failed on the cluster target: "
                        + String.join("; ", errors.subList(0, Math.min(5, errors.size())));
                throw connectionLost ? new ClusterNodeLostException(message) : new ClusterWriteException(message);
            }
            if (topologyChanged) {
                refresh();
            }
            if (pause) {
                sleep(TRY_AGAIN_PAUSE_MS);
            }
            resend.forEach(Runnable::run);
            round = pending;
            pending = new ArrayList<>();
            pendingBytes = 0;
        }
        if (!round.isEmpty()) {
            throw new ClusterWriteException(round.size() + " command(s) still redirected after " + MAX_ROUNDS
                    + " rounds (a slot moving on and on, or a migration stuck): first " + name(round.get(0).argv())
                    + " at " + round.get(0).address());
        }
    }

    /** MOVED redirections followed so far (a slot had a new owner). */
    public long movedFollowed() {
        return moved;
    }

    /** ASK redirections followed so far (a key of a slot being migrated). */
    public long askFollowed() {
        return asked;
    }

    /** TRYAGAIN replies resent so far. */
    public long triedAgain() {
        return triedAgain;
    }

    /** The cluster's nodes as this writer last read them ("host:port", masters first). */
    public List<String> knownNodes() {
        return knownEndpoints().stream().map(RedisEndpoint::address).toList();
    }

    /** The same, each with the seed's credentials and TLS: where a new link may reach the cluster when its seed is down. */
    public List<RedisEndpoint> knownEndpoints() {
        List<RedisEndpoint> nodes = new ArrayList<>();
        topologyOf.masters().forEach(n -> nodes.add(n.endpoint(addresses.seed())));
        topologyOf.nodes().stream().filter(n -> !n.master()).forEach(n -> nodes.add(n.endpoint(addresses.seed())));
        return nodes;
    }

    /** The topology the writer routes by (re-read after each MOVED). */
    public ClusterTopology topology() {
        return topologyOf;
    }

    /**
     * Re-reads the topology from the seed, else from any master known (or, before the first read, the nodes
     * given as also known): after a failover or a resharding the seed may be gone. The key table is read once, from the first node that answers.
     */
    private void refresh() {
        List<String> tried = new ArrayList<>();
        List<String> candidates = new ArrayList<>();
        candidates.add(addresses.seed().address());
        if (topologyOf != null) {
            topologyOf.masters().forEach(m -> candidates.add(m.address()));
        }
        alsoKnown.stream().filter(a -> !candidates.contains(a)).forEach(candidates::add);
        for (String address : candidates) {
            try {
                RedisLink link = link(address);
                // the node that answers is reached where it was reached (NodeAddresses.answeredAt)
                ClusterTopology topology = TopologyReader.read(link, addresses.answeredAt(address));
                ClusterNode[] byslot = new ClusterNode[HashSlot.SLOTS];
                for (ClusterShard shard : topology.shards()) {
                    for (SlotRange range : shard.slots()) {
                        java.util.Arrays.fill(byslot, range.from(), range.to() + 1, shard.master());
                    }
                }
                if (keys == null) {
                    keys = CommandKeys.of(link.call("COMMAND"), this::getKeys);
                }
                topologyOf = topology;
                owners = byslot;
                return;
            } catch (RedisAccessException e) {
                tried.add(e.getMessage());
                RedisLink broken = links.remove(address);
                if (broken != null) {
                    broken.close();
                }
            }
        }
        throw new ClusterWriteException("the cluster target's topology cannot be read: " + String.join("; ", tried));
    }

    /** COMMAND GETKEYS on the seed (any node answers it alike). */
    private List<byte[]> getKeys(byte[][] argv) {
        return CommandKeys.askKeys(link(topologyOf != null && !topologyOf.masters().isEmpty()
                ? topologyOf.masters().get(0).address() : addresses.seed().address()), argv, replyTimeout);
    }

    private void queue(byte[][] argv, String address) {
        pending.add(new Pending(argv, address, link(address).queue(argv)));
        for (byte[] arg : argv) {
            pendingBytes += arg.length;
        }
    }

    private RedisLink link(String address) {
        if (closed) {
            // a writer's thread that outlived its round (stuck in a connect, which ignores interrupts) must not
            // reopen a link and send its rest after the next round began: a big value's chunks twice
            throw new ClusterWriteException("the writer to the cluster target was closed");
        }
        RedisLink link = links.get(address);
        if (link != null && !link.isOpen()) {
            // in-flight replies of a broken link are lost: the flush reports them as failed
            links.remove(address);
            link.close();
            link = null;
        }
        if (link == null) {
            int colon = address.lastIndexOf(':');
            String host = address.substring(0, colon).replace("[", "").replace("]", "");
            link = connector.open(new dev.redismigrate.common.redis.RedisEndpoint(host,
                    Integer.parseInt(address.substring(colon + 1)), addresses.seed().username(),
                    addresses.seed().sealedPassword(), addresses.seed().tls()), clientName);
            links.put(address, link);
        }
        return link;
    }

    private String target(RedisRedirectException redirect) {
        return addresses.reachable(redirect.getUrl().getHost(), redirect.getUrl().getPort()).address();
    }

    /** The reply's failure, or null for a success; no reply by {@code deadline} (nanoTime) is a lost connection. */
    private Throwable await(Pending p, long deadline) {
        try {
            p.reply().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return new RedisAccessException("no reply within " + replyTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterWriteException("interrupted while waiting for " + p.address());
        }
    }

    /** A broken or silent connection (ours, or Redisson's), not an error reply of the node. */
    private static boolean lostConnection(Throwable failure) {
        return failure instanceof RedisAccessException || failure instanceof org.redisson.client.RedisConnectionException
                || failure instanceof org.redisson.client.RedisTimeoutException || failure instanceof java.io.IOException;
    }

    private static String describe(Pending p, Throwable failure) {
        return name(p.argv()) + " at " + p.address() + ": " + RedisAccessException.from("", failure).getMessage()
                .replaceFirst("^: ", "");
    }

    private static String name(byte[][] argv) {
        return new String(argv[0], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterWriteException("interrupted");
        }
    }

    @Override
    public void close() {
        closed = true;
        links.values().forEach(RedisLink::close);
        links.clear();
    }
}
