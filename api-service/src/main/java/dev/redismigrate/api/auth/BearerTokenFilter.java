package dev.redismigrate.api.auth;

import dev.redismigrate.api.ApiConfig;
import dev.redismigrate.api.error.ErrorBody;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every API route needs a known bearer token. /q/* (health, metrics, OpenAPI) is served outside
 * JAX-RS, so this filter never sees it and it stays open for probes and scrapers.
 */
public class BearerTokenFilter {
    private static final String BEARER = "Bearer ";

    private final List<byte[]> tokens;

    BearerTokenFilter(ApiConfig config) {
        this.tokens = config.api().tokens().stream().map(String::trim).filter(t -> !t.isEmpty())
                .map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }

    // pre-matching: unknown paths answer 401 too, so they do not reveal what exists
    @ServerRequestFilter(preMatching = true)
    public Response authenticate(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return unauthorized("a bearer token is required (Authorization: Bearer <token>)");
        }
        byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        // constant-time comparison: no timing hint about how much of a token matched
        boolean known = false;
        for (byte[] token : tokens) {
            known |= MessageDigest.isEqual(token, given);
        }
        return known ? null : unauthorized("the bearer token is not valid");
    }

    private static Response unauthorized(String message) {
        Response error = ErrorBody.response(401, message);
        return Response.fromResponse(error).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
    }
}
