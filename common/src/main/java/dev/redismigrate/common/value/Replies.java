package dev.redismigrate.common.value;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Commands and replies as the value code writes and reads them: arguments as bytes, replies as bytes or text. */
public final class Replies {
    private Replies() {
    }

    /** A command: its name, then each argument as given (byte[]) or as its UTF-8 text. */
    public static byte[][] argv(String command, Object... args) {
        byte[][] argv = new byte[args.length + 1][];
        argv[0] = command.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < args.length; i++) {
            argv[i + 1] = args[i] instanceof byte[] b ? b : String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A reply element as bytes: bulk strings come as byte[], status replies as String, integers as Long. */
    public static byte[] bytes(Object reply) {
        return reply instanceof byte[] b ? b : String.valueOf(reply).getBytes(StandardCharsets.UTF_8);
    }

    public static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    /**
     * A reply of {@code link}, or the reason it did not come as a {@link RedisAccessException}.
     *
     * @param doing what the reply is for, with the address after it ("reading keys from")
     */
    public static Object await(RedisLink link, CompletableFuture<Object> reply, Duration timeout, String doing) {
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisAccessException("interrupted while " + doing + " " + link.endpoint().address());
        } catch (Exception e) {
            throw RedisAccessException.from(doing + " " + link.endpoint().address() + " failed", e);
        }
    }
}
