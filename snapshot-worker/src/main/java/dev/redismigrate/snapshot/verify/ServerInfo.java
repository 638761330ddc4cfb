package dev.redismigrate.snapshot.verify;

import java.util.Map;

/**
 * What a verification must know of a server before comparing it: its family and version (two
 * servers print some values differently, so their {@code DEBUG DIGEST-VALUE}s agree only within one
 * build) and whether it is a Redis Cluster node (which holds only part of the keys).
 *
 * @param family         "valkey" when INFO server has {@code valkey_version}, else "redis"
 * @param version        the family's own version (Valkey 8 reports {@code redis_version:7.2.4} too)
 * @param clusterEnabled {@code cluster_enabled:1} in INFO cluster
 */
record ServerInfo(String family, String version, boolean clusterEnabled) {

    static ServerInfo of(Map<String, String> infoServer, Map<String, String> infoCluster) {
        String valkey = infoServer.get("valkey_version");
        String family = valkey != null || "valkey".equals(infoServer.get("server_name")) ? "valkey" : "redis";
        String version = valkey != null ? valkey : String.valueOf(infoServer.get("redis_version"));
        return new ServerInfo(family, version, "1".equals(infoCluster.get("cluster_enabled")));
    }

    /**
     * Whether both compute DEBUG DIGEST-VALUE of equal values alike. It hashes the text of sorted-set
     * scores, which Redis 7.0 prints with %.17g and Valkey 8 (and Redis 7.2+) in the shortest
     * round-trip form; only the same family and version is taken as proof that they agree.
     */
    boolean digestsAgreeWith(ServerInfo other) {
        return family.equals(other.family) && version.equals(other.version);
    }

    @Override
    public String toString() {
        return family + " " + version;
    }
}
