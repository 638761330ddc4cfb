package dev.redismigrate.api.redis;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RedisVersion;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;

/** Connects once to a Redis server to prove it is usable and read what the rules need. */
@ApplicationScoped
public class RedisProbe {
    /** What Redis has unless configured otherwise. */
    static final int DEFAULT_DATABASES = 16;

    /**
     * @param keysPerDb from INFO keyspace
     * @param access what a source allows; null for a target
     */
    public record Facts(RedisVersion version, int databases, Memory memory, Map<Integer, Long> keysPerDb,
            SourceAccess access) {
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
            RedisVersion version = link.version();
            int databases = databases(link);
            Memory memory = memory(link.info("memory"));
            Map<Integer, Long> keys = Keyspace.keysPerDb(link.info("keyspace"));
            // last: the PSYNC probe may leave the link unusable
            SourceAccess access = withAccess ? SourceAccess.of(link) : null;
            return new Facts(version, databases, memory, keys, access);
        } catch (RedisAccessException | IllegalArgumentException e) {
            // over TLS is worth saying: a plain-TCP server fails the handshake with a vague reason
            throw ApiException.unprocessable("the " + role + " Redis cannot be used" + (endpoint.tls() ? " over TLS" : "")
                    + ": " + e.getMessage());
        }
    }

    private static Memory memory(Map<String, String> info) {
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
