package dev.redismigrate.api.redis;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import io.netty.util.NetUtil;

/** Checks the endpoint a client sent and seals its password at once, so no plaintext is kept. */
public final class EndpointInput {
    /** the longest DNS name */
    private static final int MAX_HOST_LENGTH = 253;

    private EndpointInput() {
    }

    /** @param field the JSON object the values came from, for error messages */
    public static RedisEndpoint of(String field, String host, Integer port, String username, String password,
            boolean tls, SecretCipher cipher) {
        if (host == null || host.isBlank()) {
            throw ApiException.badRequest(field + ".host is required");
        }
        String checkedHost = host(field, host.trim());
        if (port == null) {
            throw ApiException.badRequest(field + ".port is required");
        }
        if (port < 1 || port > 65535) {
            throw ApiException.badRequest(field + ".port must be between 1 and 65535");
        }
        String user = username == null || username.isBlank() ? null : username;
        return new RedisEndpoint(checkedHost, port, user, cipher.seal(password), tls);
    }

    /**
     * A host name, an IPv4 address or an IPv6 address (with or without brackets; kept without).
     * Anything else is refused before any lookup: a name with a port inside ("h:6379") would
     * otherwise reach the client library, which answers with its own exception text.
     */
    private static String host(String field, String host) {
        if (host.length() > MAX_HOST_LENGTH) {
            throw ApiException.badRequest(field + ".host is longer than " + MAX_HOST_LENGTH + " characters");
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.contains(":")) {
            // zone ids (fe80::1%eth0) name an interface of this machine: not an address to migrate from
            if (NetUtil.isValidIpV6Address(bare) && !bare.contains("%")) {
                return bare;
            }
            if (bare.matches("[A-Za-z0-9._-]+:\\d*")) {
                throw ApiException.badRequest(field + ".host must not hold a port: give it in " + field + ".port");
            }
            throw ApiException.badRequest(field + ".host must be a host name or an IP address");
        }
        if (!bare.equals(host) || !host.matches("[A-Za-z0-9._-]+")) {
            throw ApiException.badRequest(field + ".host must be a host name or an IP address");
        }
        return host;
    }
}
