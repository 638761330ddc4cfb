package dev.redismigrate.api.database;

import dev.redismigrate.common.redis.RedisEndpoint;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A Redis server registered as a migration target. */
@Entity
@Table(name = "target_database")
public class TargetDatabase extends PanacheEntityBase {
    @Id
    public UUID id;
    public String name;
    /** "redis" or "valkey", as the server said when it was registered */
    public String engine;
    /** the family's own version (Valkey's, not its redis_version), as read when it was registered */
    public String version;
    public String host;
    public int port;
    public String username;
    public String sealedPassword;
    public boolean tls;
    public Instant createdAt;

    /** @param engine "redis" or "valkey", as the server said */
    public static TargetDatabase of(String name, RedisEndpoint endpoint, String engine, String version, Instant now) {
        TargetDatabase t = new TargetDatabase();
        t.id = UUID.randomUUID();
        t.name = name;
        t.engine = engine;
        t.version = version;
        t.host = endpoint.host();
        t.port = endpoint.port();
        t.username = endpoint.username();
        t.sealedPassword = endpoint.sealedPassword();
        t.tls = endpoint.tls();
        t.createdAt = now;
        return t;
    }

    public RedisEndpoint endpoint() {
        return new RedisEndpoint(host, port, username, sealedPassword, tls);
    }
}
