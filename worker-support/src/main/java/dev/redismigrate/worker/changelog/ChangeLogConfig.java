package dev.redismigrate.worker.changelog;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** redis-migrate.change-log.*: how commands are batched into the change log's records and read back. */
@ConfigMapping(prefix = "redis-migrate.change-log")
public interface ChangeLogConfig {
    /** Commands per record, in bytes about: a record is sent when full. */
    @WithDefault("256K")
    MemorySize recordBytes();

    /**
     * How long a record that is not full waits for more commands: part of the stream's lag at a steady
     * load (1 ms: a record a millisecond at most, which Kafka's 1 MiB batches take in few requests).
     */
    @WithDefault("1ms")
    Duration linger();

    /** Bytes of records on their way to Kafka at most: the capture waits beyond. */
    @WithDefault("64M")
    MemorySize bufferBytes();

    /** Bytes an applier fetches from Kafka at once at most. */
    @WithDefault("16M")
    MemorySize fetchBytes();
}
