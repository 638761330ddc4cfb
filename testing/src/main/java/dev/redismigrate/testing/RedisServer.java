package dev.redismigrate.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Debian redis-server process on a free loopback port, for tests. Started in the
 * foreground of a child process so that the test JVM owns it; stopped by {@link #close()}.
 */
public final class RedisServer implements AutoCloseable {
    private final Family family;
    private final int port;
    private final Path dir;
    private final List<String> command;
    private Process process;
    private final String password;

    /**
     * Every --requirepass given in this JVM, and every secret named with {@link #rememberSecret}: what the
     * tests' secret searches look for. Kept in a system property (one line each) because Quarkus loads
     * test classes apart from JUnit's extensions, each with its own copy of this class.
     */
    private static final String PASSWORDS = "redis-migrate.testing.passwords";

    private RedisServer(Family family, int port, Path dir, List<String> command, Process process, String password) {
        this.family = family;
        this.port = port;
        this.dir = dir;
        this.command = command;
        this.process = process;
        this.password = password;
    }

    /** The server programs the tests run: Debian's Redis 7.0 and Valkey 8 (bookworm-backports). */
    public enum Family {
        REDIS("redis-server", "redis-cli"), VALKEY("valkey-server", "valkey-cli");

        final String server;
        final String cli;

        Family(String server, String cli) {
            this.server = server;
            this.cli = cli;
        }
    }

    /** Starts a Redis server; {@code extraArgs} are passed on (e.g. "--requirepass", "secret"). */
    public static RedisServer start(String... extraArgs) {
        return start(Family.REDIS, extraArgs);
    }

    /** Starts a Valkey server (the same options as Redis's). */
    public static RedisServer startValkey(String... extraArgs) {
        return start(Family.VALKEY, extraArgs);
    }

    /** Starts a server of that family; {@code extraArgs} are passed on. */
    public static RedisServer start(Family family, String... extraArgs) {
        // a port found free may be taken before the server binds it (another process's outgoing
        // connection, or a second port of the same server): another port then
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(family, extraArgs);
            } catch (IllegalStateException e) {
                if (attempt == 3 || !couldNotBind(e) || List.of(extraArgs).contains("--cluster-port")) {
                    throw e; // a cluster node's bus port is its caller's to change (RedisCluster)
                }
            }
        }
    }

    /** Whether {@code e} says a server exited because a port of its was in use. */
    static boolean couldNotBind(IllegalStateException e) {
        return e.getMessage() != null && e.getMessage().contains("Address already in use");
    }

    private static RedisServer startOnce(Family family, String... extraArgs) {
        try {
            int port = freePort();
            Path dir = Files.createTempDirectory(family.name().toLowerCase(java.util.Locale.ROOT) + "-" + port + "-");
            List<String> cmd = new ArrayList<>(List.of(family.server,
                    "--bind", "127.0.0.1", "--port", Integer.toString(port), "--dir", dir.toString(),
                    "--save", "", "--appendonly", "no", "--enable-debug-command", "yes",
                    "--repl-diskless-sync-delay", "0", "--logfile", dir.resolve("redis.log").toString()));
            cmd.addAll(List.of(extraArgs));
            Process process = launch(cmd, dir);
            List<String> extra = List.of(extraArgs);
            int pass = extra.indexOf("--requirepass");
            RedisServer server = new RedisServer(family, port, dir, List.copyOf(cmd), process, pass >= 0 ? extra.get(pass + 1) : null);
            if (server.password != null) {
                rememberSecret(server.password);
            }
            server.awaitReady();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + family.server + " (is its package installed? infra/install.sh)", e);
        }
    }

    public Family family() {
        return family;
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** The passwords of every server started in this JVM so far (--requirepass) and the secrets remembered. */
    public static java.util.Set<String> passwordsGiven() {
        String all = System.getProperty(PASSWORDS, "");
        return java.util.Arrays.stream(all.split("\n")).filter(p -> !p.isEmpty())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** SHA-256 in hex, as redis-replicator "masks" a password: the secret searches look for it too. */
    public static String sha256(String secret) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A secret the tests use that no server was started with (a wrong password sent on purpose). */
    public static void rememberSecret(String secret) {
        if (secret.contains("\n")) {
            throw new IllegalArgumentException("a secret of one line, please");
        }
        synchronized (System.getProperties()) {
            if (!passwordsGiven().contains(secret)) {
                String all = System.getProperty(PASSWORDS, "");
                System.setProperty(PASSWORDS, all.isEmpty() ? secret : all + "\n" + secret);
            }
        }
    }

    /** The password given with --requirepass, or null. */
    public String password() {
        return password;
    }

    /** Runs redis-cli with these arguments (logged in, if the server has a password) and returns its output. */
    public String cli(String... args) {
        List<String> cmd = cliCommand();
        cmd.addAll(List.of(args));
        return run(cmd, null);
    }

    /** Feeds text (one command per line) to redis-cli, e.g. a generated data set. */
    public String cliPipe(String commands) {
        return run(cliCommand(), commands);
    }

    private List<String> cliCommand() {
        List<String> cmd = new ArrayList<>(List.of(family.cli, "-p", Integer.toString(port)));
        if (password != null) {
            cmd.addAll(List.of("-a", password, "--no-auth-warning"));
        }
        return cmd;
    }

    /** DEBUG DIGEST: a hash of the whole dataset (all dbs, values and whether keys expire). */
    public String digest() {
        return cli("DEBUG", "DIGEST").trim();
    }

    private static String run(List<String> cmd, String stdin) {
        try {
            Path out = Files.createTempFile("redis-cli", ".out");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
            Path in = null;
            if (stdin != null) {
                // a file rather than a pipe: no deadlock whatever the sizes
                in = Files.createTempFile("redis-cli", ".in");
                Files.writeString(in, stdin, StandardCharsets.UTF_8);
                pb.redirectInput(in.toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("redis-cli timed out: " + cmd);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            if (in != null) {
                Files.deleteIfExists(in);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-cli", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited; see " + dir + exitReason());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                String reply = cli("PING").trim();
                if (reply.equals("PONG") || reply.contains("NOAUTH")) { // NOAUTH: up, with a password
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            sleep(50);
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer within 15 s");
    }

    /** The server's log as it is now ("" when it cannot be read). */
    public String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "";
        }
    }

    /** The last two lines of the server's log (why it exited: "bind: Address already in use / ... aborting"), or "". */
    private String exitReason() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("redis.log"));
            return lines.isEmpty() ? "" : ": " + String.join(" / ", lines.subList(Math.max(0, lines.size() - 2), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private static Process launch(List<String> cmd, Path dir) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile())).start();
    }

    /**
     * Kills the server hard and starts it again on the same port, empty (the tests' servers persist
     * nothing): what a restart without persistence does to a target. Every connection is cut.
     */
    public void restartEmpty() {
        relaunch(null);
    }

    /**
     * Kills the server hard and starts it again from the RDB its last {@code SAVE} wrote: a restart with
     * persistence that lost the writes made since. Every connection is cut.
     */
    public void restartFromLastSave() {
        relaunch(null);
    }

    /**
     * Kills the server hard and starts it again on the same port holding what {@code replica} holds now
     * (its RDB, saved for this): a failover to a replica that lacked the last writes, at the same address
     * (a managed service's endpoint, a Sentinel-aware proxy). Every connection is cut.
     */
    public void restartWithDataOf(RedisServer replica) {
        relaunch(replica);
    }

    /** Kills the process and launches it again (its dir's dump.rdb loaded, {@code from}'s copied there first). */
    private void relaunch(RedisServer from) {
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (from != null) {
                from.cli("SAVE");
                Files.copy(from.dir.resolve("dump.rdb"), dir.resolve("dump.rdb"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            process = launch(command, dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + family.server + " again on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting port " + port, e);
        }
        awaitReady();
    }

    /**
     * Stops the server's process (SIGSTOP, or SIGCONT with {@code frozen} false): its connections stay
     * open and silent, as a hung node's or a black-holed network's.
     */
    public void freeze(boolean frozen) {
        try {
            new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the server hard (for fault tests) without waiting. */
    public void kill() {
        process.destroyForcibly();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
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
