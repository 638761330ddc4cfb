package dev.redismigrate.api.redis;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;

/** Checks the endpoint a client sent and seals its password at once, so no plaintext is kept. */
public final class EndpointInput {
    private EndpointInput() {
    }

    /** @param field the JSON object the values came from, for error messages */
    public static RedisEndpoint of(String field, String host, Integer port, String username, String password,
            boolean tls, SecretCipher cipher) {
        if (host == null || host.isBlank()) {
            throw ApiException.badRequest(field + ".host is required");
        }
        if (!host.trim().matches("[A-Za-z0-9._:-]+")) {
            throw ApiException.badRequest(field + ".host must be a host name or an IP address");
        }
        if (port == null) {
            throw ApiException.badRequest(field + ".port is required");
        }
        if (port < 1 || port > 65535) {
            throw ApiException.badRequest(field + ".port must be between 1 and 65535");
        }
        String user = username == null || username.isBlank() ? null : username;
        return new RedisEndpoint(host.trim(), port, user, cipher.seal(password), tls);
    }
}
