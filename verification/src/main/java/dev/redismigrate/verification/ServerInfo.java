package dev.redismigrate.verification;

import dev.redismigrate.common.redis.ServerRelease;
import java.util.Map;

/**
 * What a verification must know of a server before comparing it: its release (two servers print
 * some values differently, so their {@code DEBUG DIGEST-VALUE}s agree only within one build) and
 * whether it is a Redis Cluster node (which holds only part of the keys).
 *
 * @param clusterEnabled {@code cluster_enabled:1} in INFO cluster
 */
record ServerInfo(ServerRelease release, boolean clusterEnabled) {

    static ServerInfo of(Map<String, String> infoServer, Map<String, String> infoCluster) {
        return new ServerInfo(ServerRelease.of(infoServer), "1".equals(infoCluster.get("cluster_enabled")));
    }

    /**
     * Whether both compute DEBUG DIGEST-VALUE of equal values alike. It hashes the text of sorted-set
     * scores, which Redis 7.0 prints with %.17g and Valkey 8 (and Redis 7.2+) in the shortest
     * round-trip form; only the same family and version is taken as proof that they agree.
     */
    boolean digestsAgreeWith(ServerInfo other) {
        return release.equals(other.release);
    }

    @Override
    public String toString() {
        return release.toString();
    }
}
