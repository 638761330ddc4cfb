package dev.redismigrate.api.redis;

import dev.redismigrate.api.error.ApiException;
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

    public record Facts(RedisVersion version, int databases) {
    }

    private final RedisConnector connector;

    RedisProbe(RedisConnector connector) {
        this.connector = connector;
    }

    /** @param role "source" or "target", for the message of the 422 when it cannot be used */
    public Facts probe(String role, RedisEndpoint endpoint) {
        try (RedisLink link = connector.open(endpoint, "redis-migrate-api")) {
            return new Facts(link.version(), databases(link));
        } catch (RedisAccessException | IllegalArgumentException e) {
            // over TLS is worth saying: a plain-TCP server fails the handshake with a vague reason
            throw ApiException.unprocessable("the " + role + " Redis cannot be used" + (endpoint.tls() ? " over TLS" : "")
                    + ": " + e.getMessage());
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
