package dev.redismigrate.api.error;

/** A request that cannot be served, with the status and message the client gets. */
public class ApiException extends RuntimeException {
    private final int status;
    /** what the answer lists beside the message (e.g. the failing preflight checks), or null */
    private final Object checks;

    private ApiException(int status, String message, Object checks) {
        // no stack trace: these are answers, not bugs
        super(message, null, false, false);
        this.status = status;
        this.checks = checks;
    }

    private ApiException(int status, String message) {
        this(status, message, null);
    }

    public int status() {
        return status;
    }

    public Object checks() {
        return checks;
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

    /** A 422 whose body also lists the checks that failed. */
    public static ApiException unprocessable(String message, Object checks) {
        return new ApiException(422, message, checks);
    }
}
