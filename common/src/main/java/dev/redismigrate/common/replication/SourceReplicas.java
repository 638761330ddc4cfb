package dev.redismigrate.common.replication;

import com.moilioncircle.redis.replicator.Configuration;
import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.cmd.CommandName;
import com.moilioncircle.redis.replicator.cmd.parser.DefaultCommandParser;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds redis-replicator connections that act as a replica of a source. Every command the source
 * knows is parsed as raw argv ({@code DefaultCommand}): the library skips commands it has no parser
 * for, and a migration must not skip any.
 */
public final class SourceReplicas {
    /** redis-replicator names a refused login "[AUTH <SHA-256 of the password>] failed.": a guessable hash. */
    private static final java.util.regex.Pattern AUTH = java.util.regex.Pattern.compile("\\[AUTH [^\\]]*\\]");

    /** How much of the link one socket read may bring in while a full sync's RDB is copied. */
    private static final int RDB_READ_BYTES = 256 << 10;

    private SourceReplicas() {
    }

    /** Why a replication link failed, fit for logs and events: never the password nor a hash of it. */
    public static String reason(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return AUTH.matcher(message).replaceAll("[AUTH]");
    }

    /**
     * @param commandNames the names the source knows ({@link #commandNames}), all parsed raw
     * @param from where to continue, or null for a full sync
     */
    public static Replicator replicaOf(RedisEndpoint source, RedisConnector connector, List<String> commandNames,
            ReplicationOffset from, int timeoutMillis) {
        Configuration configuration = configuration(source, connector, timeoutMillis);
        if (from != null) {
            configuration.setReplId(from.replId()).setReplOffset(from.offset());
        }
        return withParsers(new SourceReplica(source.host(), source.port(), configuration, null), commandNames);
    }

    /**
     * A full sync whose RDB is copied to {@code rdb} as it arrives, unparsed ({@link RdbTransfer});
     * the commands after it come as events. The link is read by the thread that opens it, in
     * reads of up to 256 KiB: the library's reader thread and its small reads only cost CPU when
     * nothing parses the bytes in between.
     */
    public static Replicator fullSync(RedisEndpoint source, RedisConnector connector, List<String> commandNames,
            RdbTransfer.Sink rdb, int timeoutMillis) {
        Configuration configuration = configuration(source, connector, timeoutMillis)
                .setAsyncCachedBytes(0)
                .setBufferSize(RDB_READ_BYTES);
        return withParsers(new SourceReplica(source.host(), source.port(), configuration, rdb), commandNames);
    }

    private static Configuration configuration(RedisEndpoint source, RedisConnector connector, int timeoutMillis) {
        SecretCipher cipher = connector.cipher();
        Configuration configuration = Configuration.defaultSetting()
                .setConnectionTimeout(timeoutMillis)
                .setReadTimeout(60_000) // the source PINGs its replicas every 10 s by default
                .setRetries(1) // we own retries: each reconnect must start from the applied offset
                // with one attempt the library's pause after it (1 s by default) only delays our own handling:
                // it held every closed link's thread, so each snapshot's end waited 1.2 s for its capture to stop
                .setRetryTimeInterval(0)
                // A source that sent its RDB diskless puts the replica online (and sends it the writes it holds
                // meanwhile in the replica's output buffer) only on an ACK that comes after it reaped its RDB
                // child; the child exits only once the RDB's end was sent, so the ACK we send as that end arrives
                // (SourceReplica.heartbeat) usually comes too early and is lost. Redis's own replica ACKs after
                // loading the RDB, long after. With the library's 1 s, the next ACK came up to a second later,
                // under a heavy write load long enough to pass a small output-buffer limit (the benchmark's
                // slow-target scenario, 05:47 on 12-06: 0.8 s, 1.66 MB); at 100 ms the source waits at most
                // about its own cron tick. An ACK is a few bytes.
                .setHeartbeatPeriod(100)
                .setUseDefaultExceptionListener(false) // ours report failures; the library's would log them again
                .setSsl(source.tls());
        if (source.tls()) {
            configuration.setSslSocketFactory(connector.tls().context().getSocketFactory());
        }
        if (source.username() != null && !source.username().isEmpty()) {
            configuration.setAuthUser(source.username());
        }
        if (source.hasPassword()) {
            configuration.setAuthPassword(cipher.open(source.sealedPassword()));
        }
        return configuration;
    }

    private static Replicator withParsers(Replicator replicator, List<String> commandNames) {
        for (String name : commandNames) {
            replicator.addCommandParser(CommandName.name(name), new DefaultCommandParser());
        }
        return replicator;
    }

    /** Upper-case names of every command the server knows (from COMMAND). */
    public static List<String> commandNames(RedisLink link) {
        Object reply = link.call("COMMAND");
        List<String> names = new ArrayList<>();
        if (reply instanceof List<?> commands) {
            for (Object command : commands) {
                if (command instanceof List<?> info && !info.isEmpty()) {
                    names.add(String.valueOf(info.get(0)).toUpperCase(Locale.ROOT));
                }
            }
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("the source listed no commands (COMMAND)");
        }
        return names;
    }
}
