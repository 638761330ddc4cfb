package dev.redismigrate.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local Redis (or Valkey) Cluster of real servers, for tests that must see what a cluster does;
 * closed with all its servers. Nodes are listed masters first (node i for i &lt; masters is the
 * master of shard i), then the replicas, shard by shard.
 */
public final class RedisCluster implements AutoCloseable {
    /** Every cluster has these many hash slots. */
    public static final int SLOTS = 16384;

    private final List<RedisServer> nodes;
    private final int masters;

    private RedisCluster(List<RedisServer> nodes, int masters) {
        this.nodes = nodes;
        this.masters = masters;
    }

    /**
     * {@code masters} shards, each with {@code replicasPerMaster} replicas, the slots split evenly.
     * Assembled by hand (CLUSTER ADDSLOTSRANGE, MEET, REPLICATE) rather than by {@code redis-cli
     * --cluster create}, which wants at least 3 masters: any shard count works, on Redis and Valkey.
     */
    public static RedisCluster start(RedisServer.Family family, int masters, int replicasPerMaster) {
        return start(family, masters, replicasPerMaster, node -> new String[0]);
    }

    /** The same, with server arguments for node {@code i} (e.g. its TLS port). */
    public static RedisCluster start(RedisServer.Family family, int masters, int replicasPerMaster,
            java.util.function.IntFunction<String[]> extraArgs) {
        List<RedisServer> nodes = new ArrayList<>();
        List<Integer> busPorts = new ArrayList<>();
        try {
            for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
                // the bus port is port + 10000 unless given: above 55535 that is no port at all. A free port
                // asked for twice may come back twice (the node's own port then equals its bus port: it
                // exits with "Address already in use", seen once in CI), so a node that cannot bind is
                // started again on other ports
                for (int attempt = 1; ; attempt++) {
                    int busPort = RedisServer.freePort();
                    List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file",
                            "nodes.conf", "--cluster-node-timeout", "5000", "--cluster-port", Integer.toString(busPort)));
                    args.addAll(List.of(extraArgs.apply(i)));
                    try {
                        nodes.add(RedisServer.start(family, args.toArray(String[]::new)));
                        busPorts.add(busPort);
                        break;
                    } catch (IllegalStateException e) {
                        if (attempt == 3 || !RedisServer.couldNotBind(e)) {
                            throw e;
                        }
                    }
                }
            }
            RedisCluster cluster = new RedisCluster(nodes, masters);
            cluster.assemble(replicasPerMaster, busPorts);
            cluster.awaitOk(masters * replicasPerMaster);
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    private void assemble(int replicasPerMaster, List<Integer> busPorts) {
        // Every node gets an epoch of its own before it meets the others (as redis-cli --cluster create does).
        // Left at 0, the nodes part their epochs by collisions after MEET, and only while both are masters: a
        // replica made before that could share its master's epoch, the highest. Its CLUSTER FAILOVER TAKEOVER
        // then does not bump it and claims the dead master's slots at the same epoch, which the other nodes
        // ignore: cluster_state:fail to the end (seen in ClusterTargetReconnectTest: both nodes at epoch 4, the
        // current epoch 4).
        for (int i = 0; i < nodes.size(); i++) {
            require(nodes.get(i).cli("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1)), "OK");
        }
        for (int i = 0; i < masters; i++) {
            int from = SLOTS * i / masters;
            int to = SLOTS * (i + 1) / masters - 1;
            require(nodes.get(i).cli("CLUSTER", "ADDSLOTSRANGE", Integer.toString(from), Integer.toString(to)), "OK");
        }
        RedisServer first = nodes.get(0);
        for (int i = 1; i < nodes.size(); i++) {
            RedisServer n = nodes.get(i);
            require(first.cli("CLUSTER", "MEET", n.host(), Integer.toString(n.port()), Integer.toString(busPorts.get(i))), "OK");
        }
        awaitKnown();
        for (int shard = 0; shard < masters; shard++) {
            String masterId = nodeId(nodes.get(shard));
            for (int r = 0; r < replicasPerMaster; r++) {
                RedisServer replica = nodes.get(masters + shard * replicasPerMaster + r);
                require(replica.cli("CLUSTER", "REPLICATE", masterId), "OK");
            }
        }
    }

    private static void require(String reply, String expected) {
        if (!reply.trim().equals(expected)) {
            throw new IllegalStateException("cluster setup: " + reply.trim());
        }
    }

    /** Every node knows every other (the gossip of MEET has spread), so REPLICATE finds its master. */
    private void awaitKnown() {
        await(() -> nodes.stream().allMatch(n -> n.cli("CLUSTER", "NODES").trim().split("\n").length == nodes.size()),
                "every node to know the others");
    }

    public List<RedisServer> nodes() {
        return nodes;
    }

    /** The master of shard {@code i} as assembled (slots {@code 16384*i/masters} up to the next shard's). */
    public RedisServer master(int i) {
        return nodes.get(i);
    }

    public int masters() {
        return masters;
    }

    /** The cluster's id of a node (CLUSTER MYID). */
    public static String nodeId(RedisServer node) {
        return node.cli("CLUSTER", "MYID").trim();
    }

    /** Runs redis-cli in cluster mode (-c: follows MOVED) against the first node. */
    public String cli(String... args) {
        String[] withC = new String[args.length + 1];
        withC[0] = "-c";
        System.arraycopy(args, 0, withC, 1, args.length);
        return nodes.get(0).cli(withC);
    }

    /** Every node says cluster_state:ok and knows every replica as one (the gossip takes a moment). */
    private void awaitOk(int replicas) {
        await(() -> nodes.stream().allMatch(n -> n.cli("CLUSTER", "INFO").contains("cluster_state:ok")
                && n.cli("CLUSTER", "NODES").split("slave").length - 1 == replicas)
                && nodes.subList(masters, nodes.size()).stream()
                        .allMatch(r -> r.cli("INFO", "replication").contains("master_link_status:up")),
                "cluster_state:ok, every replica known on every node and in sync");
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the cluster did not reach " + what + " within 30 s");
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }
}
