package dev.redismigrate.snapshot.scan;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The scan method's copy (pipeline bounds towards the target are the snapshot's). */
@ConfigMapping(prefix = "redis-migrate.scan")
public interface ScanConfig {
    /** Keys per SCAN (its COUNT) and per pipelined batch of reads (MGET + PTTL, DUMP + PTTL) on the source. */
    @WithDefault("1000")
    int batchKeys();

    /**
     * Write type by type (DEL, HSET, RPUSH, ... PEXPIREAT) rather than RESTORE, even where the target
     * could load the source's DUMP format. Always so when the source runs a newer Redis than the target.
     */
    @WithDefault("false")
    boolean typeWise();
}
