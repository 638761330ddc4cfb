package dev.redismigrate.api.error;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Collection;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into an {@link ErrorBody}. Jackson's own messages are never passed on: they
 * quote the offending input, which may be a password.
 */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return ErrorBody.response(e.status(), e.getMessage(), e.checks());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        // the body reader may wrap Jackson's exception
        if (e.getCause() instanceof JsonProcessingException json) {
            return json(json);
        }
        Response.StatusType status = e.getResponse().getStatusInfo();
        return ErrorBody.response(status.getStatusCode(), status.getReasonPhrase());
    }

    // quarkus-rest-jackson maps this subtype itself (with Jackson's message); the most specific mapper wins
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        // a syntax error inside a nested object comes wrapped in a mapping exception with a path
        JsonParseException syntax = e instanceof JsonParseException p ? p
                : e.getCause() instanceof JsonParseException p ? p : null;
        if (syntax != null) {
            JsonLocation at = syntax.getLocation();
            return ErrorBody.response(400, at == null ? "malformed JSON"
                    : "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr());
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String expected = e instanceof MismatchedInputException m && m.getTargetType() != null
                    ? " (expected " + jsonType(m.getTargetType()) + ")" : "";
            return ErrorBody.response(400, "invalid value for " + field + expected);
        }
        return ErrorBody.response(400, e instanceof MismatchedInputException
                ? "the body must be a JSON object" : "invalid JSON");
    }

    /** The JSON name of what a Java type is read from. */
    private static String jsonType(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return Collection.class.isAssignableFrom(type) || type.isArray() ? "an array" : "an object";
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (DatabaseOutage.causedBy(e)) {
            // nothing was changed: the client may retry as soon as PostgreSQL is back
            LOG.warnf("request refused: the job database is unreachable (%s)", e.getMessage());
            return Response.fromResponse(ErrorBody.response(503, "the job database is unreachable; retry shortly"))
                    .header("Retry-After", "5").build();
        }
        LOG.error("request failed", e);
        return ErrorBody.response(500, "internal error");
    }
}
