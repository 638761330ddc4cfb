package dev.redismigrate.api.database;

import dev.redismigrate.api.Ids;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.migration.Migrations;
import dev.redismigrate.api.redis.EndpointInput;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.UUID;

/** Registers, lists and removes migration targets. */
@ApplicationScoped
public class DatabaseService {
    private final SecretCipher cipher;
    private final RedisProbe probe;

    DatabaseService(SecretCipher cipher, RedisProbe probe) {
        this.cipher = cipher;
        this.probe = probe;
    }

    public TargetDatabase register(RegisterDatabaseRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a JSON body is required");
        }
        if (request.name() == null || request.name().isBlank()) {
            throw ApiException.badRequest("name is required");
        }
        if (request.engine() != null && !request.engine().equals("redis") && !request.engine().equals("valkey")) {
            throw ApiException.badRequest("engine must be \"redis\" or \"valkey\"");
        }
        RegisterDatabaseRequest.Connection c = request.connection();
        if (c == null) {
            throw ApiException.badRequest("connection is required");
        }
        RedisEndpoint endpoint = EndpointInput.of("connection", c.host(), c.port(), c.username(), c.password(),
                Boolean.TRUE.equals(c.ssl()), cipher);
        // outside any transaction: a slow server must not hold a database connection
        RedisProbe.Facts facts = probe.probe("target", endpoint);
        if (facts.cluster() && !facts.wholeCluster()) {
            // keys of uncovered slots or unreachable masters could not be written (see ServerChecks.cluster, which a PUT runs again)
            throw ApiException.unprocessable("connection: " + endpoint.address() + " is a cluster node "
                    + "(cluster_enabled:1) of a cluster that cannot take every key: a cluster target needs all 16384 slots "
                    + "served and every node reachable (its cluster: " + facts.clusterSurvey().describe() + ")");
        }
        // what the server is, whatever the request said: Valkey answers as engine "valkey" with its own version
        TargetDatabase target = TargetDatabase.of(request.name().trim(), endpoint, facts.release().family().engine(),
                facts.release().version().toString(), Ids.now());
        QuarkusTransaction.requiringNew().run(target::persist);
        return target;
    }

    public List<TargetDatabase> list() {
        return TargetDatabase.list("order by createdAt");
    }

    public TargetDatabase get(String id) {
        return find(Ids.parse("database", id));
    }

    public static TargetDatabase find(UUID id) {
        TargetDatabase target = TargetDatabase.findById(id);
        if (target == null) {
            throw ApiException.notFound("database " + id + " not found");
        }
        return target;
    }

    /** Its past migrations go with it; the Redis server itself is not touched. */
    @Transactional
    public void delete(String id) {
        UUID uuid = Ids.parse("database", id);
        // the lock orders this against a concurrent PUT of a migration
        TargetDatabase target = TargetDatabase.findById(uuid, LockModeType.PESSIMISTIC_WRITE);
        if (target == null) {
            throw ApiException.notFound("database " + id + " not found");
        }
        if (Migrations.activeOf(uuid) != null) {
            throw ApiException.conflict("database " + id + " has an active online migration; stop it first");
        }
        target.delete();
    }
}
