package dev.redismigrate.system;

import dev.redismigrate.testing.RedisServer;
import java.util.Map;

/** A Kafka broker of a test's own (infra/kafka.sh on free ports), which the test may stop and start. */
final class PrivateKafka implements AutoCloseable {
    private final Map<String, String> env;
    private final int port;

    PrivateKafka() {
        port = RedisServer.freePort();
        env = Map.of("KAFKA_PORT", Integer.toString(port), "KAFKA_CONTROLLER_PORT", Integer.toString(RedisServer.freePort()),
                "KAFKA_RUN_DIR", ServiceProcess.ROOT.resolve("system-tests/target/kafka-" + port).toString(),
                "KAFKA_HEAP_OPTS", "-Xms128m -Xmx384m");
        start();
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    void start() {
        InfraScript.run("kafka.sh", env, "start");
    }

    void stop() {
        InfraScript.run("kafka.sh", env, "stop");
    }

    @Override
    public void close() {
        stop();
    }
}
