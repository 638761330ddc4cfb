package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a migration reads its source: as a replica ({@code replication}: PSYNC, RDB, then the
 * command stream) or, for sources that refuse PSYNC, by {@code scan}: SCAN + DUMP for the copy
 * and keyspace notifications for the changes.
 */
public enum MigrationMethod {
    @JsonProperty("replication")
    REPLICATION,
    @JsonProperty("scan")
    SCAN;

    /** The name the API and the records use. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<MigrationMethod> parse(String text) {
        return Arrays.stream(values()).filter(m -> m.wire().equals(text)).findFirst();
    }

    /** Records written before methods existed carry none: they meant replication. */
    public static MigrationMethod orDefault(MigrationMethod method) {
        return method == null ? REPLICATION : method;
    }
}
