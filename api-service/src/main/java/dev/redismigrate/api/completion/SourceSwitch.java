package dev.redismigrate.api.completion;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.replication.ReplicationOffset;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The completion's own link to the source: pauses its writes, reads its replication offset, and
 * unpauses it when closed, whatever happened. {@code CLIENT PAUSE <ms> WRITE} ends by itself after
 * its time, so a source is never left paused by a service that died in between.
 */
final class SourceSwitch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SourceSwitch.class);

    private final RedisLink link;
    private boolean paused;

    private SourceSwitch(RedisLink link) {
        this.link = link;
    }

    static SourceSwitch open(RedisConnector connector, RedisEndpoint source) {
        return new SourceSwitch(connector.open(source, "redis-migrate-complete"));
    }

    /**
     * Pauses the source's writes (reads go on; Redis 6.2 or later, Valkey). Writes of clients block
     * until the end; the replication link to the stream worker keeps flowing.
     *
     * @throws RedisAccessException when the source refuses (an older server, or the command is not allowed)
     */
    void pauseWrites(Duration pause) {
        link.call("CLIENT", "PAUSE", Long.toString(pause.toMillis()), "WRITE");
        paused = true;
    }

    /** The source's master_replid and master_repl_offset: while paused, nothing moves them. */
    ReplicationOffset position() {
        Map<String, String> info = link.info("replication");
        String replId = info.get("master_replid");
        String offset = info.get("master_repl_offset");
        if (replId == null || offset == null) {
            throw new RedisAccessException("the source's INFO replication has no master_replid or master_repl_offset");
        }
        return new ReplicationOffset(replId.trim(), Long.parseLong(offset.trim()), -1);
    }

    @Override
    public void close() {
        try {
            if (paused) {
                link.call("CLIENT", "UNPAUSE");
            }
        } catch (RuntimeException e) {
            // the pause still ends by itself at its time
            LOG.warnf("the source's writes could not be unpaused (%s): they resume when the pause's time is up", e.getMessage());
        } finally {
            link.close();
        }
    }
}
