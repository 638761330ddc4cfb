package dev.redismigrate.stream.scan;

import io.smallrye.config.ConfigMapping;

/** The scan method's copy of changed keys (pipeline bounds and progress interval are the stream's). */
@ConfigMapping(prefix = "redis-migrate.changes")
public interface ChangeCopyConfig {
    /** Changed keys read from the source (pipelined DUMP + PTTL) and written to the target per batch. */
    int batchKeys();
}
