package dev.redismigrate.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The copier's memory is bounded by its configuration, not by the data: it runs in a JVM of its
 * own with a 128 MB heap and copies about 1 GB, among it a 200 MB string and a hash of 2 million
 * fields.
 */
class BoundedMemoryTest {
    private static final String HEAP = "-Xmx128m";

    @Test
    void copiesFarMoreThanItsHeapHoldsIncludingHugeValues() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cli("DEBUG", "POPULATE", "350000", "key", "2000");
            source.cli("EVAL", String.join("\n",
                    "math.randomseed(11)",
                    "local block = {} for i = 1, 65536 do block[i] = string.char(math.random(0, 255)) end",
                    "block = table.concat(block)",
                    "for i = 1, 3200 do redis.call('APPEND', 'huge:string', block) end",
                    "for i = 1, 2000000 do redis.call('HSET', 'huge:hash', 'field:' .. i, i) end",
                    "redis.call('PEXPIRE', 'huge:hash', 3600000)"), "0");
            assertEquals("209715200", source.cli("STRLEN", "huge:string").trim());
            long dataBytes = source.cli("INFO", "memory").lines().filter(l -> l.startsWith("used_memory_dataset:"))
                    .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElse(0);
            assertTrue(dataBytes > 900L << 20, "data: " + dataBytes);

            Path log = Files.createTempFile("forked-snapshot", ".log");
            Process copy = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    HEAP, "-XX:+ExitOnOutOfMemoryError", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", System.getProperty("java.class.path"),
                    ForkedSnapshotCopy.class.getName(), source.host(), Integer.toString(source.port()),
                    Integer.toString(target.port()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = copy.waitFor(5, TimeUnit.MINUTES);
            if (!ended) {
                copy.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.delete(log);
            assertTrue(ended, "the copy did not end: " + tail(output));
            assertEquals(0, copy.exitValue(), () -> "the copy failed: " + tail(output));
            assertTrue(output.contains("last event: SNAPSHOT_COMPLETED keys 350002"), () -> tail(output));
            assertEquals(source.cli("DEBUG", "DIGEST"), target.cli("DEBUG", "DIGEST"));
            assertEquals("2000000", target.cli("HLEN", "huge:hash").trim());
            assertTrue(Long.parseLong(target.cli("PTTL", "huge:hash").trim()) > 3_500_000);
        }
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
