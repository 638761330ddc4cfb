package dev.redismigrate.benchmark;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Measures how far behind the source its followers are, in milliseconds, under a steady write
 * load of RATE writes/s ({@link SteadyLoad}; 0 for none): a canary ({@code SET bench:canary "<seq>"}) goes to the source every 10 ms, and each follower is
 * polled every millisecond; when a follower shows canary n, every canary up to n has arrived
 * (followers apply in source order), each with the lag now minus the time it was written.
 *
 * <pre>java -cp 'benchmark/target/benchmark.jar:benchmark/target/lib/*' dev.redismigrate.benchmark.StreamLagProbe \
 *     SOURCE_PORT SECONDS RATE NAME=PORT [NAME=PORT ...]</pre>
 * Prints the load held, then one line per follower: canaries seen, p50, p99 and max lag in ms, and
 * how long after the load's end the follower had everything.
 */
public final class StreamLagProbe {
    private static final String KEY = "bench:canary";
    private static final int EVERY_MILLIS = 10;

    private StreamLagProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: StreamLagProbe SOURCE_PORT SECONDS RATE NAME=PORT [NAME=PORT ...]");
            System.exit(2);
        }
        int sourcePort = Integer.parseInt(args[0]);
        int seconds = Integer.parseInt(args[1]);
        int rate = Integer.parseInt(args[2]);
        int canaries = seconds * 1000 / EVERY_MILLIS;
        long[] writtenAt = new long[canaries + 1];
        // no password travels here: the cipher only satisfies the connector's contract
        SecretCipher cipher = new SecretCipher(Base64.getEncoder().encodeToString(new byte[32]));
        try (RedisConnector connector = new RedisConnector(cipher, Duration.ofSeconds(5), Duration.ofSeconds(30), 2)) {
            List<Follower> followers = new ArrayList<>();
            for (int i = 3; i < args.length; i++) {
                String[] nameAndPort = args[i].split("=", 2);
                followers.add(new Follower(nameAndPort[0], connector.open(local(Integer.parseInt(nameAndPort[1])), "lag-probe"),
                        writtenAt, canaries));
            }
            followers.forEach(Follower::start);
            SteadyLoad load = null;
            if (rate > 0) {
                load = new SteadyLoad(connector.open(local(sourcePort), "steady-load"), rate, seconds);
                load.start();
            }
            long loadEnd;
            try (RedisLink source = connector.open(local(sourcePort), "lag-probe")) {
                long next = System.nanoTime();
                for (int seq = 1; seq <= canaries; seq++) {
                    writtenAt[seq] = System.nanoTime();
                    source.call("SET", KEY, Integer.toString(seq));
                    next += TimeUnit.MILLISECONDS.toNanos(EVERY_MILLIS);
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                loadEnd = System.nanoTime();
            }
            if (load != null) {
                load.join();
                System.out.printf("load: %d writes in %d s, %.0f writes/s held%n", load.written(), seconds, load.heldPerSecond());
            }
            for (Follower f : followers) {
                f.join(TimeUnit.SECONDS.toMillis(120));
                System.out.println(f.summary(loadEnd));
            }
        }
        // a Redisson client's own executor (non-daemon threads) may outlive a shutdown that raced the
        // event loop's: the probe once hung after its figures were printed, holding the benchmark up
        System.out.flush();
        System.exit(0);
    }

    private static RedisEndpoint local(int port) {
        return new RedisEndpoint("127.0.0.1", port, null, null, false);
    }

    /** Polls one follower for the canary until the last one has arrived. */
    private static final class Follower extends Thread {
        private final String name;
        private final RedisLink link;
        private final long[] writtenAt;
        private final int last;
        private final long[] lagNanos;
        private int seen;
        private long lastSeenAt;

        Follower(String name, RedisLink link, long[] writtenAt, int last) {
            super("lag-probe-" + name);
            this.name = name;
            this.link = link;
            this.writtenAt = writtenAt;
            this.last = last;
            this.lagNanos = new long[last];
        }

        @Override
        public void run() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120) + (long) last * EVERY_MILLIS * 1_000_000L;
            try {
                while (seen < last && System.nanoTime() < deadline) {
                    Object value = link.call("GET", KEY);
                    long now = System.nanoTime();
                    int seq = value == null ? 0 : Math.min(last, Integer.parseInt(value.toString()));
                    for (int s = seen + 1; s <= seq; s++) {
                        lagNanos[s - 1] = now - writtenAt[s];
                    }
                    if (seq > seen) {
                        seen = seq;
                        lastSeenAt = now;
                    }
                    TimeUnit.MILLISECONDS.sleep(1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                link.close();
            }
        }

        String summary(long loadEnd) {
            if (seen == 0) {
                return name + ": no canary arrived";
            }
            long[] lags = Arrays.copyOf(lagNanos, seen);
            Arrays.sort(lags);
            return String.format("%s: canaries=%d/%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f caught_up_after_s=%.2f", name, seen,
                    last, ms(lags[(int) (seen * 0.50)]), ms(lags[Math.min(seen - 1, (int) (seen * 0.99))]), ms(lags[seen - 1]),
                    Math.max(0, lastSeenAt - loadEnd) / 1e9);
        }

        private static double ms(long nanos) {
            return nanos / 1e6;
        }
    }
}
