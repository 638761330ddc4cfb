package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How the replication method's snapshot gets into the target: {@code restore} (the worker parses
 * the spooled RDB and writes each key: any target, filters and db map honoured) or {@code replica}
 * (the target loads the spooled RDB itself, as a replica of the worker, then is detached: the
 * fastest copy, for a standalone target that allows REPLICAOF and reaches the worker, with every key
 * of every db and nothing else kept on the target).
 */
public enum SnapshotLoad {
    @JsonProperty("restore")
    RESTORE,
    @JsonProperty("replica")
    REPLICA;

    /** The name the API and the records use. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<SnapshotLoad> parse(String text) {
        return Arrays.stream(values()).filter(m -> m.wire().equals(text)).findFirst();
    }

    /** Records and rows written before loads existed carry none: they meant restore. */
    public static SnapshotLoad orDefault(SnapshotLoad load) {
        return load == null ? RESTORE : load;
    }
}
