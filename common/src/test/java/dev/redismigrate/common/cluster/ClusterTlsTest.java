package dev.redismigrate.common.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.TlsTrust;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.TestCertificates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A cluster spoken to over TLS only: every node is found at its TLS port, reached, and written to. */
class ClusterTlsTest {

    @Test
    void discoveryAndWritesGoOverTlsToEveryNodesTlsPort() throws Exception {
        TestCertificates certs = TestCertificates.create();
        List<Integer> tlsPorts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tlsPorts.add(RedisServer.freePort());
        }
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0, i -> {
                    List<String> args = new ArrayList<>(List.of(certs.redisArgs(tlsPorts.get(i))));
                    // the cluster announces TLS ports (and speaks TLS on its bus) only with tls-cluster
                    args.addAll(List.of("--tls-cluster", "yes", "--tls-replication", "yes"));
                    return args.toArray(String[]::new);
                });
             RedisConnector connector = new RedisConnector(ClusterTopologyTest.CIPHER, TlsTrust.of(certs.ca()),
                     Duration.ofSeconds(2), Duration.ofSeconds(5), 1)) {
            RedisEndpoint seed = new RedisEndpoint("127.0.0.1", tlsPorts.get(0), null, null, true);
            ClusterSurvey survey = ClusterSurvey.of(connector, seed, Map.of(), "tls-test");
            assertTrue(survey.complete(), survey.describe());
            assertEquals(Set.copyOf(tlsPorts), survey.topology().masters().stream().map(ClusterNode::port)
                    .collect(Collectors.toSet()));

            try (ClusterWriter writer = new ClusterWriter(connector, new NodeAddresses(seed, Map.of()), 1 << 16,
                    Duration.ofSeconds(10), "tls-test")) {
                for (int i = 0; i < 300; i++) {
                    writer.write(ClusterWriterTest.argv("SET", "t:" + i, "v"));
                }
                writer.flush();
            }
            long total = cluster.nodes().stream().mapToLong(n -> Long.parseLong(n.cli("DBSIZE").trim())).sum();
            assertEquals(300, total);
        }
    }
}
