package dev.redismigrate.api.preflight;

import dev.redismigrate.api.migration.ShardPlan;
import dev.redismigrate.api.preflight.PreflightReport.Check;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.api.redis.SourceAccess;
import java.util.List;

/**
 * A cluster source as the preflight found it: one unit of work per shard, if every shard can be
 * read (by either method: each shard is copied and followed on its own nodes). The source's figures for the other checks are the masters' together ({@code combined}: keys
 * and dataset summed; PSYNC allowed only if every master allows it).
 *
 * @param check the source's part of the {@code cluster} check: what was found, or why it cannot be copied
 * @param combined the seed's facts with the masters' keys, memory and access; the seed's alone when a master could not be asked
 * @param plans one per shard, in order (shard i is index i); empty when the check fails
 */
public record ClusterSource(Check check, RedisProbe.Facts combined, List<ShardPlan> plans) {

    public boolean ok() {
        return check.ok();
    }

    /** Every master allows PSYNC: the combined access says PSYNC only then. */
    static SourceAccess combine(SourceAccess seed, String psyncRefusal) {
        return new SourceAccess(psyncRefusal, seed.scanRefusal(), seed.notifyFlags(), seed.notifySettable());
    }
}
