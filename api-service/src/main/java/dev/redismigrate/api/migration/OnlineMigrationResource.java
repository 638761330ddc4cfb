package dev.redismigrate.api.migration;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** DigitalOcean's online-migration routes of a target database. */
@Path("/v2/databases/{id}/online-migration")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class OnlineMigrationResource {
    private final MigrationService migrations;

    OnlineMigrationResource(MigrationService migrations) {
        this.migrations = migrations;
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
}
