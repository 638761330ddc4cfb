package dev.redismigrate.api.verify;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Verification of a migration: does the target hold what the source holds? */
@Path("/v2/migrations/{id}/verify")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VerificationResource {
    private final VerificationService verifications;

    VerificationResource(VerificationService verifications) {
        this.verifications = verifications;
    }

    /** 202: the verification runs on a worker; follow it with GET. */
    @POST
    public Response start(@PathParam("id") String id, VerifyStartRequest body) {
        return Response.accepted(VerificationView.of(verifications.start(id, body))).build();
    }

    /** The latest verification of the migration, with its progress and, once done, its result. */
    @GET
    public VerificationView latest(@PathParam("id") String id) {
        return VerificationView.of(verifications.latest(id));
    }
}
