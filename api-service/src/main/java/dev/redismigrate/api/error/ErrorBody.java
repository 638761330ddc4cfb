package dev.redismigrate.api.error;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The body of every error answer, as DigitalOcean's API shapes it; a refused start also lists the
 * preflight checks that failed ({@code checks}, absent otherwise).
 */
public record ErrorBody(String id, String message, Object checks) {

    public static Response response(int status, String message) {
        return response(status, message, null);
    }

    public static Response response(int status, String message, Object checks) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(idOf(status), message, checks)).build();
    }

    static String idOf(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 409 -> "conflict";
            case 413 -> "request_entity_too_large";
            case 415 -> "unsupported_media_type";
            case 422 -> "unprocessable_entity";
            case 503 -> "service_unavailable";
            default -> status >= 500 ? "server_error" : "error";
        };
    }
}
