package dev.redismigrate.system;

import dev.redismigrate.testing.RedisServer;
import java.util.Map;

/**
 * A PostgreSQL cluster of a test's own (infra/postgres.sh with its own cluster name and a free
 * port), which the test may stop and start; the shared one on 5432 is never touched.
 */
final class PrivatePostgres implements AutoCloseable {
    private final Map<String, String> env;
    private final int port;

    PrivatePostgres() {
        port = RedisServer.freePort();
        env = Map.of("PG_CLUSTER", "redis_migrate_faults", "PG_PORT", Integer.toString(port));
        stop(); // one left running by an aborted run would still have its old port
        start();
    }

    String jdbcUrl(String schema) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/redis_migrate?currentSchema=" + schema;
    }

    void start() {
        InfraScript.run("postgres.sh", env, "start");
    }

    void stop() {
        InfraScript.run("postgres.sh", env, "stop");
    }

    @Override
    public void close() {
        stop();
    }
}
