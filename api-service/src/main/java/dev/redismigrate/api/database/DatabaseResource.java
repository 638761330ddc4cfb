package dev.redismigrate.api.database;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/v2/databases")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class DatabaseResource {
    private final DatabaseService databases;

    DatabaseResource(DatabaseService databases) {
        this.databases = databases;
    }

    @POST
    @ResponseStatus(201)
    public DatabaseView.One register(RegisterDatabaseRequest request) {
        return new DatabaseView.One(DatabaseView.of(databases.register(request)));
    }

    @GET
    public DatabaseView.Many list() {
        return new DatabaseView.Many(databases.list().stream().map(DatabaseView::of).toList());
    }

    @GET
    @Path("/{id}")
    public DatabaseView.One get(@PathParam("id") String id) {
        return new DatabaseView.One(DatabaseView.of(databases.get(id)));
    }

    @DELETE
    @Path("/{id}")
    public void delete(@PathParam("id") String id) {
        databases.delete(id);
    }
}
