package dev.redismigrate.api.completion;

import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.migration.MigrationShard;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.replication.ReplicationOffset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The completion's own links to the source's masters (one for a standalone source, every shard's
 * for a cluster): pauses their writes, reads their replication offsets, and unpauses them when
 * closed, whatever happened. {@code CLIENT PAUSE <ms> WRITE} ends by itself after its time, so a
 * source is never left paused by a service that died in between.
 */
final class SourceSwitch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SourceSwitch.class);

    /** the masters, in the shards' order */
    private final List<RedisLink> masters;
    private final List<String> names;
    private int paused;

    private SourceSwitch(List<RedisLink> masters, List<String> names) {
        this.masters = masters;
        this.names = names;
    }

    static SourceSwitch open(RedisConnector connector, Migration m) {
        RedisEndpoint seed = m.source();
        List<RedisEndpoint> endpoints = m.sharded() ? m.shards.stream().map(s -> s.master(seed)).toList() : List.of(seed);
        List<String> names = m.sharded() ? m.shards.stream().map(MigrationShard::describe).toList() : List.of("the source");
        List<RedisLink> links = new ArrayList<>();
        try {
            for (RedisEndpoint endpoint : endpoints) {
                links.add(connector.open(endpoint, "redis-migrate-complete"));
            }
        } catch (RuntimeException e) {
            links.forEach(RedisLink::close);
            throw e;
        }
        return new SourceSwitch(links, names);
    }

    /**
     * Pauses every master's writes (reads go on; Redis 6.2 or later, Valkey). Writes of clients block
     * until the end; the replication links to the stream worker keep flowing. A cluster's masters are
     * paused one after the other: their offsets are read only once all are.
     *
     * @throws RedisAccessException when a master refuses (an older server, or the command is not allowed)
     */
    void pauseWrites(Duration pause) {
        for (int i = 0; i < masters.size(); i++) {
            try {
                masters.get(i).call("CLIENT", "PAUSE", Long.toString(pause.toMillis()), "WRITE");
            } catch (RedisAccessException e) {
                throw masters.size() == 1 ? e : new RedisAccessException(names.get(i) + ": " + e.getMessage());
            }
            paused++;
        }
    }

    /** Each master's master_replid and master_repl_offset, in the shards' order: while paused, nothing moves them. */
    List<ReplicationOffset> positions() {
        List<ReplicationOffset> positions = new ArrayList<>();
        for (int i = 0; i < masters.size(); i++) {
            Map<String, String> info = masters.get(i).info("replication");
            String replId = info.get("master_replid");
            String offset = info.get("master_repl_offset");
            if (replId == null || offset == null) {
                throw new RedisAccessException((masters.size() == 1 ? "the source" : names.get(i))
                        + "'s INFO replication has no master_replid or master_repl_offset");
            }
            positions.add(new ReplicationOffset(replId.trim(), Long.parseLong(offset.trim()), -1));
        }
        return positions;
    }

    @Override
    public void close() {
        for (int i = 0; i < masters.size(); i++) {
            try {
                if (i < paused) {
                    masters.get(i).call("CLIENT", "UNPAUSE");
                }
            } catch (RuntimeException e) {
                // the pause still ends by itself at its time
                LOG.warnf("%s: writes could not be unpaused (%s): they resume when the pause's time is up", names.get(i),
                        e.getMessage());
            } finally {
                masters.get(i).close();
            }
        }
    }
}
