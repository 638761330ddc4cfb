package dev.redismigrate.api.migration;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import dev.redismigrate.api.completion.CompleteRequest;
import dev.redismigrate.api.completion.CompletionService;

/** DigitalOcean's online-migration routes of a target database. */
@Path("/v2/databases/{id}/online-migration")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class OnlineMigrationResource {
    private final MigrationService migrations;
    private final CompletionService completions;

    OnlineMigrationResource(MigrationService migrations, CompletionService completions) {
        this.migrations = migrations;
        this.completions = completions;
    }

    @PUT
    public MigrationView start(@PathParam("id") String id, StartMigrationRequest request) {
        return MigrationView.of(migrations.start(id, request));
    }

    @GET
    public MigrationView latest(@PathParam("id") String id) {
        return MigrationView.of(migrations.latest(id));
    }

    /** 204 also when the migration has ended already: stopping is idempotent. */
    @DELETE
    @Path("/{migration_id}")
    public void stop(@PathParam("id") String id, @PathParam("migration_id") String migrationId) {
        migrations.cancel(id, migrationId);
    }

    /** Changes what may change while it runs: {@code limits} (applied by the workers within a second). */
    @PATCH
    @Path("/{migration_id}")
    public MigrationView change(@PathParam("id") String id, @PathParam("migration_id") String migrationId,
            ChangeMigrationRequest body) {
        return MigrationView.of(migrations.change(id, migrationId, body));
    }

    /**
     * Completes a syncing migration (an extension of the provider's API): waits for the apply to reach
     * the source (its writes paused, if asked), verifies (if asked), stops the workers: {@code done}.
     * 202 while it runs (GET shows {@code completion.step}), 200 when forced (done at once); 409 when the
     * migration is not syncing or completing already.
     */
    @POST
    @Path("/{migration_id}/complete")
    public Response complete(@PathParam("id") String id, @PathParam("migration_id") String migrationId, CompleteRequest body) {
        Migration m = completions.complete(id, migrationId, body);
        boolean forced = body != null && Boolean.TRUE.equals(body.force());
        return Response.status(forced ? Response.Status.OK : Response.Status.ACCEPTED)
                .entity(MigrationView.of(m)).build();
    }
}
