package dev.redismigrate.api.preflight;

import dev.redismigrate.api.migration.ShardPlan;
import dev.redismigrate.api.preflight.PreflightReport.Check;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.api.redis.SourceAccess;
import dev.redismigrate.common.contract.MigrationMethod;
import java.util.List;

/**
 * A cluster source as the preflight found it: one unit of work per shard, if every shard can be
 * read. The source's figures for the other checks are the masters' together ({@code combined}: keys
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

    /** A cluster is copied by replication, shard by shard; the scan method's capture listens to one node only. */
    public Check methodCheck(MigrationMethod method) {
        return method == MigrationMethod.REPLICATION ? null
                : Check.fail("cluster", "a cluster source is copied by the replication method only (PSYNC on every "
                        + "master); the scan method is not supported for a cluster source yet");
    }

    /** Every master allows PSYNC: the combined access says PSYNC only then. */
    static SourceAccess combine(SourceAccess seed, String psyncRefusal) {
        return new SourceAccess(psyncRefusal, seed.scanRefusal(), seed.notifyFlags(), seed.notifySettable());
    }
}
