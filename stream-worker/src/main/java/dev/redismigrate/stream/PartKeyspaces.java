package dev.redismigrate.stream;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code INFO keyspace} of each part of a target (for {@link IdleTargetWatch}), read from the server
 * that serves the part, all parts side by side within one wait. Each behind a {@code DBSIZE}, which a
 * server still loading its data (a restart with persistence) or busy with a script refuses where INFO
 * would answer with the keys loaded so far: such a part is left out, not judged now. A part whose server
 * did not answer at all (its link lost, the wait over) is named in {@link Read#unanswered}; whether that
 * is a lost target is the caller's to say.
 */
public final class PartKeyspaces {
    private static final byte[][] DBSIZE = {ascii("DBSIZE")};
    private static final byte[][] INFO_KEYSPACE = {ascii("INFO"), ascii("keyspace")};

    private PartKeyspaces() {
    }

    /**
     * @param keyspaces per part that answered, its INFO keyspace
     * @param unanswered per part whose server did not answer, why ("host:port did not answer …")
     */
    public record Read(Map<String, Map<String, String>> keyspaces, Map<String, String> unanswered) {
    }

    /**
     * @param links part → a link to the server that serves it (one user at a time: the caller's)
     * @throws RedisAccessException when interrupted
     */
    public static Read read(Map<String, RedisLink> links, Duration wait) {
        Map<String, CompletableFuture<Object>> gates = new LinkedHashMap<>();
        Map<String, CompletableFuture<Object>> replies = new LinkedHashMap<>();
        links.forEach((part, link) -> {
            gates.put(part, link.queue(DBSIZE));
            replies.put(part, link.queue(INFO_KEYSPACE));
            link.sendQueued();
        });
        long deadline = System.nanoTime() + wait.toNanos();
        Map<String, Map<String, String>> keyspaces = new LinkedHashMap<>();
        Map<String, String> unanswered = new LinkedHashMap<>();
        replies.forEach((part, reply) -> {
            RedisLink link = links.get(part);
            Reply gate = answer(gates.get(part), link, "DBSIZE", deadline, wait);
            Reply info = answer(reply, link, "INFO keyspace", deadline, wait);
            if (gate.unanswered != null || info.unanswered != null) {
                unanswered.put(part, gate.unanswered != null ? gate.unanswered : info.unanswered);
            } else if (gate.value != null && info.value != null) {
                keyspaces.put(part, RedisLink.infoFields(info.value instanceof byte[] b
                        ? new String(b, StandardCharsets.UTF_8) : String.valueOf(info.value)));
            }
        });
        return new Read(keyspaces, unanswered);
    }

    /** A reply's value, or null for a command the server refused; or why the server did not answer. */
    private record Reply(Object value, String unanswered) {
    }

    private static Reply answer(CompletableFuture<Object> reply, RedisLink link, String what, long deadline, Duration wait) {
        String node = link.endpoint().address();
        try {
            return new Reply(reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS), null);
        } catch (ExecutionException e) {
            // an error reply on a link still open is a refusal (LOADING, BUSY); a closed link lost the reply
            return link.isOpen() && !(e.getCause() instanceof RedisAccessException)
                    ? new Reply(null, null)
                    : new Reply(null, node + " lost the connection while answering " + what);
        } catch (TimeoutException e) {
            return new Reply(null, node + " did not answer " + what + " within " + wait.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisAccessException("interrupted while reading the target's keyspace");
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
