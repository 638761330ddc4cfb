package dev.redismigrate.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local Redis Cluster of real servers (cluster mode on, slots spread by {@code redis-cli --cluster
 * create}), for tests that must see what a cluster does; closed with all its servers.
 */
public final class RedisCluster implements AutoCloseable {
    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = nodes;
    }

    /** {@code masters} shards (at least 3, as redis-cli requires), each with {@code replicasPerMaster} replicas. */
    public static RedisCluster start(RedisServer.Family family, int masters, int replicasPerMaster) {
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
                nodes.add(RedisServer.start(family, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "5000"));
            }
            List<String> args = new ArrayList<>(List.of("--cluster", "create"));
            nodes.forEach(n -> args.add(n.host() + ":" + n.port()));
            args.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
            String out = nodes.get(0).cli(args.toArray(String[]::new));
            if (!out.contains("All 16384 slots covered")) {
                throw new IllegalStateException("cluster create failed: " + out);
            }
            RedisCluster cluster = new RedisCluster(nodes);
            cluster.awaitOk();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    public List<RedisServer> nodes() {
        return nodes;
    }

    /** Runs redis-cli in cluster mode (-c: follows MOVED) against the first node. */
    public String cli(String... args) {
        String[] withC = new String[args.length + 1];
        withC[0] = "-c";
        System.arraycopy(args, 0, withC, 1, args.length);
        return nodes.get(0).cli(withC);
    }

    private void awaitOk() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (nodes.stream().allMatch(n -> n.cli("CLUSTER", "INFO").contains("cluster_state:ok"))) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the cluster did not reach cluster_state:ok within 30 s");
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }
}
