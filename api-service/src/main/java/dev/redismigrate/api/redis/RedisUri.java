package dev.redismigrate.api.redis;

import dev.redismigrate.api.error.ApiException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A connection string as providers print them: {@code redis://[[user]:password@]host[:port][/db]},
 * or {@code rediss://} for TLS; an IPv6 host in brackets ({@code redis://[::1]:6379}). Without a colon
 * the user info is a password, as redis-cli reads it.
 * The db number is ignored: a migration copies every db. Error messages never quote the string:
 * it may hold a password.
 */
public record RedisUri(String host, int port, String username, String password, boolean tls) {
    private static final int DEFAULT_PORT = 6379;

    /** @param field the JSON field the string came from, for error messages */
    public static RedisUri parse(String field, String text) {
        requireEncodedUserInfo(field, text.trim());
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw ApiException.badRequest(field + " is not a valid connection string (characters that are not allowed"
                    + " in a URI, e.g. in the password, must be percent-encoded)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw ApiException.badRequest(field + " must start with redis:// or rediss://");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw ApiException.badRequest(field + " has no host");
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.matches("/\\d*") || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw ApiException.badRequest(field + " may end with a db number (/0) and nothing else (no ?query, no #fragment)");
        }
        String username = null;
        String password = null;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            try {
                if (colon >= 0) {
                    username = decode(userInfo.substring(0, colon));
                    password = decode(userInfo.substring(colon + 1));
                } else {
                    password = decode(userInfo);
                }
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(field + ": a '%' in the user name or password must start an escape"
                        + " such as %25 (a literal %)");
            }
        }
        return new RedisUri(uri.getHost(), uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort(),
                username == null || username.isEmpty() ? null : username, password, scheme.equals("rediss"));
    }

    /**
     * The user info runs up to the last '@'. An unencoded '/', '?', '#' or '@' in a password ends
     * the authority early for a URI parser, and what follows (part of the password) would be taken
     * for the host: looked up in DNS and named in errors. Refused first, quoting nothing.
     */
    private static void requireEncodedUserInfo(String field, String text) {
        int start = text.indexOf("://");
        int at = text.lastIndexOf('@');
        if (start < 0 || at < start) {
            return;
        }
        String userInfo = text.substring(start + 3, at);
        if (userInfo.chars().anyMatch(c -> c == '/' || c == '?' || c == '#' || c == '@')) {
            throw ApiException.badRequest(field + ": a user name or password with '/', '?', '#' or '@' must be"
                    + " percent-encoded (%2F, %3F, %23, %40)");
        }
    }

    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        // records print every component; this one must not print the password
        return "RedisUri[" + username + "@" + host + ":" + port + (tls ? " tls" : "") + "]";
    }
}
