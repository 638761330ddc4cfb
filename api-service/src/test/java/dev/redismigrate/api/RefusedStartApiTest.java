package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.awaitField;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static dev.redismigrate.api.support.Kafka.event;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.api.support.LogSecretSearch;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Starts that the preflight refuses in PUT itself: a target too small for the source's data, a source
 * host that does not answer at all, a wrong password; and a running migration that goes on meanwhile.
 */
@QuarkusTest
class RefusedStartApiTest {
    private static final String PASSWORD = "refused-start-" + UUID.randomUUID();
    private static final String WRONG = LogSecretSearch.secret("wrong-" + UUID.randomUUID());

    private static RedisServer source;
    private static RedisServer smallTarget;
    private static RedisServer target;

    @BeforeAll
    static void servers() {
        source = RedisServer.start("--requirepass", PASSWORD);
        source.cliPipe("DEBUG POPULATE 100000 key 128\n"); // about 17 MB of data
        smallTarget = RedisServer.start("--maxmemory", "8mb");
        target = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        source.close();
        smallTarget.close();
        target.close();
    }

    private static String path(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    @Test
    void aTargetTooSmallForTheSourcesDataIsRefusedNamingMemory() {
        String targetId = registerTarget(smallTarget);
        api().body(source(source, PASSWORD)).put(path(targetId)).then().statusCode(422)
                .body("id", equalTo("unprocessable_entity"))
                .body("message", startsWith("the preflight failed: "))
                .body("message", containsString("memory: source data "))
                .body("message", containsString("(maxmemory): the target cannot take the source's data"))
                .body("message", not(containsString(PASSWORD)));
        api().get(path(targetId)).then().statusCode(404); // nothing started
    }

    /**
     * A host that does not answer: this machine has no network to lose packets in (every address
     * answers, even non-routable ones), so a loopback port whose listen queue is full stands in: the
     * kernel drops further SYNs there, as a blackholed host does, and a connect times out.
     */
    @Test
    void aSourceHostThatDoesNotAnswerIsRefusedAfterTheConnectTimeout() throws IOException {
        String targetId = registerTarget(target);
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> queued = fillListenQueue(silent.getLocalPort());
            try {
                long start = System.nanoTime();
                api().body(Map.of("source", Map.of("host", "127.0.0.1", "port", silent.getLocalPort()), "disable_ssl", true))
                        .put(path(targetId)).then().statusCode(422)
                        .body("message", startsWith("the source Redis cannot be used: "))
                        .body("message", containsString("cannot connect to 127.0.0.1:" + silent.getLocalPort()));
                long seconds = (System.nanoTime() - start) / 1_000_000_000;
                // a time-out (redis-migrate.redis.connect-timeout, 5 s), not a refusal
                assertTrue(seconds >= 4 && seconds < 30, "answered after " + seconds + " s");
            } finally {
                for (Socket s : queued) {
                    s.close();
                }
            }
        }
        api().get(path(targetId)).then().statusCode(404);
    }

    @Test
    void aRunningMigrationGoesOnWhileBadStartsAreRefused() {
        String targetId = registerTarget(target);
        String id = api().body(source(source, PASSWORD)).put(path(targetId)).then().statusCode(200).extract().path("id");
        UUID uuid = UUID.fromString(id);
        ReplicationOffset offset = new ReplicationOffset("1f3c9e4c43dd6c3b1a8e1f2f6d3e1c9b8a7f6e5d", 1000, 0);
        event(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_STARTED, "snap-1").withCopy(0, 10, 0));
        event(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_COMPLETED, "snap-1").withCopy(10, 10, 1024).withOffset(offset));
        event(MigrationEvent.of(uuid, 1, EventType.STREAM_STARTED, "stream-1"));
        awaitField(id, "status", "syncing");

        String smallId = registerTarget(smallTarget);
        api().body(source(source, PASSWORD)).put(path(smallId)).then().statusCode(422);
        api().body(source(source, WRONG)).put(path(smallId)).then().statusCode(422)
                .body("message", containsString("WRONGPASS")).body("message", not(containsString(WRONG)));
        api().body(source(source, WRONG)).post(path(smallId) + "/check").then().statusCode(200)
                .body("ok", equalTo(false)).body(not(containsString(WRONG)));
        api().body("{\"source\": {\"host\": 1").put(path(smallId)).then().statusCode(400);
        api().body(source(source, PASSWORD)).put(path(targetId)).then().statusCode(409); // the running one's target
        api().get(path(smallId)).then().statusCode(404);

        // the running migration still follows its worker: a new report is applied, its status unchanged
        event(MigrationEvent.of(uuid, 1, EventType.STREAM_PROGRESS, "stream-1")
                .withOffset(new ReplicationOffset(offset.replId(), 2000, 0)).withStream(7, 0L));
        assertEquals("syncing", awaitField(id, "commands_applied", 7).getString("status"));
        assertEquals(2000, api().get("/v2/migrations/" + id).then().statusCode(200).extract().jsonPath().getInt("lag.offset"));
    }

    /** Connects until the kernel stops completing connections to the port (at most a few). */
    private static List<Socket> fillListenQueue(int port) throws IOException {
        List<Socket> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 300);
                queued.add(s);
            } catch (SocketTimeoutException full) {
                s.close();
                return queued;
            }
        }
        queued.forEach(RefusedStartApiTest::closeQuietly);
        return fail("the listen queue of port " + port + " never filled: no port that does not answer");
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }
}
