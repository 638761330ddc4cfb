package dev.redismigrate.api.preflight;

import dev.redismigrate.api.migration.StartMigrationRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Checks a PUT of an online migration without starting anything: the same body, and a report of
 * every check instead of the first refusal. Malformed input is still a 400, an unknown target a 404.
 */
@Path("/v2/databases/{id}/online-migration/check")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PreflightResource {
    private final Preflight preflight;

    PreflightResource(Preflight preflight) {
        this.preflight = preflight;
    }

    @POST
    public PreflightReport check(@PathParam("id") String id, StartMigrationRequest request) {
        return preflight.check(id, request);
    }
}
