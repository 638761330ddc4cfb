package dev.redismigrate.snapshot.scan;

import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.value.MigratedDbs;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;

/**
 * What one scan request copies, and so what a new attempt of it empties on the target first: the
 * whole source, a part of a split scan (its share of the keys), or a cluster source's shard (the
 * keys of its slots only: the other shards' scans and copies write beside it).
 */
final class ScanShare {
    private ScanShare() {
    }

    /** Empties the target of what {@code request} copies (keys an earlier attempt wrote may since be gone at the source). */
    static void emptyOnTarget(SnapshotRequest request, RedisConnector connector, RedisLink target, boolean targetIsCluster,
            Duration timeout) {
        MigratedKeys keys = request.migratedKeys();
        BitSet slots = request.shard() == null ? null : SlotRange.parse(request.slots());
        if (targetIsCluster) {
            // a new attempt: its target link, to the seed, is open already
            MigratedDbs.emptyCluster(connector, request.target(), List.of(), keys, request.partIndex(), request.partCount(), slots,
                    request.migrationId(), request.shard(), timeout);
        } else if (slots != null) {
            MigratedDbs.emptySlots(target, keys, slots, request.migrationId(), request.shard(), timeout);
        } else {
            MigratedDbs.emptyShare(target, keys, request.partIndex(), request.partCount(), timeout);
        }
    }

    /**
     * A cluster node answers a read of a key whose slot it serves as a replica with a redirection
     * unless the connection said READONLY (a master takes it as a no-op): a shard's scan may read a replica.
     */
    static void allowReplicaReads(SnapshotRequest request, RedisLink source) {
        if (request.shard() != null) {
            source.call("READONLY");
        }
    }

    /** The same on the plain socket the scan's DUMPs go over. */
    static void allowReplicaReads(SnapshotRequest request, RespSocket source) {
        if (request.shard() == null) {
            return;
        }
        try {
            source.write(new byte[][] {"READONLY".getBytes(java.nio.charset.StandardCharsets.US_ASCII)});
            source.send();
            if (source.readValue() instanceof RespSocket.ErrorReply e) {
                throw new RedisAccessException("READONLY on " + source.endpoint().address() + " failed: " + e.message());
            }
        } catch (java.io.IOException e) {
            throw new RedisAccessException("READONLY on " + source.endpoint().address() + " failed: " + e.getMessage());
        }
    }
}
