package dev.redismigrate.common.redis;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where a Redis server is and how to log in. The password is only ever held sealed (see
 * {@link dev.redismigrate.common.secret.SecretCipher}), so an endpoint can travel through Kafka and
 * PostgreSQL, and be logged, without leaking it.
 */
public record RedisEndpoint(
        @JsonProperty("host") String host,
        @JsonProperty("port") int port,
        @JsonProperty("username") String username,
        @JsonProperty("sealed_password") String sealedPassword,
        @JsonProperty("tls") boolean tls) {

    @JsonIgnore
    public boolean hasPassword() {
        return sealedPassword != null && !sealedPassword.isEmpty();
    }

    /** host:port, for messages and logs. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + (username == null || username.isEmpty() ? "" : username + "@")
                + address();
    }
}
