package dev.redismigrate.stream.scan;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The scan method's copy of changed keys (pipeline bounds and progress interval are the stream's). */
@ConfigMapping(prefix = "redis-migrate.changes")
public interface ChangeCopyConfig {
    /** Changed keys read from the source (pipelined DUMP + PTTL) and written to the target per batch. */
    @WithDefault("500")
    int batchKeys();

    /** Write type by type rather than RESTORE (see the snapshot worker's redis-migrate.scan.type-wise). */
    @WithDefault("false")
    boolean typeWise();
}
