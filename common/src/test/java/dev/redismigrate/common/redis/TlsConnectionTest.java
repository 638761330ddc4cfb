package dev.redismigrate.common.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.PreCommandSyncEvent;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyValuePair;
import dev.redismigrate.common.replication.SourceReplicas;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** TLS to a real redis-server whose certificate comes from a private CA given by file. */
class TlsConnectionTest {
    static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void commandsAndReplicationGoOverTlsTrustingTheConfiguredCa() throws Exception {
        TestCertificates certs = TestCertificates.create();
        int tlsPort = RedisServer.freePort();
        try (RedisServer server = RedisServer.start(certs.redisArgs(tlsPort));
             RedisConnector connector = new RedisConnector(CIPHER, TlsTrust.of(certs.ca()), Duration.ofSeconds(5), Duration.ofSeconds(10), 1)) {
            server.cli("SET", "over", "tls");
            RedisEndpoint endpoint = new RedisEndpoint("127.0.0.1", tlsPort, null, null, true);
            try (RedisLink link = connector.open(endpoint, "tls-test")) {
                assertNotNull(link.version());
                assertEquals("tls", link.call("GET", "over"));
            }

            List<String> keys = new CopyOnWriteArrayList<>();
            Replicator replica = SourceReplicas.replicaOf(endpoint, connector, List.of(), null, 5_000);
            replica.addEventListener((r, event) -> {
                if (event instanceof KeyValuePair<?, ?> kv) {
                    keys.add(new String((byte[]) kv.getKey(), StandardCharsets.UTF_8));
                } else if (event instanceof PreCommandSyncEvent) {
                    try {
                        r.close();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            replica.open();
            assertEquals(List.of("over"), keys);

            // the scan method's key-event subscription, over TLS too
            server.cli("CONFIG", "SET", "notify-keyspace-events", "EA");
            List<String> changed = new CopyOnWriteArrayList<>();
            try (KeyEventSubscription subscription = connector.subscribe(endpoint, "tls-test")) {
                subscription.start(new KeyEventSubscription.Listener() {
                    public void changed(int db, byte[] key) {
                        changed.add(db + ":" + new String(key, StandardCharsets.UTF_8));
                    }

                    public void lost(String reason) {
                        changed.add("lost");
                    }
                });
                server.cli("-n", "3", "SET", "noticed", "1");
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (changed.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(List.of("3:noticed"), changed);
            }
        }
    }

    @Test
    void aServerSignedByAnUnknownCaIsRefusedWithAReason() {
        TestCertificates certs = TestCertificates.create();
        int tlsPort = RedisServer.freePort();
        try (RedisServer server = RedisServer.start(certs.redisArgs(tlsPort));
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(3), Duration.ofSeconds(5), 1)) {
            RedisAccessException e = assertThrows(RedisAccessException.class,
                    () -> connector.open(new RedisEndpoint("127.0.0.1", tlsPort, null, null, true), "tls-test"));
            assertTrue(e.getMessage().contains("127.0.0.1:" + tlsPort), e.getMessage());
            // the reason is the certificate, not a time-out or a refused port
            assertTrue(e.getMessage().contains("the server's certificate is not signed by a trusted CA"), e.getMessage());
            assertFalse(e.getMessage().contains("no answer in time"), e.getMessage());
        }
    }
}
