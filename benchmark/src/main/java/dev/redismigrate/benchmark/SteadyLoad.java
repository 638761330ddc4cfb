package dev.redismigrate.benchmark;

import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Writes to the source at a steady rate (SET, INCR, LPUSH, HSET on 100,000 keys), one pipelined
 * batch every 10 ms, unlike redis-benchmark, which only writes flat out. Reports the rate it held.
 */
final class SteadyLoad extends Thread {
    private static final int TICK_MILLIS = 10;

    private final RedisLink source;
    private final int perSecond;
    private final long seconds;
    private long written;
    private long tookNanos;

    SteadyLoad(RedisLink source, int perSecond, long seconds) {
        super("steady-load");
        this.source = source;
        this.perSecond = perSecond;
        this.seconds = seconds;
    }

    @Override
    public void run() {
        SplittableRandom random = new SplittableRandom(42);
        int perTick = Math.max(1, perSecond * TICK_MILLIS / 1000);
        long start = System.nanoTime();
        long next = start;
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        try {
            while (System.nanoTime() < end) {
                List<CompletableFuture<Object>> replies = new ArrayList<>(perTick);
                for (int i = 0; i < perTick; i++) {
                    replies.add(source.queue(command(random)));
                }
                source.sendQueued();
                CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).join();
                written += perTick;
                next += TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            tookNanos = System.nanoTime() - start;
            source.close();
        }
    }

    private static byte[][] command(SplittableRandom random) {
        String key = Integer.toString(random.nextInt(100_000));
        return switch (random.nextInt(4)) {
            case 0 -> argv("SET", "load:s:" + key, "v" + random.nextInt());
            case 1 -> argv("INCR", "load:n:" + key);
            case 2 -> argv("LPUSH", "load:l:" + (random.nextInt(1000)), key);
            default -> argv("HSET", "load:h:" + (random.nextInt(1000)), "f" + key, "v" + random.nextInt());
        };
    }

    private static byte[][] argv(String... parts) {
        byte[][] argv = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            argv[i] = parts[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    long written() {
        return written;
    }

    double heldPerSecond() {
        return tookNanos == 0 ? 0 : written / (tookNanos / 1e9);
    }
}
