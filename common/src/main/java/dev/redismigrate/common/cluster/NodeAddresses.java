package dev.redismigrate.common.cluster;

import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Map;

/**
 * Chooses the address this service connects to for a node the cluster announces. What a node
 * announces is what the cluster's own clients are told (MOVED, CLUSTER SHARDS), which is not always
 * reachable from here: behind NAT or Docker it is an inner address, on managed services a name.
 * In this order:
 * <ol>
 * <li>an address given for it in {@code translations} (announced host:port → reachable host:port),
 *     for NAT and port-forwarding, where nothing in the cluster's answers says the outer address;</li>
 * <li>the node that answered the discovery ({@code seedId}) is reached where it was reached: at the
 *     address the user gave, whatever it announces (a single NAT-ed entry point still works);</li>
 * <li>its announced endpoint: CLUSTER SHARDS' {@code endpoint} (which follows the cluster's
 *     {@code cluster-preferred-endpoint-type}: ip, hostname or unknown), else its {@code ip} when the
 *     endpoint is unknown ({@code ?} or empty), else the seed's host with the node's port (a node that
 *     does not know its own address answers where the seed was reached);</li>
 * <li>with TLS, the node's {@code tls-port} when it announces one, else its {@code port}.</li>
 * </ol>
 * MOVED and ASK replies name announced addresses too: they go through {@link #reachable} the same way.
 */
public final class NodeAddresses {
    private final RedisEndpoint seed;
    private final Map<String, String> translations;

    /** @param translations announced host:port → reachable host:port; empty for none */
    public NodeAddresses(RedisEndpoint seed, Map<String, String> translations) {
        this.seed = seed;
        this.translations = Map.copyOf(translations);
    }

    public RedisEndpoint seed() {
        return seed;
    }

    /**
     * The same choices for a discovery answered by the node at {@code hostPort}: another node than the seed (the
     * seed does not answer) is reached where it was reached (with the seed's credentials), not at the seed's
     * address; the seed's own address gives these choices as they are.
     */
    public NodeAddresses answeredAt(String hostPort) {
        if (hostPort.equals(seed.address())) {
            return this;
        }
        Chosen at = parse(hostPort, hostPort);
        return new NodeAddresses(new RedisEndpoint(at.host(), at.port(), seed.username(), seed.sealedPassword(), seed.tls()),
                translations);
    }

    /**
     * @param endpoint the announced endpoint (null, "?" or "" when unknown)
     * @param ip the announced ip (null or "" when unknown)
     * @param isSeed the node is the one that answered on the seed's address
     * @return host and port to connect to, and the announced host:port
     */
    Chosen choose(String endpoint, String ip, int port, boolean isSeed) {
        String host = known(endpoint) ? endpoint : known(ip) ? ip : seed.host();
        String announced = hostPort(host, port);
        String translated = translations.get(announced);
        if (translated != null) {
            return parse(translated, announced);
        }
        if (isSeed) {
            return new Chosen(seed.host(), seed.port(), announced);
        }
        return new Chosen(host, port, announced);
    }

    /** A MOVED/ASK target as announced → where to connect. */
    public Chosen reachable(String host, int port) {
        String announced = hostPort(host, port);
        String translated = translations.get(announced);
        return translated != null ? parse(translated, announced) : new Chosen(host, port, announced);
    }

    private static boolean known(String host) {
        return host != null && !host.isEmpty() && !host.equals("?");
    }

    static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static Chosen parse(String hostPort, String announced) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("an address translation needs host:port, not " + hostPort);
        }
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        return new Chosen(host, Integer.parseInt(hostPort.substring(colon + 1)), announced);
    }

    /** Where to connect, and what the cluster announced. */
    public record Chosen(String host, int port, String announced) {
        public String address() {
            return hostPort(host, port);
        }
    }
}
