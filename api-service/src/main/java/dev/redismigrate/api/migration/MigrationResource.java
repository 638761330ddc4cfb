package dev.redismigrate.api.migration;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** Migrations by their own id, whatever their target. */
@Path("/v2/migrations")
@Produces(MediaType.APPLICATION_JSON)
public class MigrationResource {
    private final MigrationService migrations;

    MigrationResource(MigrationService migrations) {
        this.migrations = migrations;
    }

    @GET
    public MigrationView.Many list(@QueryParam("status") String status) {
        return new MigrationView.Many(migrations.list(status).stream().map(MigrationView::of).toList());
    }

    @GET
    @Path("/{id}")
    public MigrationView get(@PathParam("id") String id) {
        return MigrationView.of(migrations.get(id));
    }

    /** Milestones, oldest first. */
    @GET
    @Path("/{id}/events")
    public MigrationView.Events events(@PathParam("id") String id) {
        return MigrationView.events(migrations.history(id));
    }
}
