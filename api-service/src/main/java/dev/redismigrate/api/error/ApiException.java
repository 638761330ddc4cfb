package dev.redismigrate.api.error;

/** A request that cannot be served, with the status and message the client gets. */
public class ApiException extends RuntimeException {
    private final int status;

    private ApiException(int status, String message) {
        // no stack trace: these are answers, not bugs
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    public static ApiException unprocessable(String message) {
        return new ApiException(422, message);
    }
}
