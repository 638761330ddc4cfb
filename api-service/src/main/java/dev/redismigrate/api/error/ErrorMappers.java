package dev.redismigrate.api.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
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
        return ErrorBody.response(400, JsonErrors.message(e));
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
