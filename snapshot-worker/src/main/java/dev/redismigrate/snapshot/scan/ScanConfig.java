package dev.redismigrate.snapshot.scan;

import io.smallrye.config.ConfigMapping;

/** The scan method's copy (pipeline bounds towards the target are the snapshot's). */
@ConfigMapping(prefix = "redis-migrate.scan")
public interface ScanConfig {
    /** Keys per SCAN (its COUNT) and per pipelined batch of DUMP + PTTL on the source. */
    int batchKeys();
}
