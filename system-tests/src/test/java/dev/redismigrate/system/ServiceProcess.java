package dev.redismigrate.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** One packaged service (target/quarkus-app) run as its own JVM, as in production. */
final class ServiceProcess implements AutoCloseable {
    /** services started by this test JVM so far (their logs are numbered in that order) */
    private static final AtomicInteger STARTED = new AtomicInteger();
    static final Path ROOT = Path.of(System.getProperty("redis-migrate.root", "..")).toAbsolutePath().normalize();

    private final String module;
    private final int port;
    private final Process process;
    private final Path log;

    private ServiceProcess(String module, int port, Process process, Path log) {
        this.module = module;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code module}'s quarkus-run.jar with these system properties and waits until it is ready. */
    static ServiceProcess start(String module, int port, Map<String, String> properties) {
        ServiceProcess service = launch(module, port, properties);
        service.awaitReady();
        return service;
    }

    /**
     * Starts the service without waiting for it to be ready ({@link #awaitReady}): a test class's
     * services start side by side, their JVM start-ups overlapping.
     */
    static ServiceProcess launch(String module, int port, Map<String, String> properties) {
        Path jar = ROOT.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the reactor first (mvn verify runs the modules in order)");
        }
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xms64m", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-Dquarkus.http.port=" + port));
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        try {
            Path logs = ROOT.resolve("system-tests/target/service-logs");
            Files.createDirectories(logs);
            // numbered in start order: a later class's service on a reused port must not overwrite an earlier log
            Path log = logs.resolve(String.format("%03d-%s-%d.log", STARTED.incrementAndGet(), module, port));
            Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new ServiceProcess(module, port, process, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + module, e);
        }
    }

    int port() {
        return port;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    Path log() {
        return log;
    }

    /** Waits until the service answers ready (90 s at most), or throws. */
    void awaitReady() {
        awaitReady(Duration.ofSeconds(90));
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(module + " exited at start; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(250);
        }
        throw new IllegalStateException(module + " not ready within " + timeout.toSeconds() + " s; see " + log);
    }

    /** The process id, as workers name themselves in events ("pid@host"). */
    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** kill -9, for crash tests. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        awaitStopped();
    }

    /** Asks the service to stop (SIGTERM), without waiting: a class's services stop side by side. */
    void stop() {
        process.destroy();
    }

    /** Waits for the stop {@link #stop} asked for; kill -9 after 15 s. */
    void awaitStopped() {
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
