package dev.redismigrate.api.migration;

import dev.redismigrate.api.error.ApiException;
import jakarta.ws.rs.DefaultValue;
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

    /** Newest first; {@code page} from 1, {@code per_page} up to 200 (default 50); meta.total counts all. */
    @GET
    public MigrationView.Many list(@QueryParam("status") String status, @QueryParam("page") @DefaultValue("1") String page,
            @QueryParam("per_page") @DefaultValue("50") String perPage) {
        MigrationService.Page found = migrations.list(status, number("page", page), number("per_page", perPage));
        return new MigrationView.Many(found.items().stream().map(MigrationView::of).toList(),
                new MigrationView.Meta(found.total()));
    }

    /** Read here rather than by JAX-RS, which answers a non-number with 404. */
    private static int number(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a whole number");
        }
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
