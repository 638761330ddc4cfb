package dev.redismigrate.api.redis;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.ServerRelease;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;

/** Connects once to a Redis server to prove it is usable and read what the rules need. */
@ApplicationScoped
public class RedisProbe {
    /** What Redis has unless configured otherwise. */
    static final int DEFAULT_DATABASES = 16;

    /**
     * @param release the server's family and own version (e.g. Valkey 8.0.1)
     * @param serverId which server answered, whatever address reached it: {@code run_id} of INFO server. It is
     *        new after each restart of the server, so it tells apart two servers, and names one server that
     *        several addresses (127.0.0.1, 127.0.0.2, 0.0.0.0, a host name) reach, from its start to its end;
     *        a server restarted under a migration is another server for the rules that compare it
     * @param cluster cluster mode on ({@code cluster_enabled:1} of INFO cluster): one node holds one shard only
     * @param keysPerDb from INFO keyspace
     * @param access what a source allows; null for a target
     * @param clusterSurvey for a cluster node, its cluster's shards, slots and reachable nodes; null otherwise
     */
    public record Facts(ServerRelease release, String serverId, boolean cluster, int databases, Memory memory,
            Map<Integer, Long> keysPerDb, SourceAccess access, ClusterDiscovery clusterSurvey) {

        public Facts(ServerRelease release, String serverId, boolean cluster, int databases, Memory memory,
                Map<Integer, Long> keysPerDb, SourceAccess access) {
            this(release, serverId, cluster, databases, memory, keysPerDb, access, null);
        }

        /** A cluster node whose cluster serves all 16384 slots, every node reachable with the credentials given. */
        public boolean wholeCluster() {
            return cluster && clusterSurvey != null && clusterSurvey.survey() != null && clusterSurvey.survey().complete();
        }
    }

    /**
     * From INFO memory, in bytes. {@code maxmemory} 0 means no limit; {@code systemMemory} 0 means
     * the server did not say.
     */
    public record Memory(long used, long dataset, long maxmemory, long systemMemory) {
    }

    private final RedisConnector connector;

    RedisProbe(RedisConnector connector) {
        this.connector = connector;
    }

    /** @param role "source" or "target", for the message of the 422 when it cannot be used */
    public Facts probe(String role, RedisEndpoint endpoint) {
        return probe(role, endpoint, false);
    }

    /** The source, and what it allows a migration to do (see {@link SourceAccess}). */
    public Facts probeSource(RedisEndpoint endpoint) {
        return probe("source", endpoint, true);
    }

    private Facts probe(String role, RedisEndpoint endpoint, boolean withAccess) {
        try (RedisLink link = connector.open(endpoint, "redis-migrate-api")) {
            Map<String, String> server = link.serverInfo();
            ServerRelease release = ServerRelease.of(server);
            boolean cluster = "1".equals(link.info("cluster").get("cluster_enabled"));
            int databases = databases(link);
            Memory memory = memory(link.info("memory"));
            Map<Integer, Long> keys = Keyspace.keysPerDb(link.info("keyspace"));
            // last: the PSYNC probe may leave the link unusable
            SourceAccess access = withAccess ? SourceAccess.of(link) : null;
            return new Facts(release, server.get("run_id"), cluster, databases, memory, keys, access,
                    cluster ? ClusterDiscovery.of(connector, endpoint) : null);
        } catch (RedisAccessException | IllegalArgumentException e) {
            // over TLS is worth saying: a plain-TCP server fails the handshake with a vague reason
            throw ApiException.unprocessable("the " + role + " Redis cannot be used" + (endpoint.tls() ? " over TLS" : "")
                    + ": " + e.getMessage());
        }
    }

    static Memory memory(Map<String, String> info) {
        long used = number(info, "used_memory");
        // used_memory_dataset exists since Redis 4; before, the whole use is the best estimate
        long dataset = info.containsKey("used_memory_dataset") ? number(info, "used_memory_dataset") : used;
        return new Memory(used, dataset, number(info, "maxmemory"), number(info, "total_system_memory"));
    }

    private static long number(Map<String, String> info, String field) {
        try {
            return Long.parseLong(info.getOrDefault(field, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The number of dbs, or the default when CONFIG is not allowed (as on managed servers). */
    private static int databases(RedisLink link) {
        try {
            Object reply = link.call("CONFIG", "GET", "databases");
            Object value = reply instanceof Map<?, ?> map ? map.get("databases")
                    : reply instanceof List<?> list && list.size() == 2 ? list.get(1) : null;
            return value == null ? DEFAULT_DATABASES : Integer.parseInt(value.toString());
        } catch (RedisAccessException | NumberFormatException e) {
            return DEFAULT_DATABASES;
        }
    }
}
