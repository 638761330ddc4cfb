package dev.redismigrate.api.migration;

import java.util.List;

/**
 * A sharded migration's figures are its shards': the copy's are sums, the lag's are sums (bytes, or
 * keys for the scan method) and the worst (seconds), so the migration's lag is 0 exactly when every shard's is. Its phase is
 * the stream once every shard streams, its status syncing once every shard's stream has started.
 */
final class ShardFigures {
    private ShardFigures() {
    }

    static void sumCopy(Migration m) {
        List<MigrationShard> shards = m.shards;
        m.keysCopied = shards.stream().mapToLong(s -> s.keysCopied).sum();
        m.bytesCopied = shards.stream().mapToLong(s -> s.bytesCopied).sum();
        m.keysTotal = shards.stream().allMatch(s -> s.keysTotal != null)
                ? shards.stream().mapToLong(s -> s.keysTotal).sum() : null;
    }

    /** The lag, once every shard has reported one (until then a partial sum would look smaller than it is). */
    static void sumStream(Migration m) {
        List<MigrationShard> shards = m.shards;
        m.commandsApplied = shards.stream().mapToLong(s -> s.commandsApplied).sum();
        if (m.byScan()) { // keys not yet copied again (summed) and the oldest's age (the worst)
            if (shards.stream().allMatch(s -> s.scanLagKeys() != null)) {
                m.lagKeys = shards.stream().mapToLong(MigrationShard::scanLagKeys).sum();
                m.lagSeconds = shards.stream().mapToLong(s -> s.scanLagSeconds() == null ? 0 : s.scanLagSeconds()).max().orElse(0);
            }
            return;
        }
        if (shards.stream().allMatch(s -> s.lagBytes != null)) {
            m.lagBytes = shards.stream().mapToLong(s -> s.lagBytes).sum();
        }
        if (shards.stream().allMatch(s -> s.applyLagBytes != null)) {
            m.captureLagBytes = shards.stream().mapToLong(s -> s.captureLagBytes == null ? 0 : s.captureLagBytes).sum();
            m.applyLagBytes = shards.stream().mapToLong(s -> s.applyLagBytes).sum();
            m.applyLagSeconds = shards.stream().mapToDouble(s -> s.applyLagSeconds == null ? 0 : s.applyLagSeconds).max()
                    .orElse(0);
        }
    }

    static boolean allStream(Migration m) {
        return m.shards.stream().allMatch(s -> s.phase == MigrationPhase.STREAM);
    }

    static boolean allStreaming(Migration m) {
        return m.shards.stream().allMatch(s -> s.streaming);
    }
}
