package dev.redismigrate.api.support;

import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.testing.RedisServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * No password in api-service's log during the API tests: after every test class (registered for all
 * of them through META-INF/services; Quarkus turns on JUnit's extension auto-detection), the part of
 * target/api-tests.log written by this run is searched for every password given to a Redis server in
 * this JVM ({@code --requirepass}) and every one named with {@link #secret} (wrong ones sent on purpose).
 */
public final class LogSecretSearch implements BeforeAllCallback, AfterAllCallback {
    /** The %test profile writes the service's log here (application.properties). */
    public static final Path LOG = Path.of("target/api-tests.log");
    /** Shorter strings would be found in ordinary words. */
    private static final int SHORTEST = 6;

    /** Where this run starts in the file (earlier runs' lines stay above it); -1 before the first class. */
    private static long from = -1;

    /** A password the tests send that no server was started with. */
    public static String secret(String password) {
        RedisServer.rememberSecret(password); // a test's class loader is not this extension's: see RedisServer
        return password;
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) throws IOException {
        if (from < 0) {
            from = Files.exists(LOG) ? Files.size(LOG) : 0;
        }
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) throws IOException {
        String text = thisRun();
        Set<String> secrets = new HashSet<>(RedisServer.passwordsGiven());
        secrets.removeIf(s -> s.length() < SHORTEST);
        Set<String> hashes = new HashSet<>();
        secrets.forEach(s -> hashes.add(RedisServer.sha256(s)));
        secrets.addAll(hashes); // a fast hash of a password is as good as the password to a dictionary
        List<String> findings = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            for (String s : secrets) {
                if (lines[i].contains(s)) {
                    findings.add("a password in " + LOG + " (this run's line " + (i + 1) + ")");
                }
            }
        }
        if (!findings.isEmpty()) {
            fail(findings.size() + " finding(s) after " + context.getDisplayName() + ":\n"
                    + String.join("\n", findings.subList(0, Math.min(50, findings.size()))));
        }
    }

    /** What this run wrote to the log so far (all of it if the file was replaced meanwhile). */
    public static String thisRun() throws IOException {
        if (!Files.exists(LOG)) {
            return "";
        }
        try (RandomAccessFile file = new RandomAccessFile(LOG.toFile(), "r")) {
            long start = file.length() >= from ? from : 0;
            byte[] bytes = new byte[(int) (file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
