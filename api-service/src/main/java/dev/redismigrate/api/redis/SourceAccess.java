package dev.redismigrate.api.redis;

import dev.redismigrate.common.redis.KeyspaceNotifications;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a source lets a migration do: replicate (PSYNC), read keys (SCAN and DUMP), and publish
 * keyspace notifications. Managed services refuse PSYNC (renamed away or denied by ACL) and often
 * CONFIG.
 *
 * @param psyncRefusal why PSYNC is refused, or null when it is allowed
 * @param scanRefusal why SCAN or DUMP is refused, or null when both are allowed
 * @param notifyFlags the source's notify-keyspace-events, or null when CONFIG GET is refused
 * @param notifySettable whether CONFIG SET notify-keyspace-events is allowed
 */
public record SourceAccess(String psyncRefusal, String scanRefusal, String notifyFlags, boolean notifySettable) {
    private static final String PENDING_OUTPUT = "pending output";

    public boolean psyncAllowed() {
        return psyncRefusal == null;
    }

    public boolean scanAllowed() {
        return scanRefusal == null;
    }

    /** Whether the notifications the capture needs are on already. */
    public boolean notificationsOn() {
        return KeyspaceNotifications.cover(notifyFlags);
    }

    static SourceAccess of(RedisLink link) {
        String scan = refusal(link, "SCAN", "0", "COUNT", "1");
        if (scan == null) {
            scan = refusal(link, "DUMP", "redis-migrate:probe");
            if (scan != null && redirected(scan)) {
                scan = null; // a cluster node sends a key of another shard's slot there: DUMP itself is allowed
            }
        }
        String flags = KeyspaceNotifications.current(link);
        // setting the value it has changes nothing, but proves CONFIG SET is allowed
        boolean settable = flags != null && refusal(link, "CONFIG", "SET", "notify-keyspace-events", flags) == null;
        return new SourceAccess(psyncRefusal(link), scan, flags, settable);
    }

    /**
     * PSYNC sent right behind a PING, in the same packet: Redis checks the command's ACL first, and a
     * client with a reply still pending gets "SYNC and PSYNC are invalid with pending output" instead of
     * a full sync. So an allowed PSYNC answers that error, a refused one "unknown command" or NOPERM,
     * and nothing is started on the source.
     */
    private static String psyncRefusal(RedisLink link) {
        CompletableFuture<Object> ping = link.queue(argv("PING"));
        CompletableFuture<Object> psync = link.queue(argv("PSYNC", "?", "-1"));
        link.sendQueued();
        try {
            ping.get(10, TimeUnit.SECONDS);
            psync.get(10, TimeUnit.SECONDS);
            return null; // a full sync started after all (the packet was split): allowed; the link is closed next
        } catch (Exception e) {
            String reason = RedisAccessException.from("", e).getMessage().substring(2);
            return reason.contains(PENDING_OUTPUT) ? null : reason;
        }
    }

    /** A cluster's MOVED or ASK (Redisson's redirection exceptions carry no message: their names are the reason). */
    private static boolean redirected(String refusal) {
        return refusal.contains("MOVED ") || refusal.contains("ASK ") || refusal.contains("RedisMovedException")
                || refusal.contains("RedisAskException");
    }

    /** @return why the server refused the command, or null when it ran */
    private static String refusal(RedisLink link, String... command) {
        try {
            link.call(command[0], (Object[]) Arrays.copyOfRange(command, 1, command.length));
            return null;
        } catch (RedisAccessException e) {
            return e.getMessage();
        }
    }

    private static byte[][] argv(String... parts) {
        byte[][] argv = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            argv[i] = parts[i].getBytes(StandardCharsets.US_ASCII);
        }
        return argv;
    }
}
