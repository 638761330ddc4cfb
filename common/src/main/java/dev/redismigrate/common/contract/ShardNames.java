package dev.redismigrate.common.contract;

import java.util.UUID;

/**
 * The one place that names a migration's things per source shard: its Kafka record keys, its change
 * log topic, its checkpoint on the target and in the checkpoint log. A standalone source is one
 * shard without a number ({@code shard} null): its names are those of a migration without shards,
 * so a standalone migration keeps the names it always had. A cluster source numbers its shards
 * 0..n-1 (the order of {@code migration_shard.shard_index}).
 */
public final class ShardNames {
    /**
     * The stream worker keeps its checkpoint in the target under this prefix, the migration id and
     * (for a cluster source) the shard: it is not an extra key.
     */
    public static final String CHECKPOINT_KEY_PREFIX = "redis-migrate:checkpoint:";

    private ShardNames() {
    }

    /** Kafka record key: the migration, or "migration:shard", so the consumer groups spread shards over instances. */
    public static String recordKey(UUID migrationId, Integer shard) {
        return shard == null ? migrationId.toString() : migrationId + ":" + shard;
    }

    /** The change log topic (without the deployment's topic prefix). */
    public static String changeLogTopic(UUID migrationId, Integer shard) {
        return Topics.CHANGE_LOG_PREFIX + migrationId + (shard == null ? "" : "." + shard);
    }

    /**
     * The checkpoint key in the target. The hash tag {@code {id}} keeps every shard's checkpoint of a
     * migration in one slot of a cluster target; a standalone source's key keeps its old name.
     */
    public static String checkpointKey(UUID migrationId, Integer shard) {
        return shard == null ? CHECKPOINT_KEY_PREFIX + migrationId : CHECKPOINT_KEY_PREFIX + "{" + migrationId + "}:" + shard;
    }

    /**
     * The checkpoint of a source shard in one slot of a cluster target (a cluster applies a batch slot
     * by slot): the hash tag {@code {tag}} is chosen to hash to that slot.
     */
    public static String slotCheckpointKey(UUID migrationId, Integer shard, String slotTag) {
        return CHECKPOINT_KEY_PREFIX + migrationId + (shard == null ? "" : ":" + shard) + ":{" + slotTag + "}";
    }

    /** Whether {@code key} is a checkpoint of this migration (any shard, any slot): the verifier does not count it. */
    public static boolean isCheckpointKey(UUID migrationId, String key) {
        return key.startsWith(CHECKPOINT_KEY_PREFIX + migrationId) || key.startsWith(CHECKPOINT_KEY_PREFIX + "{" + migrationId + "}:");
    }

    /** Whether {@code key} is a checkpoint of this migration's {@code shard} (in any slot). */
    public static boolean isCheckpointOf(UUID migrationId, Integer shard, String key) {
        return key.equals(checkpointKey(migrationId, shard)) || key.startsWith(CHECKPOINT_KEY_PREFIX + migrationId + (shard == null ? "" : ":" + shard) + ":{");
    }

    /** "shard 2" for messages, "" for a standalone source. */
    public static String describe(Integer shard) {
        return shard == null ? "" : "shard " + shard;
    }
}
