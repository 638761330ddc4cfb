package dev.redismigrate.api.database;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A target as the API shows it: never with its password. */
public record DatabaseView(UUID id, String name, String engine, String version, Connection connection,
        Instant createdAt) {

    public record Connection(String host, int port, String username, boolean ssl) {
    }

    public record One(DatabaseView database) {
    }

    public record Many(List<DatabaseView> databases) {
    }

    public static DatabaseView of(TargetDatabase t) {
        return new DatabaseView(t.id, t.name, t.engine, t.version,
                new Connection(t.host, t.port, t.username, t.tls), t.createdAt);
    }
}
